import { BookpipeError, ErrorCode, describeError } from './errors.js';
import type { StageContext, StageStats } from './stage.js';

export interface PageResult<T> {
  data: T;
  /** Journalled with the page; `pageNum` is filled in when missing. */
  metrics: Record<string, unknown>;
}

export interface ProcessPagesOptions<T> {
  /** Pages this stage should have when done. @default every page of the scan */
  pages?: readonly number[];
  /** Pages in flight at once. @default 1 */
  concurrency?: number;
  /**
   * Produces one page. Throwing fails that page only: the failure is journalled, counted and the
   * other pages go on. `signal` aborts with the run.
   */
  processPage: (page: number, signal: AbortSignal) => Promise<PageResult<T>>;
}

/**
 * The page loop every stage needs: runs `processPage` on the pages that have no valid file yet,
 * `concurrency` at a time, saves each one as soon as it is done, isolates per-page failures and stops
 * taking new pages when `ctx.signal` aborts. Storage failures (disk full, permissions) are not page
 * failures: they stop the stage, since every later page would fail the same way.
 */
export async function processPages<T>(ctx: StageContext, options: ProcessPagesOptions<T>): Promise<StageStats> {
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

  const worker = async () => {
    while (next < remaining.length && !ctx.signal.aborted && fatal === undefined) {
      const page = remaining[next++]!;
      inFlight++;
      const t0 = performance.now();
      try {
        const result = await options.processPage(page, ctx.signal);
        const metrics: Record<string, unknown> & { pageNum: number } = { pageNum: page, ...result.metrics };
        await ctx.output.savePage(page, result.data, metrics);
        stats.pagesProcessed++;
        // A page that reports no cost cost nothing; `null` means its price is unknown.
        const cost = typeof metrics.costUsd === 'number' ? metrics.costUsd : metrics.costUsd === undefined ? 0 : null;
        stats.totalCostUsd = stats.totalCostUsd === null || cost === null ? null : stats.totalCostUsd + cost;
        ctx.emit({ type: 'page:done', stage, page, durationMs: performance.now() - t0, costUsd: cost });
      } catch (error) {
        if (isFatal(error)) {
          fatal ??= error;
        } else if (!ctx.signal.aborted) {
          // An abort mid-page is not the page's fault: it stays remaining, not failed.
          const message = describeError(error);
          stats.pagesFailed++;
          stats.failures.push({ page, error: message, ...(BookpipeError.isInstance(error) ? { code: error.code } : {}) });
          ctx.logger.error('page failed', { stage, page, error });
          ctx.emit({ type: 'page:failed', stage, page, error: message });
          try {
            await ctx.checkpoint.markFailed(page, message);
          } catch (journalError) {
            fatal ??= journalError;
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
  if (fatal !== undefined) throw fatal;
  // Pages abandoned by an abort are neither processed nor failed: they remain for the next run.
  stats.aborted = ctx.signal.aborted && stats.pagesProcessed + stats.pagesFailed < remaining.length;
  return stats;
}

function isFatal(error: unknown): boolean {
  return BookpipeError.isInstance(error) && error.code === ErrorCode.STORAGE_ERROR;
}
