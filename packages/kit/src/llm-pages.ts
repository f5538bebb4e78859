import type { BasePageMetrics, LlmPageMetrics } from '@bookpipe/contracts';
import { BookpipeError, ErrorCode, type PageMetricsInput, processPages, type StageContext, type StageStats } from '@bookpipe/core';
import type { LlmImage, LlmRequest, LlmResult, LlmSuccess } from '@bookpipe/llm-batch';
import { runLlmPagesInBatch } from './llm-batch-pages.js';
import type { ResolvedLlm } from './llm-settings.js';

/** What one page's file and metrics are, once decided. */
export interface PageOutput<Output = unknown, Metrics extends BasePageMetrics = BasePageMetrics> {
  data: Output;
  /** Quality metrics of the page; `pageNum`, cost and the LLM bookkeeping are added by the loop. */
  metrics: PageMetricsInput<Metrics>;
}

/** A page that needs the model: the request to send, and how to turn the answer into the page. */
export interface LlmPageJob<Value, Output = unknown, Metrics extends BasePageMetrics = BasePageMetrics> {
  /** The request, without `id`, `model` and `metadata`, which the loop sets. */
  request: Pick<LlmRequest, 'messages' | 'images' | 'responseSchema' | 'maxTokens' | 'temperature'>;
  /**
   * Looks at the first schema-valid answer before it is used, for what a schema cannot say (an
   * answer that empties or rewrites what it should only correct). Returns the request to send once
   * more (typically the same one with the reasons stated), or undefined to keep the answer. The page
   * is asked again at most once: `finish` gets the retry's answer with the first one as `previous`,
   * or the first answer alone when the retry got no usable answer.
   */
  review?: (value: Value) => LlmPageJob<Value, Output, Metrics>['request'] | undefined;
  /**
   * Turns the answer (already valid against `request.responseSchema`) into the page file and its
   * quality metrics. Throwing fails this page only.
   */
  finish: (value: Value, result: LlmSuccess<Value, number>, previous?: Value) => PageOutput<Output, Metrics> | Promise<PageOutput<Output, Metrics>>;
  /**
   * For a page whose answer is still cut off at the client's `maxTokensCap` (the client has already
   * doubled the limit up to it): the page's work in smaller parts (e.g. its paragraphs in two halves),
   * each sent as its own request, and how to join their answers into one answer for the page. Parts may
   * split again. Undefined (or no `split`) when the work cannot be cut: the page then fails as truncated.
   */
  split?: () => LlmPageSplit<Value> | undefined;
}

/** One piece of a page's work after a split: its request, and how to cut it again if it too is cut off. */
export interface LlmPagePart<Value> {
  request: LlmPageJob<Value>['request'];
  split?: () => LlmPageSplit<Value> | undefined;
}

/** A page's work in parts, and the join of their answers (in the parts' order) into one answer. */
export interface LlmPageSplit<Value> {
  parts: readonly LlmPagePart<Value>[];
  join: (values: Value[]) => Value;
}

/** Splits of splits at most this deep (a page in up to 16 parts): past that, a cut-off answer is not the page's length. */
const MAX_SPLIT_DEPTH = 4;

/** How one page will be produced: through the model, or directly (a page with nothing to ask about). */
export type LlmPagePlan<Value, Output = unknown, Metrics extends BasePageMetrics = BasePageMetrics> =
  | { llm: LlmPageJob<Value, Output, Metrics> }
  | { direct: PageOutput<Output, Metrics> };

export interface RunLlmPagesOptions<Value, Output = unknown, Metrics extends BasePageMetrics = BasePageMetrics> {
  llm: ResolvedLlm;
  /** Pages this stage should have when done. @default every page of the scan */
  pages?: readonly number[];
  /**
   * Plans one page (loads its inputs, builds the request) just before it is sent. Throwing fails that
   * page only.
   */
  prepare: (page: number, signal: AbortSignal) => Promise<LlmPagePlan<Value, Output, Metrics>>;
  /**
   * Pages in flight at once (planned, waiting for the client, sent, or being saved). The client's own
   * `maxWorkers` and rate limit decide what is sent; this only keeps that many pages ready.
   * @default twice the client's maxWorkers (`pagesAhead`)
   */
  concurrency?: number;
  /** Request ids are `<idPrefix>_<page, 4 digits>`. @default the stage name */
  idPrefix?: string;
}

/**
 * Pages a live LLM stage keeps in flight for a client of `maxWorkers`: twice as many. A page holds its
 * place from planning (reading its OCR page) to its file saved (written, fsync'd, journalled), and
 * only the middle of that is a request; with just `maxWorkers` pages, every page being planned or
 * saved was a worker left idle. Measured on bench/llm-cli run 2 (one stage sending while the other
 * read the book): no request in flight for 200 ms while the first eight pages were saved. Pages
 * waiting in the client's queue hold their prompt and their page image (`loadedImages`): at most
 * this many images, whatever the book's length.
 */
function pagesAhead(maxWorkers: number): number {
  return 2 * maxWorkers;
}

/** Error code of a page whose request got no usable answer (core's ErrorCode has no LLM code). */
export const LLM_REQUEST_FAILED = 'LLM_REQUEST_FAILED';

/** Request-level LLM events passed on to the pipeline as `stage:event` (the others are summarised by page events). */
const FORWARDED_EVENTS = new Set(['retrying', 'rateLimited', 'throttled', 'failed']);

/**
 * The page loop of an LLM stage: core's `processPages` (remaining pages only, each page saved as soon
 * as it is done, per-page failures journalled and counted, abort and storage-failure rules, events),
 * with each page's request sent through the stage's batch client as the page comes up. The client
 * bounds concurrency and request rate across every page (and every stage sharing it), retries, and
 * validates each answer against its page's schema.
 *
 * Cost: a saved page's `costUsd` is everything its request cost, rejected attempts included, or
 * null when no attempt had a price (attempts without usage next to priced ones are left out and
 * counted in the stage log's `unpricedAttempts`). A failed page has no metrics (the journal keeps only
 * its error); what its attempts cost is in its error text and counts in the stage's `totalCostUsd`.
 *
 * With `llm.batch` set, the pages go as one provider batch instead, journaled and resumable: see
 * `runLlmPagesInBatch`.
 *
 * When the client stops for good (a refused key, an exhausted quota, a Retry-After past
 * `retryMaxDelayMs`), the stage stops with `SERVICE_STOPPED` and that one message; its unfinished
 * pages stay remaining, so a rerun resumes them.
 */
export async function runLlmPages<Value, Output, Metrics extends BasePageMetrics>(
  ctx: StageContext<Output, Metrics>,
  options: RunLlmPagesOptions<Value, NoInfer<Output>, NoInfer<Metrics>>,
): Promise<StageStats> {
  if (options.llm.batch) return runLlmPagesInBatch(ctx, options);
  const stage = ctx.output.stageName;
  const idPrefix = options.idPrefix ?? stage;
  const { client, model } = options.llm;
  // A client tells every batch it runs when it throttles: with a batch per page, say it once.
  let lastThrottle = '';
  // The stage's own metric fields were type-checked where it built them (PageOutput<Output, Metrics>);
  // the LLM bookkeeping is llmMetrics'. The loop itself handles metrics as the base fields plus any.
  const loopCtx = ctx as unknown as StageContext<Output, BasePageMetrics>;
  const untyped = (metrics: PageMetricsInput<Metrics>) => metrics as unknown as PageMetricsInput<BasePageMetrics>;
  return processPages(loopCtx, {
    ...(options.pages === undefined ? {} : { pages: options.pages }),
    concurrency: options.concurrency ?? pagesAhead(client.options.maxWorkers),
    processPage: async (page, signal) => {
      const plan = await options.prepare(page, signal);
      if ('direct' in plan) return { data: plan.direct.data, metrics: untyped(plan.direct.metrics) };
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
      return completeLlmPage(ctx, plan.llm, page, await send(plan.llm.request, id), id, send);
    },
  });
}

/** Attempts, tokens, cost and times of several requests for one page, added up (cost null only when none had a price). */
function sumResults(results: readonly LlmResult[]): Pick<LlmResult, 'attempts' | 'usage' | 'costUsd' | 'unpricedAttempts' | 'queueMs' | 'executionMs'> {
  const priced = results.filter((r) => r.costUsd !== null);
  const used = results.filter((r) => r.usage !== null);
  return {
    attempts: results.reduce((sum, r) => sum + r.attempts, 0),
    usage:
      used.length === 0
        ? null
        : {
            promptTokens: used.reduce((sum, r) => sum + r.usage!.promptTokens, 0),
            completionTokens: used.reduce((sum, r) => sum + r.usage!.completionTokens, 0),
            totalTokens: used.reduce((sum, r) => sum + r.usage!.totalTokens, 0),
          },
    costUsd: priced.length === 0 ? null : priced.reduce((sum, r) => sum + r.costUsd!, 0),
    // A request with no price at all next to priced ones: all its attempts are unpriced.
    unpricedAttempts: results.reduce((sum, r) => sum + (r.costUsd === null ? r.attempts : r.unpricedAttempts), 0),
    queueMs: results.reduce((sum, r) => sum + r.queueMs, 0),
    executionMs: results.reduce((sum, r) => sum + r.executionMs, 0),
  };
}

/** The request id of a page: `<idPrefix>_<page, 4 digits>` (a batch's custom_id too). */
export function requestId(idPrefix: string, page: number): string {
  return `${idPrefix}_${String(page).padStart(4, '0')}`;
}

type Send<Value> = (request: LlmPageJob<Value>['request'], requestId: string) => Promise<LlmResult<Value, number>>;

/** Sends one page's request through the live client, with the graceful-stop and event rules of the page loop. */
export function liveSender<Value, Output, Metrics extends BasePageMetrics>(
  ctx: StageContext<Output, Metrics>,
  {
    model,
    client,
    page,
    signal,
    onThrottle,
  }: { model: string; client: ResolvedLlm['client']; page: number; signal: AbortSignal; onThrottle: (key: string) => boolean },
): Send<Value> {
  const stage = ctx.output.stageName;
  return async (request, requestId) => {
    let result: LlmResult<Value, number> | undefined;
    // A graceful stop (ctx.cancel) lets a request already sent finish and be saved, so it is not paid
    // twice; but nothing new goes out: a request still queued (or waiting to retry) is dropped, and
    // the page stays remaining.
    const notSent = new AbortController();
    let sending = false;
    const dropIfWaiting = () => {
      if (!sending) notSent.abort(ctx.cancel.reason);
    };
    if (ctx.cancel.aborted) dropIfWaiting();
    else ctx.cancel.addEventListener('abort', dropIfWaiting, { once: true });
    const images = await loadedImages(request.images);
    const summary = await client.processBatch<Value, number>([{ ...request, ...(images ? { images } : {}), id: requestId, model, metadata: page }], {
      signal: AbortSignal.any([signal, notSent.signal]),
      onEvent: (event) => {
        if (event.type === 'started') sending = true;
        else if (event.type === 'retrying') {
          sending = false;
          if (ctx.cancel.aborted) dropIfWaiting();
        }
        if (!FORWARDED_EVENTS.has(event.type)) return;
        if (event.type === 'throttled' && !onThrottle(JSON.stringify(event))) return;
        ctx.emit({ type: 'stage:event', stage, event: 'id' in event ? { ...event, page } : { ...event } });
      },
      onResult: (r) => {
        result = r;
      },
    });
    ctx.cancel.removeEventListener('abort', dropIfWaiting);
    if (result === undefined && summary.stopped) {
      // The provider refused the key or the quota, or asked to wait past the run: no page can get an
      // answer now. Fatal for the stage (processPages), so this page and every unfinished one stay
      // remaining for a rerun, and the one message is shown once rather than once per page.
      throw new BookpipeError(ErrorCode.SERVICE_STOPPED, summary.stopped.message, {
        details: { scanId: ctx.scan.scanId, stage, page, code: summary.stopped.code, status: summary.stopped.status, costUsd: summary.costUsd },
      });
    }
    if (result === undefined) {
      // Not sent or not finished: the run stopped. The page stays remaining (processPages knows the signal).
      throw new BookpipeError(ErrorCode.ABORTED, `Scan "${ctx.scan.scanId}", stage "${stage}", page ${page}: the request was stopped before its answer.`);
    }
    logRequest(ctx, page, result);
    return result;
  };
}

/**
 * A page's images in memory before its request joins the client's queue, so that the request starts
 * sending as soon as a worker is free. The client loads a loader image when an attempt starts, inside
 * its worker slot: on bench/llm-cli a page image's load (a stat of the source page, and the first time
 * a read of the prepared JPEG, both on libuv's thread pool behind the page saves' fsyncs) held a slot
 * 7-10 ms on average, p90 18-40 ms, against the provider's 50 ms. The bytes are the ones the client
 * would have loaded (every attempt sends the same), and a page in flight holds them only until its
 * request ends: the loop bounds the pages in flight (`pagesAhead`), as the client bounds attempts.
 * An image that fails to load here is left to the client, which loads it again and reports a failure
 * its usual way (`image_load`, the page failed with the reason).
 */
async function loadedImages(images: readonly LlmImage[] | undefined): Promise<LlmImage[] | undefined> {
  if (!images?.some((image) => 'load' in image)) return undefined;
  return Promise.all(
    images.map(async (image) => {
      if (!('load' in image)) return image;
      try {
        const data = await image.load();
        return data instanceof Uint8Array ? { mediaType: image.mediaType, data } : image;
      } catch {
        return image;
      }
    }),
  );
}

/**
 * A page's answer to its page file: a failed request fails the page (with what it cost); a refused
 * answer (`review`) is asked once more through `send`; then `finish` builds the page and the LLM
 * bookkeeping is added to its metrics. Shared by the live loop and batch mode.
 */
export async function completeLlmPage<Value, Output, Metrics extends BasePageMetrics>(
  ctx: StageContext<Output, Metrics>,
  job: LlmPageJob<Value, Output, Metrics>,
  page: number,
  answer: LlmResult<Value, number>,
  id: string,
  send: Send<Value>,
): Promise<{ data: Output; metrics: PageMetricsInput<BasePageMetrics> }> {
  const stage = ctx.output.stageName;
  const untyped = (metrics: PageMetricsInput<Metrics>) => metrics as unknown as PageMetricsInput<BasePageMetrics>;
  const result = await askAgainInParts(ctx, page, { request: job.request, ...(job.split ? { split: job.split } : {}) }, answer, id, send, 0);
  if (!result.ok) {
    const cost = result.costUsd === null ? 'unknown cost' : `$${result.costUsd.toFixed(6)}`;
    throw new BookpipeError(
      LLM_REQUEST_FAILED,
      `Scan "${ctx.scan.scanId}", stage "${stage}", page ${page}: the ${result.provider} model ${result.model} gave no usable answer after ${result.attempts} attempt(s) (${cost}): ${result.error.reason}. Run the stage again to retry this page.`,
      // costUsd: what the failed attempts were charged still counts in the stage's total.
      { details: { scanId: ctx.scan.scanId, stage, page, ...result.error, costUsd: result.costUsd, unpricedAttempts: result.unpricedAttempts } },
    );
  }
  const again = job.review?.(result.value);
  if (again === undefined) {
    const output = await job.finish(result.value, result);
    return { data: output.data, metrics: untyped({ ...output.metrics, ...llmMetrics(result) }) };
  }
  // The review refused part of the answer: ask once more. Both requests are paid, so both count.
  let retry: LlmResult<Value, number>;
  try {
    retry = await send(again, `${id}_review`);
  } catch (error) {
    // Stopped before the retry's answer: keep the first answer, already paid for, rather than lose it.
    if (!(error instanceof BookpipeError && error.code === ErrorCode.ABORTED)) throw error;
    const output = await job.finish(result.value, result);
    return { data: output.data, metrics: untyped({ ...output.metrics, ...llmMetrics(result) }) };
  }
  const output = retry.ok ? await job.finish(retry.value, retry, result.value) : await job.finish(result.value, result);
  return { data: output.data, metrics: untyped({ ...output.metrics, ...addLlmMetrics(llmMetrics(result), llmMetrics(retry)) }) };
}

/**
 * An answer cut off at the token cap is asked again in parts (`part.split`), each part by its own
 * request (`<id>_part1`, `<id>_part2`, ...) through `send` (live, also in batch mode: the parts are few
 * and the page is otherwise lost); every request, the cut-off one included, is paid and counted.
 * Any other result is returned as it is.
 */
async function askAgainInParts<Value>(
  ctx: StageContext,
  page: number,
  part: LlmPagePart<Value>,
  first: LlmResult<Value, number>,
  requestId: string,
  send: Send<Value>,
  depth: number,
): Promise<LlmResult<Value, number>> {
  if (first.ok || first.error.code !== 'truncated' || depth >= MAX_SPLIT_DEPTH) return first;
  const pieces = part.split?.();
  if (pieces === undefined || pieces.parts.length === 0) return first;
  ctx.logger.info('llm answer cut off at the token cap: the page is asked in parts', { page, id: requestId, parts: pieces.parts.length });
  const answers = await Promise.all(
    pieces.parts.map(async (piece, i) => {
      const pieceId = `${requestId}_part${i + 1}`;
      return askAgainInParts(ctx, page, piece, await send(piece.request, pieceId), pieceId, send, depth + 1);
    }),
  );
  const failed = answers.find((answer) => !answer.ok);
  const all = [first, ...answers];
  if (failed) return { ...failed, ...sumResults(all) };
  const value = pieces.join(answers.map((answer) => (answer as LlmSuccess<Value, number>).value));
  return { ...(answers.at(-1) as LlmSuccess<Value, number>), ...sumResults(all), id: requestId, value };
}

/** The LLM bookkeeping of a page's metrics (core's `LlmPageMetrics` fields). */
export function llmMetrics(result: LlmResult): Omit<LlmPageMetrics, 'pageNum'> {
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

/** The bookkeeping of two requests for one page: times, tokens, attempts and cost added up (cost null when either is unknown). */
function addLlmMetrics(a: Omit<LlmPageMetrics, 'pageNum'>, b: Omit<LlmPageMetrics, 'pageNum'>): Omit<LlmPageMetrics, 'pageNum'> {
  const add = (x: number | null, y: number | null) => (x === null || y === null ? null : x + y);
  return {
    processingTimeSeconds: a.processingTimeSeconds + b.processingTimeSeconds,
    costUsd: add(a.costUsd, b.costUsd),
    attempts: a.attempts + b.attempts,
    model: b.model,
    provider: b.provider,
    promptTokens: add(a.promptTokens, b.promptTokens),
    completionTokens: add(a.completionTokens, b.completionTokens),
    queueSeconds: a.queueSeconds + b.queueSeconds,
    executionSeconds: a.executionSeconds + b.executionSeconds,
    ...(a.ttftSeconds === undefined ? {} : { ttftSeconds: a.ttftSeconds }),
  };
}

/** One line per request in the stage's log: no prompt, no image, no key. */
export function logRequest(ctx: StageContext, page: number, result: LlmResult): void {
  const fields = {
    page,
    id: result.id,
    ok: result.ok,
    model: result.model,
    provider: result.provider,
    attempts: result.attempts,
    costUsd: result.costUsd,
    ...(result.unpricedAttempts > 0 ? { unpricedAttempts: result.unpricedAttempts } : {}),
    usage: result.usage,
    queueMs: Math.round(result.queueMs),
    executionMs: Math.round(result.executionMs),
    ...(result.ok ? {} : { error: result.error }),
  };
  if (result.ok) ctx.logger.info('llm request', fields);
  else ctx.logger.warn('llm request failed', fields);
}
