import type { BasePageMetrics } from '@bookpipe/contracts';
import { BookpipeError, describeError, ErrorCode } from './errors.js';
import type { StageContext, StageStats } from './stage.js';

/** The bookkeeping fields of every page's metrics, which `processPages` fills in. */
type FilledMetrics = 'pageNum' | 'processingTimeSeconds' | 'costUsd';

/**
 * The metrics a stage gives for one page: its own fields, exactly; `pageNum` is filled in, and
 * `processingTimeSeconds` (measured around `processPage`) and `costUsd` (0) when not given. A
 * `costUsd` of null says the page's price is unknown.
 */
export type PageMetricsInput<Metrics extends BasePageMetrics = BasePageMetrics> = Omit<Metrics, FilledMetrics> &
  Partial<Pick<Metrics, 'processingTimeSeconds' | 'costUsd'>>;

/** One page as a stage produced it: the page file's data and the page's metrics. */
export interface PageResult<Output, Metrics extends BasePageMetrics = BasePageMetrics> {
  data: Output;
  metrics: PageMetricsInput<Metrics>;
}

/**
 * `Given` with every field the stage's metrics do not have typed `never`: TypeScript does not check a
 * callback's returned object literal for excess fields, so a misspelt optional metric would otherwise
 * pass and be dropped (or refused) at run time.
 */
export type NoExtraMetrics<Given, Metrics> = Given & { [K in Exclude<keyof Given, keyof Metrics>]: never };

export interface ProcessPagesOptions<
  Output,
  Metrics extends BasePageMetrics = BasePageMetrics,
  Given extends PageMetricsInput<Metrics> = PageMetricsInput<Metrics>,
> {
  /** Pages this stage should have when done. @default every page of the scan */
  pages?: readonly number[];
  /** Pages in flight at once. @default 1 */
  concurrency?: number;
  /**
   * Produces one page. Throwing fails that page only: the failure is journalled, counted and the
   * other pages go on. `signal` aborts with the run.
   */
  processPage: (page: number, signal: AbortSignal) => Promise<{ data: Output; metrics: NoExtraMetrics<Given, Metrics> }>;
}

/** A page's full metrics from what its stage gave: see `PageMetricsInput`. */
export function fillPageMetrics<Metrics extends BasePageMetrics>(page: number, given: PageMetricsInput<Metrics>, measuredSeconds: number): Metrics {
  const metrics: Record<string, unknown> = { pageNum: page, ...given };
  metrics.pageNum = page;
  if (metrics.processingTimeSeconds === undefined) metrics.processingTimeSeconds = measuredSeconds;
  // A page that reports no cost cost nothing; `null` means its price is unknown.
  if (metrics.costUsd === undefined) metrics.costUsd = 0;
  return metrics as Metrics;
}

/**
 * The page loop every stage needs: runs `processPage` on the pages that have no valid file yet,
 * `concurrency` at a time, saves each one as soon as it is done, isolates per-page failures and stops
 * taking new pages when `ctx.cancel` or `ctx.signal` aborts (on `cancel` the pages in flight still
 * finish and are saved; on `signal` they are abandoned and stay remaining). Storage failures (disk full,
 * permissions) and a stopped service (`SERVICE_STOPPED`: a refused API key, an exhausted quota) are not page
 * failures: they stop the stage, since every later page would fail the same way, and its unfinished pages
 * stay remaining; the error thrown then carries the stage's stats so far in `details.stats` (`aborted`
 * true), which the pipeline keeps in the stage's failed outcome. A failed page's `BookpipeError` may carry
 * `details.costUsd`: what its attempts cost counts in the stage's `totalCostUsd`.
 *
 * Typed by the stage's context: `processPage` must return the stage's page data and its own metric
 * fields, exactly (a wrong field or a misspelt metric is a compile error); `pageNum`, the time taken
 * and the cost (0 unless given) are filled in here.
 */
export async function processPages<Output, Metrics extends BasePageMetrics, Given extends PageMetricsInput<Metrics> = PageMetricsInput<Metrics>>(
  ctx: StageContext<Output, Metrics>,
  options: ProcessPagesOptions<NoInfer<Output>, NoInfer<Metrics>, Given>,
): Promise<StageStats> {
  const started = performance.now();
  const stage = ctx.output.stageName;
  const expected = options.pages ?? (await ctx.scan.pageNumbers());
  const remaining = await ctx.checkpoint.remainingPages(expected);
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
  const stats: StageStats = {
    stage,
    pagesProcessed: 0,
    pagesFailed: 0,
    pagesSkipped: expected.length - remaining.length,
    totalCostUsd: 0,
    durationSeconds: 0,
    failures: [],
    aborted: false,
  };
  ctx.emit({ type: 'stage:start', stage, totalPages: expected.length, remainingPages: remaining.length });

  let next = 0;
  let inFlight = 0;
  let fatal: unknown;
  // What processPage sees: aborts with the run, and on a storage failure, so that pages in flight stop
  // early (an LLM request not yet sent is not paid for a page that could not be saved anyway).
  const stop = new AbortController();
  const signal = AbortSignal.any([ctx.signal, stop.signal]);
  const stopOn = (error: unknown) => {
    // What the stopped pages' attempts cost was paid (a BookpipeError's `details.costUsd`), whichever of
    // the pages in flight met the stop first.
    const cost = BookpipeError.isInstance(error) ? error.details.costUsd : undefined;
    if (typeof cost === 'number' && stats.totalCostUsd !== null) stats.totalCostUsd += cost;
    fatal ??= error;
    stop.abort(error);
  };
  const progress = () =>
    ctx.emit({
      type: 'stage:progress',
      stage,
      done: stats.pagesSkipped + stats.pagesProcessed,
      failed: stats.pagesFailed,
      inFlight,
      total: expected.length,
      costUsd: stats.totalCostUsd,
    });

  const stopping = () => ctx.signal.aborted || ctx.cancel.aborted;
  const worker = async () => {
    while (next < remaining.length && !stopping() && fatal === undefined) {
      const page = remaining[next++]!;
      inFlight++;
      const t0 = performance.now();
      try {
        const result = await options.processPage(page, signal);
        const metrics = fillPageMetrics<Metrics>(page, result.metrics, (performance.now() - t0) / 1000);
        await ctx.output.savePage(page, result.data, metrics);
        stats.pagesProcessed++;
        const cost = metrics.costUsd;
        stats.totalCostUsd = stats.totalCostUsd === null || cost === null ? null : stats.totalCostUsd + cost;
        ctx.emit({ type: 'page:done', stage, page, durationMs: performance.now() - t0, costUsd: cost });
      } catch (error) {
        if (isFatal(error)) {
          stopOn(error);
        } else if (!signal.aborted && !(ctx.cancel.aborted && isAborted(error))) {
          // An abort mid-page is not the page's fault: it stays remaining, not failed. So is a page that
          // gave up (ABORTED) on a graceful stop, e.g. an LLM request dropped before it was sent.
          const message = describeError(error);
          stats.pagesFailed++;
          // What a failed page's attempts cost was paid all the same (a BookpipeError's `details.costUsd`).
          const failedCost = BookpipeError.isInstance(error) ? error.details.costUsd : undefined;
          if (typeof failedCost === 'number' && stats.totalCostUsd !== null) stats.totalCostUsd += failedCost;
          stats.failures.push({ page, error: message, ...(BookpipeError.isInstance(error) ? { code: error.code } : {}) });
          ctx.logger.error('page failed', { stage, page, error });
          ctx.emit({ type: 'page:failed', stage, page, error: message });
          try {
            await ctx.checkpoint.markFailed(page, message);
          } catch (journalError) {
            stopOn(journalError);
          }
        }
      } finally {
        inFlight--;
        progress();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, remaining.length) }, worker));
  stats.durationSeconds = (performance.now() - started) / 1000;
  if (fatal !== undefined) {
    // The stage stops, but what it did (pages saved, cost paid) is still the run's: the pipeline reports
    // it with the failure (`StageOutcome.stats`), so the CLI summary shows the real cost, not $0.
    stats.aborted = true;
    if (BookpipeError.isInstance(fatal)) fatal.details.stats = stats;
    throw fatal;
  }
  // Pages never started, or abandoned by an abort, are neither processed nor failed: they remain for the next run.
  stats.aborted = stopping() && stats.pagesProcessed + stats.pagesFailed < remaining.length;
  return stats;
}

function isAborted(error: unknown): boolean {
  return BookpipeError.isInstance(error) && error.code === ErrorCode.ABORTED;
}

/** Errors every later page would meet too: a full disk, or a service that stopped for the whole run. */
function isFatal(error: unknown): boolean {
  return BookpipeError.isInstance(error) && (error.code === ErrorCode.STORAGE_ERROR || error.code === ErrorCode.SERVICE_STOPPED);
}
