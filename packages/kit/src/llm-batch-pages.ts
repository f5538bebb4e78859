import type { BasePageMetrics } from '@bookpipe/contracts';
import { BookpipeError, ErrorCode, processPages, type StageContext, type StageStats } from '@bookpipe/core';
import type { BatchHandle, LlmRequest, LlmResult } from '@bookpipe/llm-batch';
import { type BatchJournal, readBatchJournal, upsertBatch, writeBatchJournal } from './batch-journal.js';
import { completeLlmPage, type LlmPagePlan, liveSender, type RunLlmPagesOptions, requestId } from './llm-pages.js';

/** Pages planned at once before a batch is built: loading inputs, not sending. */
const PLAN_CONCURRENCY = 4;

/**
 * Batch mode of `runLlmPages` (`llm.batch` set): every remaining page's request goes into one
 * provider batch (half price, answered within 24 hours) instead of one live request each.
 *
 * - The batch's handle (id, request ids) is journaled in `<stage>/batches.json`, atomically, before
 *   the run waits on it; a rerun (after Ctrl-C, SIGKILL or `wait: false`) polls the same batch again
 *   rather than submitting and paying for it twice, and collects one that ended while nothing ran.
 * - Only pages not yet saved are submitted, and only pages not already in a batch in flight.
 * - Pages the batch did not answer go live (the client's bounded fallback); a page whose answer is
 *   refused by its `review` is asked once more live. Failed pages are journalled as in live mode.
 * - A journaled batch is marked collected only once its pages are saved: a run killed in between
 *   collects the same answers again from the provider.
 */
export async function runLlmPagesInBatch<Value, Output, Metrics extends BasePageMetrics>(
  ctx: StageContext<Output, Metrics>,
  options: RunLlmPagesOptions<Value, NoInfer<Output>, NoInfer<Metrics>>,
): Promise<StageStats> {
  const stage = ctx.output.stageName;
  const idPrefix = options.idPrefix ?? stage;
  const { client, model } = options.llm;
  const mode = options.llm.batch ?? {};
  const wait = mode.wait ?? true;
  const expected = options.pages ?? (await ctx.scan.pageNumbers());
  const remaining = await ctx.checkpoint.remainingPages(expected);
  const remainingSet = new Set(remaining);

  // Every remaining page planned first: a batch is built from all of them at once.
  const plans = new Map<number, LlmPagePlan<Value, Output, Metrics>>();
  const planFailures = new Map<number, unknown>();
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(PLAN_CONCURRENCY, remaining.length) }, async () => {
      while (next < remaining.length && !ctx.signal.aborted) {
        const page = remaining[next++] as number;
        try {
          plans.set(page, await options.prepare(page, ctx.signal));
        } catch (error) {
          planFailures.set(page, error);
        }
      }
    }),
  );
  const llmPages = remaining.filter((page) => {
    const plan = plans.get(page);
    return plan !== undefined && 'llm' in plan;
  });
  const requestFor = (page: number): LlmRequest<number> => {
    const plan = plans.get(page) as { llm: { request: Omit<LlmRequest, 'id' | 'model'> } };
    return { ...plan.llm.request, id: requestId(idPrefix, page), model, metadata: page };
  };
  const pageOf = new Map(llmPages.map((page) => [requestId(idPrefix, page), page]));

  let journal: BatchJournal = await readBatchJournal(ctx.output);
  let writing: Promise<void> = Promise.resolve();
  const record = (update: (current: BatchJournal) => BatchJournal) => {
    journal = update(journal);
    const snapshot = journal;
    writing = writing.then(() => writeBatchJournal(ctx.output, snapshot));
    return writing;
  };
  const results = new Map<number, LlmResult<Value, number>>();
  const ended: { handle: BatchHandle; model: string }[] = [];
  let waiting = false;

  const collect = async (handle: BatchHandle, batchModel: string, pages: number[]) => {
    const stopWaiting = new AbortController();
    const summary = await client.collectBatch<Value, number>(handle, pages.map(requestFor), {
      signal: AbortSignal.any([ctx.signal, ctx.cancel, stopWaiting.signal]),
      ...(mode.maxLiveFallback === undefined ? {} : { maxLiveFallback: mode.maxLiveFallback }),
      onStatus: (status) => {
        void record((j) => upsertBatch(j, handle, batchModel, { status }));
        ctx.emit({ type: 'stage:event', stage, event: { ...status, type: 'batchStatus' } });
        // `wait: false`: one look; a batch still running is left to the next run.
        if (!wait && status.state === 'in_progress') stopWaiting.abort(new Error('not waiting'));
      },
      onEvent: (event) => {
        if (event.type === 'failed' || event.type === 'retrying') {
          ctx.emit({ type: 'stage:event', stage, event: { ...event, page: pageOf.get(event.id) } });
        }
      },
      onResult: (result) => {
        results.set(result.metadata as number, result);
      },
    });
    await writing;
    if (summary.aborted) waiting = true;
    else ended.push({ handle, model: batchModel });
    return summary;
  };

  // 1. Batches an earlier run submitted: poll (or collect) them, for the pages still wanted.
  const inFlight = journal.batches.filter((entry) => entry.state === 'in_progress');
  for (const entry of inFlight) {
    if (ctx.signal.aborted || ctx.cancel.aborted) break;
    const wanted = entry.handle.requestIds.flatMap((id) => {
      const page = pageOf.get(id);
      return page === undefined || results.has(page) ? [] : [page];
    });
    if (wanted.length === 0) {
      ended.push({ handle: entry.handle, model: entry.model });
      continue;
    }
    ctx.logger.info('llm batch resumed', { batchId: entry.handle.id, provider: entry.handle.provider, pages: wanted.length });
    await collect(entry.handle, entry.model, wanted);
  }

  // 2. Pages no batch in flight holds: one new batch, journaled before anything waits on it.
  const held = new Set(
    journal.batches.filter((e) => e.state === 'in_progress' && !ended.some((x) => x.handle.id === e.handle.id)).flatMap((e) => e.handle.requestIds),
  );
  const toSubmit = llmPages.filter((page) => !results.has(page) && !held.has(requestId(idPrefix, page)));
  if (toSubmit.length > 0 && !ctx.signal.aborted && !ctx.cancel.aborted) {
    let handle: BatchHandle;
    try {
      handle = await client.submitBatch(toSubmit.map(requestFor), { signal: ctx.signal });
    } catch (error) {
      if (ctx.signal.aborted)
        throw new BookpipeError(ErrorCode.ABORTED, `Scan "${ctx.scan.scanId}", stage "${stage}": stopped before the batch was submitted.`);
      throw asStageError(ctx, stage, error);
    }
    await record((j) => upsertBatch(j, handle, model, { state: 'in_progress' }));
    ctx.logger.info('llm batch submitted', { batchId: handle.id, provider: handle.provider, pages: toSubmit.length });
    ctx.emit({ type: 'stage:event', stage, event: { type: 'batchSubmitted', batchId: handle.id, provider: handle.provider, requests: toSubmit.length } });
    await collect(handle, model, toSubmit);
  }

  // 3. Save what is decided: pages without a request, answered (or failed) pages, pages that could
  // not be planned. Pages whose batch is still running stay remaining for the next run.
  const ready = remaining.filter((page) => planFailures.has(page) || results.has(page) || (plans.has(page) && !pageOf.has(requestId(idPrefix, page))));
  let lastThrottle = '';
  // The pages already saved are named too, so that the stage's totals count them as done before.
  const decided = new Set(ready);
  const stats = await processPages(ctx as unknown as StageContext<Output, BasePageMetrics>, {
    pages: expected.filter((page) => decided.has(page) || !remainingSet.has(page)),
    concurrency: options.concurrency ?? client.options.maxWorkers,
    processPage: async (page, signal) => {
      if (planFailures.has(page)) throw planFailures.get(page);
      const plan = plans.get(page) as LlmPagePlan<Value, Output, Metrics>;
      if ('direct' in plan) return { data: plan.direct.data, metrics: plan.direct.metrics as never };
      const id = requestId(idPrefix, page);
      const send = liveSender<Value, Output, Metrics>(ctx, {
        model,
        client,
        page,
        signal,
        onThrottle: (key) => {
          if (key === lastThrottle) return false;
          lastThrottle = key;
          return true;
        },
      });
      return completeLlmPage(ctx, plan.llm, page, results.get(page) as LlmResult<Value, number>, id, send);
    },
  });
  // Every answer of these batches is now saved or journalled as failed: nothing more to collect.
  for (const done of ended) await record((j) => upsertBatch(j, done.handle, done.model, { state: 'collected' }));
  const left = remaining.length - ready.length;
  return { ...stats, aborted: stats.aborted || waiting || left > 0 };
}

/** A refused batch (no batch API, a bad request) as the stage's error: which scan, which stage, what to do. */
function asStageError(ctx: { scan: { scanId: string } }, stage: string, error: unknown): BookpipeError {
  if (BookpipeError.isInstance(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  const code = error instanceof TypeError ? ErrorCode.CONFIG_INVALID : ErrorCode.SERVICE_STOPPED;
  return new BookpipeError(code, `Scan "${ctx.scan.scanId}", stage "${stage}": the batch could not be submitted: ${message}`, {
    details: { scanId: ctx.scan.scanId, stage },
  });
}
