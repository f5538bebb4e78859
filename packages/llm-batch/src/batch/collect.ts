import type { ValidateFunction } from 'ajv/dist/2020.js';
import { ApiCallError } from '../api-call-error.js';
import { loadImages } from '../images.js';
import { checkResponseSchema } from '../json-schema.js';
import type { ResolvedOptions } from '../options.js';
import { attemptCost, BATCH_PRICE_FACTOR, type PricingTable } from '../pricing.js';
import type { BatchCallContext, LlmProvider, ProviderBatchApi, ProviderBatchItem, ProviderCall } from '../provider.js';
import { decideRetry } from '../retry.js';
import type { BatchSummary, LlmError, LlmRequest, LlmResult, LlmUsage, ProcessBatchOptions } from '../types.js';
import type { ResponseValidator } from '../validate.js';
import type { BatchHandle, BatchStatusReport, CollectBatchOptions, CollectedBatchSummary, SubmitBatchOptions } from './types.js';

/** What batch mode borrows from the client: its options, prices, validator and live path. */
export interface BatchDeps {
  options: Readonly<ResolvedOptions>;
  pricing: PricingTable;
  validator: ResponseValidator;
  processBatch: <V, M>(requests: LlmRequest<M>[], options: ProcessBatchOptions<V, M>) => Promise<BatchSummary>;
}

/** The provider's batch API, or the error that says, before anything is sent, that it has none. */
export function requireBatchApi(provider: LlmProvider): ProviderBatchApi {
  if (provider.batch) return provider.batch;
  throw new TypeError(
    `[llm-batch] provider "${provider.name}"${provider.baseURL ? ` (${provider.baseURL})` : ''} has no batch API: batch mode needs OpenAI (api.openai.com) or Anthropic. OpenRouter and local servers (Ollama, vLLM, LM Studio) answer live only: run without batch mode, or point at a server that has one (openaiCompatible({ batchApi: true }) for an OpenAI-compatible server that does).`,
  );
}

/** Calls the provider, retrying what its adapter calls retryable (429 on create, 5xx, connection), on the client's clock. */
async function withRetries<T>(deps: BatchDeps, signal: AbortSignal | undefined, what: (context: BatchCallContext) => Promise<T>): Promise<T> {
  const { clock, maxRetries, retryBaseDelayMs, retryMaxDelayMs, retryJitter, random, timeoutMs } = deps.options;
  for (let attempt = 1; ; attempt++) {
    try {
      return await what({ signal, timeoutMs, now: () => clock.now() });
    } catch (error) {
      if (!ApiCallError.isInstance(error)) throw error;
      const decision = decideRetry(attempt, maxRetries, error, { baseDelayMs: retryBaseDelayMs, maxDelayMs: retryMaxDelayMs, jitter: retryJitter, random });
      if (!decision.retry || signal?.aborted) throw error;
      await clock.sleep(decision.delayMs, signal);
    }
  }
}

export async function submitBatch(deps: BatchDeps, requests: readonly LlmRequest[], options: SubmitBatchOptions): Promise<BatchHandle> {
  const { provider, clock } = deps.options;
  const api = requireBatchApi(provider);
  if (requests.length === 0) throw new TypeError('[llm-batch] submitBatch: no requests (a provider batch needs at least one)');
  const calls: ProviderCall[] = [];
  for (const [index, request] of requests.entries()) {
    const problem = checkResponseSchema(request.responseSchema);
    if (problem) throw new TypeError(`[llm-batch] submitBatch: request ${index} ("${request.id}") cannot be sent: ${problem}`);
    calls.push({
      id: request.id,
      model: request.model,
      messages: request.messages,
      images: await loadImages(request.images),
      responseSchema: request.responseSchema,
      maxTokens: request.maxTokens,
      temperature: request.temperature,
    });
  }
  const id = await withRetries(deps, options.signal, (context) => api.submit(calls, context));
  return { provider: provider.name, id, requestIds: requests.map((r) => r.id), submittedAt: new Date(clock.now()).toISOString() };
}

const ZERO: LlmUsage = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
const add = (a: LlmUsage, b: LlmUsage): LlmUsage => ({
  promptTokens: a.promptTokens + b.promptTokens,
  completionTokens: a.completionTokens + b.completionTokens,
  totalTokens: a.totalTokens + b.totalTokens,
});

/** What a batch line cost and counted, carried into a live fallback's result. */
interface BatchAttempt {
  usage: LlmUsage | null;
  costUsd: number | null;
  model: string;
}

export async function collectBatch<Value, Metadata>(
  deps: BatchDeps,
  handle: BatchHandle,
  requests: readonly LlmRequest<Metadata>[],
  options: CollectBatchOptions<Value, Metadata>,
): Promise<CollectedBatchSummary> {
  const { provider, clock, batchPollIntervalMs, batchPollMaxIntervalMs } = deps.options;
  const api = requireBatchApi(provider);
  if (handle.provider !== provider.name) {
    throw new TypeError(`[llm-batch] batch ${handle.id} was submitted to "${handle.provider}", not to this client's provider "${provider.name}"`);
  }
  const inBatch = new Set(handle.requestIds);
  for (const request of requests) {
    if (!inBatch.has(request.id)) throw new TypeError(`[llm-batch] collectBatch: request "${request.id}" is not in batch ${handle.id}`);
  }
  const start = clock.now();
  const emit = options.onEvent ?? (() => undefined);
  const summary: CollectedBatchSummary = {
    total: requests.length,
    done: 0,
    failed: 0,
    notDone: 0,
    notDoneIds: [],
    aborted: false,
    results: 0,
    attempts: 0,
    costUsd: 0,
    unpricedAttempts: 0,
    usage: { ...ZERO },
    durationMs: 0,
    batch: { id: handle.id, provider: provider.name, providerStatus: 'unknown', answered: 0, liveFallback: [], polls: 0 },
  };
  const finishSummary = () => {
    summary.notDone = summary.notDoneIds.length;
    summary.results = summary.done + summary.failed;
    summary.durationMs = clock.now() - start;
    return summary;
  };
  const notDone = () => {
    summary.aborted = true;
    summary.notDoneIds = requests.map((r) => r.id);
    return finishSummary();
  };

  // Poll with backoff until the batch has ended: the provider's clock is hours, so the interval grows.
  let delay = batchPollIntervalMs;
  for (;;) {
    if (options.signal?.aborted) return notDone();
    let status: Awaited<ReturnType<ProviderBatchApi['status']>>;
    try {
      status = await withRetries(deps, options.signal, (context) => api.status(handle.id, context));
    } catch (error) {
      if (options.signal?.aborted) return notDone();
      throw error;
    }
    summary.batch.polls++;
    summary.batch.providerStatus = status.providerStatus;
    const report: BatchStatusReport = { batchId: handle.id, provider: provider.name, ...status, polls: summary.batch.polls };
    options.onStatus?.(report);
    emit({ type: 'batchStatus', ...report });
    if (status.state === 'ended') break;
    try {
      await clock.sleep(delay, options.signal);
    } catch {
      return notDone();
    }
    delay = Math.min(batchPollMaxIntervalMs, Math.round(delay * 1.5));
  }
  let items: Map<string, ProviderBatchItem>;
  try {
    items = await withRetries(deps, options.signal, (context) => api.results(handle.id, context));
  } catch (error) {
    if (options.signal?.aborted) return notDone();
    throw error;
  }

  // Live fallbacks' events come from the live client itself: only the counts are ours to keep.
  const deliver = async (result: LlmResult<Value, Metadata>, emitEvent = true) => {
    if (result.ok) {
      summary.done++;
      if (emitEvent) emit({ type: 'completed', id: result.id, attempts: result.attempts, costUsd: result.costUsd, usage: result.usage });
    } else {
      summary.failed++;
      if (emitEvent) emit({ type: 'failed', id: result.id, attempts: result.attempts, code: result.error.code, reason: result.error.reason });
    }
    await options.onResult?.(result);
  };

  const fallback: { request: LlmRequest<Metadata>; reason: string; code: LlmError['code']; attempt: BatchAttempt | undefined }[] = [];
  for (const request of requests) {
    const item = items.get(request.id);
    if (!item) {
      fallback.push({
        request,
        reason: `no line for it in the results of batch ${handle.id} (${summary.batch.providerStatus})`,
        code: 'no_answer',
        attempt: undefined,
      });
      continue;
    }
    if (!item.ok) {
      fallback.push({ request, reason: item.reason, code: item.code, attempt: undefined });
      continue;
    }
    const { response } = item;
    const model = response.model ?? request.model;
    // Half the live price: the provider's batch discount (a reported cost is what was charged, as is).
    const listed = attemptCost(deps.pricing, model, response.usage, response.costUsd);
    const costUsd = listed === null ? null : response.costUsd !== undefined ? listed : listed * BATCH_PRICE_FACTOR;
    summary.attempts++;
    if (response.usage) summary.usage = add(summary.usage, response.usage);
    if (costUsd === null) summary.unpricedAttempts++;
    else summary.costUsd += costUsd;
    const attempt: BatchAttempt = { usage: response.usage, costUsd, model };
    // The same checks as a live answer's, in the same order (see LlmBatchClient#attempt).
    if (response.truncated) {
      fallback.push({ request, reason: 'answer cut off at the output-token limit (in the batch)', code: 'truncated', attempt });
      continue;
    }
    const output = response.output;
    if ('missing' in output) {
      fallback.push({ request, reason: provider.redact(output.missing), code: output.code ?? 'no_answer', attempt });
      continue;
    }
    const compiled = deps.validator.compile(request.responseSchema.schema);
    const checked = deps.validator.check(compiled as ValidateFunction, output);
    if (!checked.ok) {
      fallback.push({ request, reason: provider.redact(checked.reason), code: checked.code, attempt });
      continue;
    }
    summary.batch.answered++;
    await deliver({
      id: request.id,
      ok: true,
      value: checked.value as Value,
      attempts: 1,
      usage: response.usage,
      costUsd,
      unpricedAttempts: costUsd === null ? 1 : 0,
      model,
      provider: provider.name,
      queueMs: 0,
      // From submission to the answer: the batch's turnaround, not compute time.
      executionMs: Math.max(0, clock.now() - Date.parse(handle.submittedAt)),
      metadata: request.metadata,
      batchId: handle.id,
    });
  }

  // What the batch did not answer goes live, bounded; the rest fail with their batch reason.
  const limit = options.maxLiveFallback ?? Number.POSITIVE_INFINITY;
  const live = fallback.slice(0, limit);
  for (const item of fallback.slice(limit)) {
    await deliver({
      id: item.request.id,
      ok: false,
      error: {
        code: item.code,
        reason: `${item.reason} (batch ${handle.id}; over maxLiveFallback ${limit}, not sent live: run again to retry)`,
        retryable: true,
      },
      attempts: item.attempt ? 1 : 0,
      usage: item.attempt?.usage ?? null,
      costUsd: item.attempt ? item.attempt.costUsd : 0,
      unpricedAttempts: item.attempt && item.attempt.costUsd === null ? 1 : 0,
      model: item.attempt?.model ?? item.request.model,
      provider: provider.name,
      queueMs: 0,
      executionMs: 0,
      metadata: item.request.metadata,
      batchId: handle.id,
    });
  }
  summary.batch.liveFallback = live.map((item) => ({ id: item.request.id, reason: item.reason }));
  if (live.length > 0) {
    const byId = new Map(live.map((item) => [item.request.id, item]));
    const liveSummary = await deps.processBatch<Value, Metadata>(
      live.map((item) => item.request),
      {
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onEvent ? { onEvent: options.onEvent } : {}),
        onResult: async (result) => {
          // The batch line, when there was one, was paid for: it counts in the request's attempts and cost.
          const attempt = byId.get(result.id)?.attempt;
          const merged: LlmResult<Value, Metadata> = attempt
            ? {
                ...result,
                attempts: result.attempts + 1,
                usage: attempt.usage && result.usage ? add(attempt.usage, result.usage) : (result.usage ?? attempt.usage),
                costUsd: attempt.costUsd === null || result.costUsd === null ? (result.costUsd ?? attempt.costUsd) : result.costUsd + attempt.costUsd,
                unpricedAttempts: result.unpricedAttempts + (attempt.costUsd === null ? 1 : 0),
              }
            : result;
          await deliver(merged, false);
        },
      },
    );
    summary.attempts += liveSummary.attempts;
    summary.costUsd += liveSummary.costUsd;
    summary.unpricedAttempts += liveSummary.unpricedAttempts;
    summary.usage = add(summary.usage, liveSummary.usage);
    summary.notDoneIds.push(...liveSummary.notDoneIds);
    summary.aborted = liveSummary.aborted;
    if (liveSummary.stopped) summary.stopped = liveSummary.stopped;
  }
  return finishSummary();
}

/** Asks the provider to cancel a batch (requests already answered stay answered, and paid). */
export async function cancelBatch(deps: BatchDeps, handle: BatchHandle): Promise<void> {
  const api = requireBatchApi(deps.options.provider);
  await withRetries(deps, undefined, (context) => api.cancel(handle.id, context));
}
