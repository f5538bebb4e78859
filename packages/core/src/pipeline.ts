import { isAbsolute } from 'node:path';
import { type Config, configSecrets, loadConfig } from './config.js';
import { BookpipeError, describeError, ErrorCode } from './errors.js';
import type { EmitFn, PipelineEvent, StageOutcome } from './events.js';
import { createLogger, type Logger, silentLogger } from './logger.js';
import { PageReadCache } from './page-read-cache.js';
import type { BaseStage, StageStats } from './stage.js';
import { createStageContext } from './stage-context.js';
import { dependenciesOf } from './stage-input.js';
import type { BookStorage } from './storage.js';

// Stages of any output and metrics type run side by side in one pipeline.
// biome-ignore lint/suspicious/noExplicitAny: deliberate generic escape: stages of every Output and Metrics type share this one public list type, and each concrete BaseStage<O, M> must fit it without a cast
export type AnyStage = BaseStage<any, any>;

export interface PipelineOptions {
  /** The scan to work on. */
  scan: BookStorage;
  /** Stage instances; order does not matter, dependencies decide it. */
  stages: readonly AnyStage[];
  /** @default loadConfig() (from the environment) */
  config?: Config;
  /**
   * Where logs go. @default a JSON-lines file per stage, `<scan>/<stage>/logs/<stage>-<time>.jsonl`,
   * with the config's API keys redacted.
   */
  logger?: Logger;
  /** Receives every progress event. */
  onEvent?: EmitFn;
  /** Keep finished pages and do only the rest. With `false`, each stage's outputs are removed first. @default true */
  resume?: boolean;
  /** Take the scan's lock for the run, refusing a second runner. @default true */
  lock?: boolean;
}

/** A page that failed in a run, with the stage it failed in. */
export interface FailedPage {
  stage: string;
  page: number;
  error: string;
  /** The error code when the error was a BookpipeError (INPUT_INVALID: fix the input, a retry cannot help). */
  code?: string;
}

export interface PipelineResult {
  scanId: string;
  /**
   * True when the book came out whole: every stage ran to the end (or was already complete), no page
   * failed, and the run was not aborted. Check this rather than each stage's stats.
   */
  ok: boolean;
  aborted: boolean;
  stages: Record<string, StageOutcome>;
  /** Every page that failed in this run, in pipeline order. */
  failedPages: FailedPage[];
}

export interface RunOptions {
  /**
   * Stops at once: no stage takes a new page and the pages in flight are abandoned (LLM requests
   * cancelled); they stay remaining for the next run. Finished pages stay saved.
   */
  signal?: AbortSignal;
  /**
   * Stops gracefully: no stage or page starts any more, and the pages in flight finish and are saved
   * (an LLM answer already paid for is kept). Abort `signal` afterwards to abandon them after all, e.g.
   * when a grace period runs out. The result then says `aborted`, as for `signal`.
   */
  cancel?: AbortSignal;
}

/**
 * Runs stages in dependency order, independent stages concurrently, resuming by default.
 * The stage graph is checked when the pipeline is built, before anything runs.
 */
export class Pipeline {
  readonly #options: PipelineOptions;
  readonly #stages: Map<string, AnyStage>;

  constructor(options: PipelineOptions) {
    this.#options = options;
    this.#stages = Pipeline.checkGraph(options.stages);
  }

  /** Names of the stages in a valid run order. */
  get order(): string[] {
    return topologicalOrder(this.#stages);
  }

  /**
   * Checks names and dependencies: duplicate names and cycles are refused. Dependencies outside the
   * pipeline are checked against the scan at `run()` time (they may have run earlier).
   * @throws BookpipeError GRAPH_INVALID
   */
  static checkGraph(stages: readonly AnyStage[]): Map<string, AnyStage> {
    const byName = new Map<string, AnyStage>();
    for (const stage of stages) {
      if (!stage.name || !/^[a-z0-9][a-z0-9_-]*$/i.test(stage.name)) {
        throw graphError(`Stage name ${JSON.stringify(stage.name)} is not a plain folder name (letters, digits, "-", "_").`);
      }
      if (byName.has(stage.name)) {
        throw graphError(`Two stages are named "${stage.name}". Give each stage a unique name.`);
      }
      byName.set(stage.name, stage);
    }
    topologicalOrder(byName);
    return byName;
  }

  async run(runOptions: RunOptions = {}): Promise<PipelineResult> {
    const { scan } = this.#options;
    const config = this.#options.config ?? loadConfig();
    const signal = runOptions.signal ?? new AbortController().signal;
    const cancel = runOptions.cancel ?? new AbortController().signal;
    const stopped = () => signal.aborted || cancel.aborted;
    const emit: EmitFn = (event) => this.#options.onEvent?.(event);
    const availableOptional = await this.#checkExternalDependencies();
    // Upstream pages read once for this run, whichever stages read them (see PageReadCache).
    const pageReads = new PageReadCache();

    const lock = this.#options.lock === false ? undefined : await scan.acquireLock();
    const outcomes: Record<string, StageOutcome> = {};
    try {
      emit({ type: 'pipeline:start', scanId: scan.scanId, stages: this.order });
      const running = new Map<string, Promise<StageOutcome>>();
      const start = (name: string): Promise<StageOutcome> => {
        let p = running.get(name);
        if (!p) {
          const stage = this.#stages.get(name)!;
          p = (async () => {
            const deps = dependenciesOf(stage)
              .map((d) => d.stage)
              .filter((d) => this.#stages.has(d));
            const depOutcomes = await Promise.all(deps.map(start));
            const blocked = deps.find(
              (_d, i) =>
                depOutcomes[i]!.status === 'failed' ||
                depOutcomes[i]!.status === 'not-run' ||
                (depOutcomes[i]!.status === 'done' && (depOutcomes[i] as { stats: StageStats }).stats.aborted),
            );
            const outcome: StageOutcome = blocked
              ? { status: 'not-run', reason: `stage "${blocked}" did not finish` }
              : stopped()
                ? { status: 'not-run', reason: 'aborted' }
                : await this.#runStage(stage, config, { signal, cancel, pageReads }, emit, availableOptional.get(name) ?? []);
            outcomes[name] = outcome;
            return outcome;
          })();
          running.set(name, p);
        }
        return p;
      };
      await Promise.all([...this.#stages.keys()].map(start));
    } finally {
      await lock?.release();
    }
    const result = pipelineResult(
      scan.scanId,
      stopped(),
      this.order.map((n) => [n, outcomes[n]!] as const),
    );
    emit({ type: 'pipeline:done', scanId: scan.scanId, ok: result.ok, aborted: result.aborted, stages: result.stages });
    const failed = Object.entries(result.stages).filter(([, o]) => o.status === 'failed');
    if (failed.length > 0) {
      // Stages that failed for one cause (two LLM stages sharing a client whose key was refused) say it once.
      const byError = new Map<string, string[]>();
      for (const [name, outcome] of failed) {
        const error = (outcome as { error: string }).error;
        byError.set(error, [...(byError.get(error) ?? []), name]);
      }
      const parts = [...byError].map(([error, names]) =>
        names.length === 1 ? `stage "${names[0]}" failed: ${error}` : `stages ${names.map((n) => `"${n}"`).join(', ')} failed: ${error}`,
      );
      throw new BookpipeError(ErrorCode.STAGE_FAILED, `Scan "${scan.scanId}": ${parts.join('; ')}`, { details: { result } });
    }
    return result;
  }

  async #runStage(
    stage: AnyStage,
    config: Config,
    { signal, cancel, pageReads }: { signal: AbortSignal; cancel: AbortSignal; pageReads: PageReadCache },
    emit: EmitFn,
    availableOptional: readonly string[],
  ): Promise<StageOutcome> {
    const { scan } = this.#options;
    // Until the stage's own log is open: a log that cannot be opened (a `logs/` that is a link) fails this stage alone.
    let logger: Logger = this.#options.logger?.child({ scanId: scan.scanId, stage: stage.name }) ?? silentLogger;
    try {
      if (this.#options.logger === undefined) {
        const logFile = scan.stage(stage.name).filePath(`logs/${stage.name}-${new Date().toISOString().replace(/[:.]/g, '-')}.jsonl`);
        logger = createLogger({
          // The log is appended line by line to a local file. A backend whose files are not local paths
          // (`s3://…` of @bookpipe/storage-s3) gets no log file: the caller passes `logger` there. Without
          // this, an s3:// URL would be taken as a relative path and a folder "s3:" made in the working directory.
          ...(isAbsolute(logFile) ? { destination: logFile } : {}),
          level: config.logLevel,
          bindings: { scanId: scan.scanId, stage: stage.name },
          redact: configSecrets(config),
        });
      }
      // Storage logs its repairs (torn journal line, page redone) into the stage's own log.
      const ctx = await createStageContext(stage, { scan, config, logger, signal, cancel, emit, availableOptional, pageReads });
      const output = ctx.output;
      if (this.#options.resume === false) {
        // The same clean, and the same report, as a caller's own `StageStorage.clean()` (the CLI's `clean`).
        const report = await output.clean();
        emit({ type: 'stage:cleaned', stage: stage.name, report });
      }
      // before() runs even for a complete stage: it is where a stage notices that its inputs changed
      // (the source stage refuses different files) instead of being skipped as done.
      await stage.before(ctx);
      const status = await output.checkpoint.status();
      if (status.complete && (await output.checkpoint.remainingPages()).length === 0) {
        const reason = 'already complete';
        emit({ type: 'stage:skipped', stage: stage.name, reason });
        logger.info('stage skipped', { reason });
        return { status: 'skipped', reason };
      }
      logger.info('stage starting');
      const stats = await stage.run(ctx);
      if (!stats.aborted) {
        await stage.after(ctx, stats);
        await output.checkpoint.markStageComplete({ ...stats });
      }
      logger.info(stats.aborted ? 'stage aborted' : 'stage done', { stats });
      emit({ type: 'stage:done', stage: stage.name, stats });
      return { status: 'done', stats };
    } catch (error) {
      const message = describeError(error);
      // A page loop stopped by a fatal error (a refused key, a full disk) left its stats on the error.
      const stats = BookpipeError.isInstance(error) ? stageStatsOf(error.details.stats) : undefined;
      logger.error('stage failed', { error, ...(stats ? { stats } : {}) });
      emit({ type: 'stage:failed', stage: stage.name, error: message, ...(stats ? { stats } : {}) } satisfies PipelineEvent);
      return { status: 'failed', error: message, ...(stats ? { stats } : {}) };
    }
  }

  /**
   * Refuses a required dependency outside the pipeline that has not completed in the scan. Returns, per
   * stage, the optional dependencies it reads: those in the pipeline and those complete in the scan.
   */
  async #checkExternalDependencies(): Promise<Map<string, string[]>> {
    const { scan } = this.#options;
    const availableOptional = new Map<string, string[]>();
    for (const stage of this.#stages.values()) {
      const available: string[] = [];
      for (const dep of dependenciesOf(stage)) {
        if (this.#stages.has(dep.stage)) {
          if (dep.optional) available.push(dep.stage);
          continue;
        }
        const complete = await scan.stage(dep.stage).checkpoint.isComplete();
        if (dep.optional) {
          if (complete) available.push(dep.stage);
        } else if (!complete) {
          throw graphError(
            `Stage "${stage.name}" depends on "${dep.stage}", which is not in this pipeline and has not completed in scan "${scan.scanId}". Add the ${dep.stage} stage to the pipeline or run it first.`,
          );
        }
      }
      availableOptional.set(stage.name, available);
    }
    return availableOptional;
  }
}

/** The run's result from the stages' outcomes: `ok` and the failed pages, so a caller need not dig through each stage's stats. */
export function pipelineResult(scanId: string, aborted: boolean, outcomes: ReadonlyArray<readonly [string, StageOutcome]>): PipelineResult {
  const failedPages: FailedPage[] = [];
  let whole = !aborted;
  for (const [, outcome] of outcomes) {
    if (outcome.status === 'failed' || outcome.status === 'not-run') whole = false;
    if (outcome.status !== 'done') continue;
    if (outcome.stats.aborted || outcome.stats.pagesFailed > 0) whole = false;
    for (const f of outcome.stats.failures)
      failedPages.push({ stage: outcome.stats.stage, page: f.page, error: f.error, ...(f.code === undefined ? {} : { code: f.code }) });
  }
  return { scanId, ok: whole && failedPages.length === 0, aborted, stages: Object.fromEntries(outcomes), failedPages };
}

function graphError(message: string): BookpipeError {
  return new BookpipeError(ErrorCode.GRAPH_INVALID, message);
}

/** Kahn's algorithm; names the stages of a cycle when there is one. */
function topologicalOrder(stages: Map<string, AnyStage>): string[] {
  const indegree = new Map<string, number>();
  for (const [name, stage] of stages) {
    indegree.set(name, dependenciesOf(stage).filter((d) => stages.has(d.stage)).length);
  }
  const ready = [...stages.keys()].filter((n) => indegree.get(n) === 0);
  const order: string[] = [];
  while (ready.length > 0) {
    const name = ready.shift()!;
    order.push(name);
    for (const [other, stage] of stages) {
      if (dependenciesOf(stage).some((d) => d.stage === name)) {
        const d = indegree.get(other)! - 1;
        indegree.set(other, d);
        if (d === 0) ready.push(other);
      }
    }
  }
  if (order.length !== stages.size) {
    const cycle = [...stages.keys()].filter((n) => !order.includes(n));
    throw graphError(`The stages ${cycle.map((n) => `"${n}"`).join(', ')} depend on each other in a cycle. Remove one of those dependencies.`);
  }
  return order;
}

/** `value` when it looks like the StageStats `processPages` attaches to a fatal error, else undefined. */
function stageStatsOf(value: unknown): StageStats | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const stats = value as Partial<StageStats>;
  return typeof stats.stage === 'string' && typeof stats.pagesProcessed === 'number' && Array.isArray(stats.failures) ? (stats as StageStats) : undefined;
}
