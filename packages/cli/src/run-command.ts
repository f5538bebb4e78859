import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { API_KEY_VARIABLES, scanIdFromInput } from '@bookpipe/book-pipeline';
import { BOOK_JSON, BOOK_MD } from '@bookpipe/contracts';
import {
  BookpipeError,
  type Config,
  type EmitFn,
  ErrorCode,
  loadConfig,
  type PipelineEvent,
  type PipelineResult,
  type ProviderName,
  type StageStats,
} from '@bookpipe/core';
import { type CliIo, STOP_EXIT_CODES, type StopReason } from './cli-io.js';
import { OCR_WORKER_MEMORY } from './known-stages.js';
import { decideLlm, type LlmMode } from './llm-mode.js';
import { cliNextSteps, ExitCode } from './print-error.js';
import { formatDuration } from './progress/format.js';
import { JsonReporter, PlainReporter, type Reporter, TerminalReporter } from './progress/reporters.js';
import { resumeCommand } from './resume-command.js';
import { openScanAt } from './scan-root.js';
import { parseStageList, planRun } from './stage-plan.js';

/** The options of `bookpipe run`. */
export interface RunFlags {
  /** @default derived from the first input's name */
  scanId?: string;
  /** @default BOOKPIPE_ROOT, else "./scans" */
  root?: string;
  /** Comma-separated stage names. @default source,ocr,correction,label,merge */
  stages?: string;
  provider?: ProviderName;
  model?: string;
  baseUrl?: string;
  /** OCR worker threads. @default BOOKPIPE_OCR_WORKERS, else the number of CPUs */
  workers?: number;
  /** OCR language(s), tesseract codes joined by "+" ("deu+lat"). @default BOOKPIPE_OCR_LANG, else guessed from the first pages */
  lang?: string;
  /** Remove the outputs of the run's stages first. */
  clean?: boolean;
  /** One JSON PipelineEvent per line on stdout. */
  json?: boolean;
  /** Correction and label as provider batches (half price, within 24 hours), journaled and resumable. */
  batch?: boolean;
  /** `--no-wait` is `wait: false`: with --batch, submit (or collect what has ended) and return. */
  wait?: boolean;
}

/** First wait between two polls of a provider batch, BOOKPIPE_BATCH_POLL_SECONDS, else the client's (30 s). */
export function batchPollIntervalMs(env: CliIo['env']): number | undefined {
  const raw = env.BOOKPIPE_BATCH_POLL_SECONDS;
  if (raw === undefined || raw.trim() === '') return undefined;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new BookpipeError(
      ErrorCode.CONFIG_INVALID,
      `BOOKPIPE_BATCH_POLL_SECONDS=${JSON.stringify(raw)} is not a number of seconds. Set it to 0 or more (default 30), or unset it.`,
    );
  }
  return seconds * 1000;
}

export { OCR_FIRST_WORKER_MIB, OCR_MORE_WORKER_MIB, OCR_WORKER_MEMORY } from './known-stages.js';

/**
 * The OCR worker count capped at the CPU count, and the note that says so: OCR is CPU-bound, so more
 * workers than CPUs only add memory (32 workers on 2 CPUs reached 4.8 GB in 25 s, no faster).
 */
export function capOcrWorkers(config: Config, cpus: number): { config: Config; note?: string } {
  const asked = config.ocr.maxWorkers;
  if (asked === undefined || asked <= cpus) return { config };
  return {
    config: { ...config, ocr: { ...config.ocr, maxWorkers: cpus } },
    note: `OCR workers: ${asked} asked (--workers or BOOKPIPE_OCR_WORKERS), but this machine has ${cpus} CPU${cpus === 1 ? '' : 's'}: using ${cpus}. OCR is CPU-bound; more workers add only memory (${OCR_WORKER_MEMORY}).`,
  };
}

function checkLanguages(lang: string): string {
  if (!/^[a-z][a-z0-9_]*(\+[a-z][a-z0-9_]*)*$/.test(lang)) {
    throw new BookpipeError(
      ErrorCode.CONFIG_INVALID,
      `--lang ${JSON.stringify(lang)} is not a list of tesseract language codes. Give codes joined by "+", e.g. --lang deu+lat.`,
    );
  }
  return lang;
}

/** The environment's configuration with the command's flags over it (flags win). */
export function runConfig(env: CliIo['env'], flags: RunFlags): Config {
  const base = loadConfig(env);
  if (flags.baseUrl !== undefined && !URL.canParse(flags.baseUrl)) {
    throw new BookpipeError(
      ErrorCode.CONFIG_INVALID,
      `--base-url ${JSON.stringify(flags.baseUrl)} is not a URL. Give the server's address, e.g. http://localhost:11434/v1.`,
    );
  }
  return {
    ...base,
    root: flags.root ?? base.root,
    ocr: {
      ...base.ocr,
      ...(flags.workers === undefined ? {} : { maxWorkers: flags.workers }),
      ...(flags.lang === undefined ? {} : { languages: checkLanguages(flags.lang) }),
    },
    llm: {
      ...base.llm,
      ...(flags.provider === undefined ? {} : { provider: flags.provider }),
      ...(flags.model === undefined ? {} : { model: flags.model }),
      ...(flags.baseUrl === undefined ? {} : { baseURL: flags.baseUrl }),
    },
  };
}

/**
 * `bookpipe run <inputs...>`: builds the stages, runs the pipeline with progress on stderr (bars on a
 * terminal, plain lines otherwise, JSON events on stdout with --json), stops cleanly on Ctrl-C and
 * says how to resume, and ends with where book.md is. Returns the exit code.
 */
export async function runCommand(inputs: readonly string[], flags: RunFlags, io: CliIo, args: readonly string[]): Promise<number> {
  try {
    return await runBook(inputs, flags, io, args);
  } catch (error) {
    // Next steps in CLI terms, with this run's inputs (printError does the same without them).
    const scanId = flags.scanId ?? (inputs[0] === undefined ? undefined : scanIdFromInput(inputs[0]));
    if (BookpipeError.isInstance(error) && scanId !== undefined) {
      const message = cliNextSteps(error.message, { inputs, scanId, ...(flags.root === undefined ? {} : { root: flags.root }) });
      if (message !== error.message) throw new BookpipeError(error.code, message, { details: error.details, cause: error });
    }
    throw error;
  }
}

async function runBook(inputs: readonly string[], flags: RunFlags, io: CliIo, args: readonly string[]): Promise<number> {
  const { config, note: workersNote } = capOcrWorkers(runConfig(io.env, flags), availableParallelism());
  const graceSeconds = stopGraceSeconds(io.env);
  const llm = decideLlm(config);
  const scanId = flags.scanId ?? (inputs[0] === undefined ? undefined : scanIdFromInput(inputs[0]));
  if (scanId === undefined) {
    throw new BookpipeError(
      ErrorCode.CONFIG_INVALID,
      'Give the PDF or folder of page images to read (`bookpipe run book.pdf`), or --scan-id to work on an existing scan.',
    );
  }
  // A folder, or s3://bucket/prefix (see scan-root.ts for the AWS variables it reads).
  const scan = await openScanAt(config.root, scanId, io.env);
  // Events go to the reporter, which is set up once the run's notes are known.
  let report: EmitFn = () => {};
  const plan = await planRun({
    inputs: inputs.map((input) => resolve(input)),
    wanted: flags.stages === undefined ? undefined : parseStageList(flags.stages),
    scan,
    config,
    resume: !flags.clean,
    onEvent: (event) => report(event),
    ...(flags.batch ? { batch: { wait: flags.wait !== false, pollIntervalMs: batchPollIntervalMs(io.env) } } : {}),
  });
  if (flags.wait === false && !flags.batch) {
    throw new BookpipeError(ErrorCode.CONFIG_INVALID, '--no-wait goes with --batch: it submits the batches and returns. Add --batch, or drop --no-wait.');
  }

  const reporter: Reporter = flags.json
    ? new JsonReporter(io.stdout, io.stderr)
    : io.stderr.isTTY
      ? new TerminalReporter(io.stderr, { costs: llm.kind === 'llm' })
      : new PlainReporter(io.stderr, { costs: llm.kind === 'llm' });
  reporter.message(`bookpipe: scan "${scanId}" in ${scan.dir}`);
  if (workersNote !== undefined) reporter.message(workersNote);
  for (const note of plan.notes) reporter.message(note);

  const stop = gracefulStop(io, reporter, args, graceSeconds);
  const started = performance.now();
  let result: PipelineResult | undefined;
  let thrown: unknown;
  try {
    // A stage's failure as the progress lines show it gets the same CLI next steps as the final error
    // (runCommand); --json events keep the library's words.
    const target = { inputs, scanId, ...(flags.root === undefined ? {} : { root: flags.root }) };
    report = (event: PipelineEvent) =>
      reporter.event(
        !flags.json && (event.type === 'stage:failed' || event.type === 'page:failed') ? { ...event, error: cliNextSteps(event.error, target) } : event,
      );
    result = await plan.pipeline.run({ signal: stop.abort, cancel: stop.cancel });
  } catch (error) {
    thrown = error;
  } finally {
    stop.dispose();
    reporter.close();
  }
  if (result === undefined) {
    // A stage that failed because an upstream stage's pages all failed (merge: "correction has none")
    // hides the cause: say what the upstream pages failed of first; the stage's own error follows.
    const partial =
      BookpipeError.isInstance(thrown) && thrown.code === ErrorCode.STAGE_FAILED ? (thrown.details?.result as PipelineResult | undefined) : undefined;
    const summary = partial?.stages
      ? pageFailureSummary(partial, llm).map((line) => cliNextSteps(line, { inputs, scanId, ...(flags.root === undefined ? {} : { root: flags.root }) }))
      : [];
    if (summary.length > 0)
      reporter.message(`Some pages failed, before a stage stopped the run:\n  ${summary.join('\n  ')}\n${failureAdvice(partial!, args, io.env)}`);
    throw thrown;
  }

  const batchesWaiting =
    flags.batch === true && stop.reason === undefined && Object.values(result.stages ?? {}).some((o) => o?.status === 'done' && o.stats.aborted);
  if (batchesWaiting) {
    // Not stopped by anyone: the batches are still running at the provider (--no-wait, or a stage
    // left pages in a batch). They are journaled; the same command collects them.
    reporter.message(
      `Batches submitted and still running at the provider (see \`bookpipe status\`). Run the same command again to collect them: ${resumeCommand(args, io.env)}`,
    );
    return ExitCode.INTERRUPTED;
  }
  if (result.aborted) {
    if (stop.reason !== 'EPIPE') reporter.message(`Stopped. Finished pages are saved. Run the same command again to resume: ${resumeCommand(args, io.env)}`);
    return stop.reason === undefined ? ExitCode.INTERRUPTED : STOP_EXIT_CODES[stop.reason];
  }
  reporter.message(`Done in ${formatDuration((performance.now() - started) / 1000)}.`);
  const target = { inputs, scanId, ...(flags.root === undefined ? {} : { root: flags.root }) };
  const failed = pageFailureSummary(result, llm).map((line) => cliNextSteps(line, target));
  const merge = scan.stage('merge');
  const bookMd = merge.filePath(BOOK_MD);
  if (result.stages.merge && existsSync(bookMd)) {
    reporter.message(`book.json: ${merge.filePath(BOOK_JSON)}`);
    reporter.message(`book.md:   ${bookMd}`);
  }
  if (failed.length > 0) reporter.message(`Some pages failed:\n  ${failed.join('\n  ')}\n${failureAdvice(result, args, io.env)}`);
  return runExitCode(result);
}

/** Seconds the pages in flight get to finish after a first stop request. */
export const DEFAULT_STOP_GRACE_SECONDS = 30;

/** BOOKPIPE_STOP_GRACE_SECONDS, else 30. @throws BookpipeError CONFIG_INVALID for anything but a number >= 0. */
export function stopGraceSeconds(env: CliIo['env']): number {
  const raw = env.BOOKPIPE_STOP_GRACE_SECONDS;
  if (raw === undefined || raw.trim() === '') return DEFAULT_STOP_GRACE_SECONDS;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new BookpipeError(
      ErrorCode.CONFIG_INVALID,
      `BOOKPIPE_STOP_GRACE_SECONDS=${JSON.stringify(raw)} is not a number of seconds. Set it to 0 or more (default ${DEFAULT_STOP_GRACE_SECONDS}), or unset it.`,
    );
  }
  return seconds;
}

/** The run's two stop signals and what stopped it. */
export interface GracefulStop {
  /** Graceful: no new page, pages in flight finish and are saved. */
  cancel: AbortSignal;
  /** Hard: pages in flight are abandoned. */
  abort: AbortSignal;
  /** The first stop request, if any. */
  readonly reason: StopReason | undefined;
  dispose(): void;
}

/**
 * Stops a run in three steps: the first SIGINT/SIGTERM/SIGHUP (or a closed output pipe) stops taking
 * pages and lets those in flight finish and be saved, for at most `graceSeconds` (an LLM answer being
 * paid for is not thrown away); a second abandons them (they stay to do); a third quits at once.
 */
export function gracefulStop(io: CliIo, reporter: Reporter, args: readonly string[], graceSeconds: number): GracefulStop {
  const cancel = new AbortController();
  const abort = new AbortController();
  let reason: StopReason | undefined;
  let requests = 0;
  let grace: ReturnType<typeof setTimeout> | undefined;
  const stopListening = io.onInterrupt((why) => {
    // A broken pipe stays broken: it asks once. Nothing printed can reach a closed output either.
    if (why === 'EPIPE' && reason !== undefined) return;
    requests += 1;
    reason ??= why;
    const what = why === 'SIGINT' ? 'Ctrl-C' : why === 'EPIPE' ? 'output closed' : why;
    if (requests === 1) {
      cancel.abort();
      grace = setTimeout(() => {
        abort.abort();
        reporter.message(`Pages still in flight after ${graceSeconds} s are abandoned; they stay to do.`);
      }, graceSeconds * 1000);
      reporter.message(
        `Stopping (${what}): no new page is started; pages in flight finish and are saved (up to ${graceSeconds} s, BOOKPIPE_STOP_GRACE_SECONDS). Press Ctrl-C again to abandon them.`,
      );
    } else if (requests === 2) {
      abort.abort();
      reporter.message(`Abandoning the pages in flight (${what}); they stay to do. Press Ctrl-C again to quit at once.`);
    } else {
      reporter.close();
      io.stderr.write(`Quit. Run the same command again to resume: ${resumeCommand(args, io.env)}\n`);
      io.exit(STOP_EXIT_CODES[reason]);
    }
  });
  return {
    cancel: cancel.signal,
    abort: abort.signal,
    get reason() {
      return reason;
    },
    dispose() {
      stopListening();
      clearTimeout(grace);
    },
  };
}

/**
 * The exit code of a run that resolved: 0 only when the pipeline says the book came out whole
 * (`result.ok`), 130 when it was stopped, 1 otherwise (failed pages, a stage that did not run), so a
 * script never takes a book with holes for a good one.
 */
export function runExitCode(result: PipelineResult): number {
  if (result.ok) return ExitCode.OK;
  return result.aborted ? ExitCode.INTERRUPTED : ExitCode.ERROR;
}

type PageFailure = StageStats['failures'][number];

/** The stages that ran and had failed pages, in pipeline order. */
function failedStages(result: PipelineResult): Array<[string, StageStats]> {
  return Object.entries(result.stages ?? {}).flatMap(([name, outcome]) =>
    outcome?.status === 'done' && outcome.stats.pagesFailed > 0 ? [[name, outcome.stats] as [string, StageStats]] : [],
  );
}

/**
 * A page failure that rerunning cannot fix: the input itself was refused (corrupt, truncated, over the
 * pixel limit), which the page loop records as the error code INPUT_INVALID.
 */
export function isInputFailure(failure: PageFailure): boolean {
  return failure.code === ErrorCode.INPUT_INVALID;
}

/** A failure's reason without what differs from page to page (scan/stage/page prefix, attempts, cost, the retry advice). */
function reasonOf(error: string): string {
  return error
    .replace(/^Scan "[^"]*", stage "[^"]*", page \d+: /, '')
    .replace(/^Book page \d+: /, '')
    .replace(/ after \d+ attempt\(s\)/, '')
    .replace(/ \(\$[\d.]+\)/, '')
    .replace(/\s*Run the stage again to retry this page\.$/, '')
    .trim()
    .replace(/\.$/, '');
}

/** What to check for a refused key (HTTP 401/403): the provider's key variable. */
function keyHint(reason: string, llm: LlmMode): string {
  if (!/\bHTTP 40[13]\b/.test(reason)) return '';
  const variable = llm.kind === 'llm' && llm.provider !== 'ollama' ? API_KEY_VARIABLES[llm.provider] : undefined;
  return variable ? ` — check ${variable}` : ' — check the API key (or the server at --base-url)';
}

/**
 * One line per stage with failed pages: "correction: 8 of 8 pages failed: HTTP 401 invalid api key —
 * check OPENAI_API_KEY (pages 1-8)", the distinct reasons (at most three, then how many more), so that
 * a book whose every page failed for one cause shows the cause once.
 */
export function pageFailureSummary(result: PipelineResult, llm: LlmMode): string[] {
  return failedStages(result).map(([name, stats]) => {
    const total = stats.pagesProcessed + stats.pagesFailed + stats.pagesSkipped;
    const byReason = new Map<string, number[]>();
    for (const failure of stats.failures) {
      const reason = reasonOf(failure.error);
      byReason.set(reason, [...(byReason.get(reason) ?? []), failure.page]);
    }
    const reasons = [...byReason].map(([reason, pages]) => `${reason}${keyHint(reason, llm)} (${pageList(pages)})`);
    const shown = reasons.length > 3 ? [...reasons.slice(0, 3), `and ${reasons.length - 3} other reasons`] : reasons;
    return `${name}: ${stats.pagesFailed} of ${total} pages failed: ${shown.join('; ')}`;
  });
}

/** "page 3", "pages 1-4, 7". */
function pageList(pages: readonly number[]): string {
  const sorted = [...new Set(pages)].sort((a, b) => a - b);
  const runs: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    runs.push(j > i ? `${sorted[i]}-${sorted[j]}` : `${sorted[i]}`);
    i = j + 1;
  }
  return `${sorted.length === 1 ? 'page' : 'pages'} ${runs.join(', ')}`;
}

/**
 * The next step after failed pages: rerunning retries them (a provider outage, a rate limit, a key
 * fixed since), but cannot help a page whose input was refused: that file must be fixed or replaced.
 */
export function failureAdvice(result: PipelineResult, args: readonly string[], env: CliIo['env']): string {
  const all = failedStages(result).flatMap(([name, stats]) => stats.failures.map((f) => ({ name, failure: f as PageFailure })));
  // A page whose input was refused fails again in every later stage that needs it ("the image does not
  // exist"): that is one refused input page, not several, and nothing to retry.
  const refusedPages = new Set(all.filter(({ failure }) => isInputFailure(failure)).map(({ failure }) => failure.page));
  const others = all.filter(({ failure }) => !refusedPages.has(failure.page));
  const lines: string[] = [];
  if (refusedPages.size > 0) {
    lines.push(
      `${refusedPages.size === 1 ? '1 input page was' : `${refusedPages.size} input pages were`} refused: rerunning reads the same file again. Fix or replace the file named above (or leave it out), then run the command again.`,
    );
  }
  if (others.length > 0)
    lines.push(`Run the same command again to retry ${refusedPages.size > 0 ? 'the other failed pages' : 'them'}: ${resumeCommand(args, env)}`);
  return lines.join('\n');
}
