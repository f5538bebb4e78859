import type { BasePageMetrics } from '@bookpipe/contracts';
import { BookpipeError, ErrorCode, describeError, type StageContext, type StageStats } from '@bookpipe/core';
import type { LlmRequest, LlmResult, LlmSuccess } from '@bookpipe/llm-batch';
import type { ResolvedLlm } from './llm-settings.js';

/** What one page's file and metrics are, once decided. */
export interface PageOutput {
  data: unknown;
  /** Quality metrics of the page; `pageNum`, cost and the LLM bookkeeping are added by the loop. */
  metrics: Record<string, unknown>;
}

/** A page that needs the model: the request to send, and how to turn the answer into the page. */
export interface LlmPageJob<Value> {
  /** The request, without `id`, `model` and `metadata`, which the loop sets. */
  request: Pick<LlmRequest, 'messages' | 'images' | 'responseSchema' | 'maxTokens' | 'temperature'>;
  /**
   * Turns the answer (already valid against `request.responseSchema`) into the page file and its
   * quality metrics. Throwing fails this page only.
   */
  finish: (value: Value, result: LlmSuccess<Value, number>) => PageOutput | Promise<PageOutput>;
}

/** How one page will be produced: through the model, or directly (a page with nothing to ask about). */
export type LlmPagePlan<Value> = { llm: LlmPageJob<Value> } | { direct: PageOutput };

export interface RunLlmPagesOptions<Value> {
  llm: ResolvedLlm;
  /** Pages this stage should have when done. @default every page of the scan */
  pages?: readonly number[];
  /**
   * Plans one page (loads its inputs, builds the request). Throwing fails that page only. Called for
   * the remaining pages before anything is sent, `prepareConcurrency` at a time.
   */
  prepare: (page: number, signal: AbortSignal) => Promise<LlmPagePlan<Value>>;
  /** Pages planned at once. @default 8 */
  prepareConcurrency?: number;
  /** Request ids are `<idPrefix>_<page, 4 digits>`. @default the stage name */
  idPrefix?: string;
}

/** Error code of a page whose request got no usable answer (core's ErrorCode has no LLM code). */
export const LLM_REQUEST_FAILED = 'LLM_REQUEST_FAILED';

/** Request-level LLM events passed on to the pipeline as `stage:event` (the others are summarised by page events). */
const FORWARDED_EVENTS = new Set(['retrying', 'rateLimited', 'throttled', 'failed']);

/**
 * The page loop of an LLM stage. Like core's `processPages` (remaining pages only, each page saved
 * as soon as it is done, per-page failures journalled and counted, the same events), but every
 * page that needs the model goes through ONE `processBatch` call of the stage's batch client, which
 * bounds concurrency and request rate, retries, and validates each answer against its page's schema
 * (a client shared by stages running together shares those budgets).
 *
 * Cost: a saved page's `costUsd` is everything its request cost, rejected attempts included, or
 * null when the model's price is unknown. A failed page has no metrics (the journal keeps only its
 * error); what its attempts cost is in its error text and in the stage log.
 */
export async function runLlmPages<Value>(ctx: StageContext, options: RunLlmPagesOptions<Value>): Promise<StageStats> {
  const started = performance.now();
  const stage = ctx.output.stageName;
  const idPrefix = options.idPrefix ?? stage;
  const expected = options.pages ?? (await ctx.scan.pageNumbers());
  const remaining = await ctx.checkpoint.remainingPages(expected);
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
  const inFlight = new Set<string>();
  const progress = () =>
    ctx.emit({
      type: 'stage:progress',
      stage,
      done: stats.pagesSkipped + stats.pagesProcessed,
      failed: stats.pagesFailed,
      inFlight: inFlight.size,
      total: expected.length,
      costUsd: stats.totalCostUsd,
    });

  const save = async (page: number, output: PageOutput, t0: number) => {
    const metrics: Record<string, unknown> & { pageNum: number } = { ...output.metrics, pageNum: page };
    await ctx.output.savePage(page, output.data, metrics as typeof metrics & BasePageMetrics);
    stats.pagesProcessed++;
    const cost = typeof metrics['costUsd'] === 'number' ? metrics['costUsd'] : metrics['costUsd'] === undefined ? 0 : null;
    stats.totalCostUsd = stats.totalCostUsd === null || cost === null ? null : stats.totalCostUsd + cost;
    ctx.emit({ type: 'page:done', stage, page, durationMs: performance.now() - t0, costUsd: cost });
    progress();
  };
  const fail = async (page: number, error: unknown) => {
    const message = describeError(error);
    stats.pagesFailed++;
    stats.failures.push({ page, error: message, ...(BookpipeError.isInstance(error) ? { code: error.code } : {}) });
    ctx.logger.error('page failed', { stage, page, error });
    ctx.emit({ type: 'page:failed', stage, page, error: message });
    await ctx.checkpoint.markFailed(page, message);
    progress();
  };
  // Storage failures stop the stage (every later page would fail the same way), as in processPages.
  const isFatal = (error: unknown) => BookpipeError.isInstance(error) && error.code === ErrorCode.STORAGE_ERROR;

  // 1. Plan every remaining page; pages needing no model are saved at once.
  const jobs = new Map<number, { job: LlmPageJob<Value>; t0: number }>();
  let next = 0;
  const planner = async () => {
    while (next < remaining.length && !ctx.signal.aborted) {
      const page = remaining[next++]!;
      const t0 = performance.now();
      try {
        const plan = await options.prepare(page, ctx.signal);
        if ('direct' in plan) await save(page, plan.direct, t0);
        else jobs.set(page, { job: plan.llm, t0 });
      } catch (error) {
        if (isFatal(error)) throw error;
        if (!ctx.signal.aborted) await fail(page, error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.prepareConcurrency ?? 8, remaining.length) }, planner));

  // 2. One batch for every page that needs the model, saved as the answers arrive.
  const pageOf = new Map<string, number>();
  const requests: Array<LlmRequest<number>> = [];
  for (const page of remaining) {
    const entry = jobs.get(page);
    if (!entry) continue;
    const id = `${idPrefix}_${String(page).padStart(4, '0')}`;
    pageOf.set(id, page);
    requests.push({ ...entry.job.request, id, model: options.llm.model, metadata: page });
  }
  if (requests.length > 0 && !ctx.signal.aborted) {
    const summary = await options.llm.client.processBatch<Value, number>(requests, {
      signal: ctx.signal,
      onEvent: (event) => {
        if (event.type === 'started') inFlight.add(event.id);
        else if (event.type === 'completed' || event.type === 'failed') inFlight.delete(event.id);
        if (FORWARDED_EVENTS.has(event.type)) {
          const page = 'id' in event ? pageOf.get(event.id) : undefined;
          ctx.emit({ type: 'stage:event', stage, event: page === undefined ? { ...event } : { ...event, page } });
        }
      },
      onResult: async (result) => {
        const page = result.metadata ?? pageOf.get(result.id)!;
        const entry = jobs.get(page)!;
        logRequest(ctx, page, result);
        try {
          if (!result.ok) {
            const cost = result.costUsd === null ? 'unknown cost' : `$${result.costUsd.toFixed(6)}`;
            throw new BookpipeError(
              LLM_REQUEST_FAILED,
              `Scan "${ctx.scan.scanId}", stage "${stage}", page ${page}: the ${result.provider} model ${result.model} gave no usable answer after ${result.attempts} attempt(s) (${cost}): ${result.error.reason}. Run the stage again to retry this page.`,
              { details: { scanId: ctx.scan.scanId, stage, page, ...result.error } },
            );
          }
          const output = await entry.job.finish(result.value, result);
          await save(page, { data: output.data, metrics: { ...output.metrics, ...llmMetrics(result) } }, entry.t0);
        } catch (error) {
          // Thrown out of onResult, a storage error makes processBatch stop sending and reject with it.
          if (isFatal(error)) throw error;
          await fail(page, error);
        }
      },
    });
    ctx.logger.info('llm batch done', { stage, ...summary, notDoneIds: summary.notDoneIds.length });
  }

  stats.durationSeconds = (performance.now() - started) / 1000;
  // Pages not done because of an abort are neither processed nor failed: they remain for the next run.
  stats.aborted = ctx.signal.aborted && stats.pagesProcessed + stats.pagesFailed < remaining.length;
  return stats;
}

/** The LLM bookkeeping of a page's metrics (core's `LlmPageMetrics` fields). */
export function llmMetrics(result: LlmResult): Record<string, unknown> {
  return {
    // Time spent on the page itself; waiting in the queue for a free worker is in queueSeconds.
    processingTimeSeconds: result.executionMs / 1000,
    costUsd: result.costUsd,
    attempts: result.attempts,
    model: result.model,
    provider: result.provider,
    promptTokens: result.usage?.promptTokens ?? null,
    completionTokens: result.usage?.completionTokens ?? null,
    queueSeconds: result.queueMs / 1000,
    executionSeconds: result.executionMs / 1000,
    ...(result.ttftMs === undefined ? {} : { ttftSeconds: result.ttftMs / 1000 }),
  };
}

/** One line per request in the stage's log: no prompt, no image, no key. */
function logRequest(ctx: StageContext, page: number, result: LlmResult): void {
  const fields = {
    page,
    id: result.id,
    ok: result.ok,
    model: result.model,
    provider: result.provider,
    attempts: result.attempts,
    costUsd: result.costUsd,
    usage: result.usage,
    queueMs: Math.round(result.queueMs),
    executionMs: Math.round(result.executionMs),
    ...(result.ok ? {} : { error: result.error }),
  };
  if (result.ok) ctx.logger.info('llm request', fields);
  else ctx.logger.warn('llm request failed', fields);
}
