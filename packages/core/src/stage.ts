import type { BuiltinStageName, PageFormat, StagePage } from '@bookpipe/contracts';
import { type BasePageMetrics, BasePageMetricsSchema } from '@bookpipe/contracts';
import type { ZodObject, ZodType } from 'zod';
import type { Config } from './config.js';
import { BookpipeError, ErrorCode } from './errors.js';
import type { EmitFn } from './events.js';
import type { Logger } from './logger.js';
import { buildReport, type ReportFailure } from './report.js';
import { type DependencyDeclaration, dependenciesOf, type StageInput } from './stage-input.js';
import type { BookStorage, CheckpointManager, StageStorage } from './storage.js';

/**
 * A stage's own storage, typed by the stage: `savePage` takes exactly the stage's page data and
 * metrics, so that a wrong field is a compile error rather than a PAGE_INVALID at run time. The same
 * object as the untyped `StageStorage` underneath (the schemas still validate every save).
 */
export type TypedStageStorage<Output = unknown, Metrics extends BasePageMetrics = BasePageMetrics> = Omit<StageStorage, 'savePage'> & {
  /** Validates, writes atomically (temp + rename) and journals the page's metrics. */
  savePage(page: number, data: Output, metrics: Metrics): Promise<void>;
};

/** Reads a dependency's pages; see `StageContext.input`. */
export interface StageInputs {
  /** A built-in stage's pages, typed: `input('ocr').load(page)` is an `OcrPage`, `input('source').load(page)` PNG bytes. */
  <Name extends BuiltinStageName>(stage: Name): StageInput<StagePage<Name>>;
  /** A user's stage's pages, validated against the schema its declaration gives. */
  <Page = unknown>(stage: string): StageInput<Page>;
}

/** Everything a stage may touch while it runs. `Output` and `Metrics` are the stage's own page types. */
export interface StageContext<Output = unknown, Metrics extends BasePageMetrics = BasePageMetrics> {
  /** The whole scan: metadata and other stages' storage. */
  scan: BookStorage;
  /** This stage's own storage, validating against the stage's `outputSchema`. */
  output: TypedStageStorage<Output, Metrics>;
  /** Same as `output.checkpoint`. */
  checkpoint: CheckpointManager;
  /**
   * The reader of a declared dependency's pages, with its format and schema from the declaration
   * (the built-in stages' from @bookpipe/contracts). @throws BookpipeError GRAPH_INVALID for a stage
   * not declared in `dependencies`.
   */
  input: StageInputs;
  logger: Logger;
  config: Config;
  /**
   * Aborted when the run must stop at once: take no new page, abandon the pages in flight (an LLM
   * request is cancelled), leave everything consistent. Pages abandoned stay remaining.
   */
  signal: AbortSignal;
  /**
   * Aborted when the run is asked to stop gracefully (a first Ctrl-C or SIGTERM): take no new page, but
   * let the pages in flight finish and save them, so that nothing paid for is lost. `signal` may abort
   * later to abandon them after all. `processPages` honours both.
   */
  cancel: AbortSignal;
  emit: EmitFn;
}

/** What a stage's `run()` reports. */
export interface StageStats {
  stage: string;
  pagesProcessed: number;
  pagesFailed: number;
  /** Pages already done before this run (resume). */
  pagesSkipped: number;
  /** Sum of the pages' costs; null when some page's price is unknown. */
  totalCostUsd: number | null;
  durationSeconds: number;
  /**
   * Pages that failed in this run, with the reason, and the error code when the error was a
   * BookpipeError (INPUT_INVALID says the input must be fixed; a retry cannot help).
   */
  failures: Array<{ page: number; error: string; code?: BookpipeError['code'] }>;
  /** True when the run stopped early because its signal or its cancel signal aborted. */
  aborted: boolean;
}

/**
 * The contract every stage implements. A stage reads its dependencies' page files and writes its own,
 * one page at a time, through `ctx.output.savePage` so that a run can stop anywhere and resume.
 *
 * Lifecycle, driven by `Pipeline`: `before()` (fail fast on missing inputs) -> `run()` (only the
 * remaining pages) -> `after()` (book-level outputs; by default report.csv).
 */
export abstract class BaseStage<Output = unknown, Metrics extends BasePageMetrics = BasePageMetrics> {
  /** Folder name of the stage: "ocr", "correction"... Must be unique within a pipeline. */
  abstract readonly name: string;
  /**
   * The stages whose page files this stage reads: names (`'ocr'`), or declarations giving a user
   * stage's schema or format, or making one optional (see `DependencyDeclaration`). Read them with
   * `ctx.input(name)`.
   */
  abstract readonly dependencies: readonly DependencyDeclaration[];
  /** Exactly what one page file of this stage holds; validated on every save and on resume. */
  readonly outputSchema?: ZodType<Output>;
  /** Per-page metrics journalled with each page. */
  readonly checkpointSchema?: ZodType<Metrics>;
  /** Columns of report.csv, projected from the metrics. @default BasePageMetricsSchema */
  readonly reportSchema?: ZodObject;
  /** Page file format. @default "json" */
  readonly pageFormat: PageFormat = 'json';

  /**
   * Validates inputs before any page runs. The default checks that every required dependency has
   * produced page files and says which stage to run first.
   */
  async before(ctx: StageContext<Output, Metrics>): Promise<void> {
    for (const dep of dependenciesOf(this)) {
      if (dep.optional) continue;
      if (!(await ctx.input(dep.stage).hasPages())) {
        throw new BookpipeError(
          ErrorCode.DEPENDENCY_MISSING,
          `Stage "${this.name}" needs ${dep.format === 'json' ? 'pages' : 'page images'} from stage "${dep.stage}" in scan "${ctx.scan.scanId}", but ${ctx.scan.dir}/${dep.stage}/ has none. Run the ${dep.stage} stage first.`,
          { details: { scanId: ctx.scan.scanId, stage: this.name, dependency: dep.stage } },
        );
      }
    }
  }

  /** Processes `ctx.checkpoint.remainingPages()`; see `processPages` for the usual loop. */
  abstract run(ctx: StageContext<Output, Metrics>): Promise<StageStats>;

  /** Book-level work after all pages. The default writes report.csv from the journalled metrics and the run's failures. */
  async after(ctx: StageContext<Output, Metrics>, stats: StageStats): Promise<void> {
    await writeReport(ctx, this.reportSchema ?? BasePageMetricsSchema, stats.failures);
  }
}

/**
 * Writes `<stage>/report.csv`: one row per completed page, the columns of `reportSchema`, and one
 * per page of `failures` (the run's `stats.failures`, as `after()` passes them) with its reason, in
 * added `status` and `error` columns (see `buildReport`). A page whose metrics do not fit is kept as
 * a row with blank cells and reported as a warning with its number; the report is never dropped.
 *
 * The failures come from the run rather than from `checkpoint.status()`, which would also read every
 * page file: a rerun retries every failed page, so the run's failures are the stage's.
 */
export async function writeReport(
  ctx: Pick<StageContext, 'checkpoint' | 'logger' | 'emit'> & { output: Pick<StageStorage, 'stageName' | 'writeFile'> },
  reportSchema: ZodObject,
  failures: readonly ReportFailure[] = [],
): Promise<string> {
  const metrics = await ctx.checkpoint.metrics();
  const report = buildReport(metrics, reportSchema, failures);
  for (const w of report.warnings) {
    ctx.logger.warn('report.csv: page metrics do not fit the report columns', { stage: ctx.output.stageName, ...w });
    ctx.emit({ type: 'report:warning', stage: ctx.output.stageName, page: w.page, problem: w.problem });
  }
  return ctx.output.writeFile('report.csv', report.csv);
}
