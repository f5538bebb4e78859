import type { ValidateFunction } from 'ajv/dist/2020.js';
import PQueue from 'p-queue';
import { ApiCallError } from './api-call-error.js';
import { type BatchDeps, cancelBatch, collectBatch, submitBatch } from './batch/collect.js';
import type { BatchHandle, CollectBatchOptions, CollectedBatchSummary, SubmitBatchOptions } from './batch/types.js';
import { systemClock } from './clock.js';
import { type LoadedImage, loadImages } from './images.js';
import { checkResponseSchema } from './json-schema.js';
import { type LlmBatchClientOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { attemptCost, DEFAULT_PRICING, type PricingTable } from './pricing.js';
import type { ProviderResponse } from './provider.js';
import { AdaptiveRateLimiter } from './rate-limiter.js';
import { RequestLog } from './request-log.js';
import { decideRetry } from './retry.js';
import { type StopCode, stopMessage } from './stop-message.js';
import type {
  BatchProgress,
  BatchSummary,
  ClientStop,
  LlmBatchEvent,
  LlmError,
  LlmErrorCode,
  LlmRequest,
  LlmResult,
  LlmUsage,
  ProcessBatchOptions,
} from './types.js';
import { ResponseValidator } from './validate.js';

/** How one attempt ended. */
type AttemptOutcome =
  | { kind: 'success'; value: unknown }
  | { kind: 'failure'; code: LlmErrorCode; reason: string; status?: number | undefined; retryable: boolean; retryAfterMs?: number | undefined }
  | { kind: 'aborted' };

/** Codes that say no request of this client can succeed now: sending on would only repeat them. */
const STOPPING_CODES: ReadonlySet<LlmErrorCode> = new Set(['auth', 'permission', 'quota']);
/** A 200 that is no API answer at all, seen this many times for one request, ends it: the server is not an LLM API. */
const MAX_NOT_JSON_BODIES = 2;
/** Output-token limit assumed when neither the request nor the adapter sets one. */
const ASSUMED_MAX_TOKENS = 4_096;

/** What one request has gathered over its attempts. */
interface RequestState {
  request: LlmRequest;
  validate: ValidateFunction;
  queuedAt: number;
  startedAt: number | undefined;
  sent: number;
  usage: LlmUsage | null;
  costUsd: number;
  pricedAttempts: number;
  unpricedAttempts: number;
  model: string;
  /** The output-token limit of the next send: raised after a truncated answer. */
  maxTokens: number | undefined;
  notJsonBodies: number;
}

/** One processBatch call: its counters, callbacks and stop signals. */
interface BatchRun {
  total: number;
  done: number;
  failed: number;
  inFlight: number;
  attempts: number;
  costUsd: number;
  unpricedAttempts: number;
  usage: LlmUsage;
  notDoneIds: string[];
  /** Aborts on the caller's signal or a throwing callback: nothing new starts (queue waits, rate waits, backoff). */
  stopStarting: AbortController;
  /** Aborts on the caller's signal only: sends in flight are cancelled. A throwing callback lets them finish. */
  cancelSends: AbortController;
  callbackError: { error: unknown } | undefined;
  emit: (event: LlmBatchEvent) => void;
  deliver: (result: LlmResult) => Promise<void>;
  log: RequestLog | undefined;
}

/**
 * Runs thousands of structured-output requests against one provider: bounded concurrency
 * (p-queue), a sliding-window rate limit that backs off on 429s, retries with jittered
 * exponential backoff and Retry-After, local schema validation of every answer, and cost.
 *
 * One client may run several batches at once (e.g. two stages sharing a provider): they share
 * its concurrency and rate budget.
 *
 * @example
 * const client = new LlmBatchClient({ provider: openaiCompatible({ apiKey }), maxWorkers: 10 });
 * const summary = await client.processBatch(requests, { onResult: (r) => save(r) });
 */
export class LlmBatchClient {
  /** The options in force, defaults filled in. */
  readonly options: Readonly<ResolvedOptions>;
  readonly #queue: PQueue;
  readonly #limiter: AdaptiveRateLimiter;
  readonly #validator = new ResponseValidator();
  readonly #pricing: PricingTable;
  readonly #runs = new Set<BatchRun>();
  /** Aborts when the client stops for good (refused key, exhausted quota, a Retry-After past retryMaxDelayMs). */
  readonly #halt = new AbortController();
  #stop: ClientStop | undefined;

  constructor(options: LlmBatchClientOptions) {
    this.options = Object.freeze(resolveOptions(options, { random: Math.random, clock: systemClock }));
    this.#queue = new PQueue({ concurrency: this.options.maxWorkers });
    this.#limiter = new AdaptiveRateLimiter({ requestsPerMinute: this.options.requestsPerMinute, clock: this.options.clock });
    this.#pricing = { ...DEFAULT_PRICING, ...this.options.pricing };
  }

  /**
   * Set once the client has stopped sending for good: the provider refused the key (401) or access
   * (403), the quota or credit is exhausted, or it asked to wait longer than `retryMaxDelayMs`.
   * Every later batch then ends at once with its requests not done. Build a new client (e.g. with
   * a fixed key) to send again.
   */
  get stopped(): ClientStop | undefined {
    return this.#stop;
  }

  /**
   * Sends every request and resolves with a summary once each one is done, failed or (after an
   * abort) not done. Results reach `onResult` as they finish, in any order; a failing request
   * never stops the others.
   *
   * Throws a TypeError before sending anything when two requests share an id. A request without
   * a usable `responseSchema` is refused: it gets a failed result with 0 attempts.
   *
   * On `signal` abort nothing new is sent, sends in flight are cancelled, and the promise resolves
   * with `aborted: true`; unfinished requests get no result and are listed in `notDoneIds`, so
   * that they are neither recorded as failed nor as paid.
   *
   * When the provider answers in a way no other request can get past (a refused key, an exhausted
   * quota, a Retry-After longer than `retryMaxDelayMs`), the client stops: nothing more is sent,
   * sends in flight finish, every request without an answer ends in `notDoneIds` (the one that
   * got that answer too), and the summary's `stopped` carries one message for the whole batch.
   *
   * If `onResult` or `onEvent` throws, nothing new is sent, the sends in flight finish, and the
   * promise rejects with that error: a bug in a callback would otherwise repeat for every request
   * while money is spent.
   */
  async processBatch<Value = unknown, Metadata = unknown>(
    requests: Iterable<LlmRequest<Metadata>>,
    options: ProcessBatchOptions<Value, Metadata> = {},
  ): Promise<BatchSummary> {
    const list = Array.from(requests);
    checkIds(list);
    const { clock } = this.options;
    const batchStart = clock.now();
    const stopStarting = new AbortController();
    const cancelSends = new AbortController();
    const onAbort = () => {
      stopStarting.abort(options.signal?.reason);
      cancelSends.abort(options.signal?.reason);
    };
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    // A stopped client lets sends in flight finish (they are paid for) but starts nothing new.
    const onHalt = () => stopStarting.abort(this.#halt.signal.reason);
    if (this.#halt.signal.aborted) onHalt();
    else this.#halt.signal.addEventListener('abort', onHalt, { once: true });

    const run: BatchRun = {
      total: list.length,
      done: 0,
      failed: 0,
      inFlight: 0,
      attempts: 0,
      costUsd: 0,
      unpricedAttempts: 0,
      usage: { promptTokens: 0, completionTokens: 0, totalTokens: 0 },
      notDoneIds: [],
      stopStarting,
      cancelSends,
      callbackError: undefined,
      emit: () => undefined,
      deliver: async () => undefined,
      log: this.options.logDir === undefined ? undefined : RequestLog.open(this.options.logDir, new Date()),
    };
    const stopOnCallbackError = (error: unknown) => {
      run.callbackError ??= { error };
      stopStarting.abort(error);
    };
    run.emit = (event) => {
      if (!options.onEvent) return;
      try {
        options.onEvent(event);
      } catch (error) {
        stopOnCallbackError(error);
      }
    };
    run.deliver = async (result) => {
      if (!options.onResult) return;
      try {
        await options.onResult(result as LlmResult<Value, Metadata>);
      } catch (error) {
        stopOnCallbackError(error);
      }
    };

    this.#runs.add(run);
    try {
      for (const request of list) run.emit({ type: 'queued', id: request.id });
      this.#progress(run);
      await Promise.all(list.map((request) => this.#runRequest(run, request as LlmRequest)));
    } finally {
      this.#runs.delete(run);
      options.signal?.removeEventListener('abort', onAbort);
      this.#halt.signal.removeEventListener('abort', onHalt);
    }

    const summary: BatchSummary = {
      total: run.total,
      done: run.done,
      failed: run.failed,
      notDone: run.notDoneIds.length,
      notDoneIds: run.notDoneIds,
      aborted: options.signal?.aborted === true,
      ...(this.#stop ? { stopped: this.#stop } : {}),
      results: run.done + run.failed,
      attempts: run.attempts,
      costUsd: run.costUsd,
      unpricedAttempts: run.unpricedAttempts,
      usage: run.usage,
      durationMs: clock.now() - batchStart,
      ...(run.log ? { logFile: run.log.path } : {}),
    };
    if (run.log) {
      run.log.write({
        type: 'batch',
        time: new Date().toISOString(),
        provider: this.options.provider.name,
        ...summary,
        notDoneIds: undefined,
        logFile: undefined,
      });
      await run.log.close();
    }
    if (run.callbackError) throw run.callbackError.error;
    return summary;
  }

  /**
   * Batch mode, step 1: sends every request as one provider batch (OpenAI Batch API: a JSONL file of
   * `/v1/chat/completions` bodies identical to live ones; Anthropic Message Batches: the live
   * `params` under `custom_id`s) and resolves with its handle once the provider has accepted it. The
   * answers come within 24 hours at half the live price: collect them with {@link collectBatch}.
   *
   * Submit and collect are two calls, not a `mode` of `processBatch`, because a caller must store the
   * handle (journal it) between them: a run killed while waiting then collects the same batch
   * instead of paying for it again, and `collectBatch` may run in another process, hours later.
   *
   * Throws a TypeError before anything is sent when the provider has no batch API (OpenRouter, a
   * local server) or a request cannot be sent; the create call is retried like a live send (429, 5xx).
   */
  async submitBatch(requests: Iterable<LlmRequest>, options: SubmitBatchOptions = {}): Promise<BatchHandle> {
    const list = Array.from(requests);
    checkIds(list);
    return submitBatch(this.#batchDeps(), list, options);
  }

  /**
   * Batch mode, step 2: polls the batch (with backoff, on the client's clock) until it has ended,
   * then delivers the same results as `processBatch`: each answer validated by the same strict schema
   * check, priced at batch prices, with `batchId` set. Requests the batch did not answer (failed,
   * expired, cancelled, missing from the results, or not valid) are sent again live through this
   * client (at most `maxLiveFallback`), so every request ends answered or failed with its reason.
   *
   * `requests` are the batch's requests (all, or those still wanted: the others' answers are left
   * unread); a request that is not in the batch is a TypeError. On `signal` abort the wait stops and
   * the summary says `aborted` with every request not done: the batch goes on at the provider, and a
   * later `collectBatch` with the same handle picks it up.
   */
  async collectBatch<Value = unknown, Metadata = unknown>(
    handle: BatchHandle,
    requests: Iterable<LlmRequest<Metadata>>,
    options: CollectBatchOptions<Value, Metadata> = {},
  ): Promise<CollectedBatchSummary> {
    const list = Array.from(requests);
    checkIds(list);
    return collectBatch(this.#batchDeps(), handle, list, options);
  }

  /** Asks the provider to cancel a submitted batch; answers it already gave stay paid for. */
  async cancelBatch(handle: BatchHandle): Promise<void> {
    return cancelBatch(this.#batchDeps(), handle);
  }

  #batchDeps(): BatchDeps {
    return {
      options: this.options,
      pricing: this.#pricing,
      validator: this.#validator,
      processBatch: (requests, options) => this.processBatch(requests, options),
    };
  }

  /** Carries one request from queued to its result, through as many attempts as allowed. */
  async #runRequest(run: BatchRun, request: LlmRequest): Promise<void> {
    const { clock, maxRetries, retryJitter, retryBaseDelayMs, retryMaxDelayMs, random, provider, maxTokensCap } = this.options;
    const queuedAt = clock.now();
    const refusal = refuse(request) ?? checkResponseSchema(request.responseSchema);
    const validate = refusal ?? this.#validator.compile(request.responseSchema.schema);
    const state: RequestState = {
      request,
      validate: typeof validate === 'string' ? refusedValidator : validate,
      queuedAt,
      startedAt: undefined,
      sent: 0,
      usage: null,
      costUsd: 0,
      pricedAttempts: 0,
      unpricedAttempts: 0,
      model: typeof request.model === 'string' ? request.model : String(request.model),
      maxTokens: request.maxTokens,
      notJsonBodies: 0,
    };
    if (typeof validate === 'string') {
      await this.#finish(run, state, { code: 'refused', reason: `refused before sending: ${validate}`, retryable: false });
      return;
    }

    for (;;) {
      let outcome: AttemptOutcome;
      try {
        // No `signal` for p-queue: it would also reject for a task already running, and drop the
        // answer of a send that was paid for. A stopped batch's waiting tasks return at once instead.
        // Retries go ahead of fresh requests, so that started work finishes first.
        outcome = await this.#queue.add(() => this.#attempt(run, state), { priority: state.sent > 0 ? 1 : 0 });
      } catch (error) {
        // #attempt catches everything; this would be a bug in the queue itself.
        outcome = { kind: 'failure', code: 'internal', reason: provider.redact(`internal error: ${messageOf(error)}`), retryable: false };
      }
      if (outcome.kind === 'aborted') return this.#notDone(run, state);
      if (outcome.kind === 'success') {
        await this.#finish(run, state, undefined, outcome.value);
        return;
      }
      const stopCode: StopCode | undefined = STOPPING_CODES.has(outcome.code)
        ? (outcome.code as StopCode)
        : outcome.retryable && outcome.retryAfterMs !== undefined && outcome.retryAfterMs > retryMaxDelayMs
          ? 'retry_too_long'
          : undefined;
      if (stopCode) this.#stopClient(stopCode, outcome, state.model);
      // Not this request's fault: it is left for a rerun, like every other unanswered one.
      if (this.#stop) return this.#notDone(run, state);

      let failure = outcome;
      let delayOverride: number | undefined;
      if (outcome.code === 'truncated') {
        const current = state.maxTokens ?? provider.defaultMaxTokens ?? ASSUMED_MAX_TOKENS;
        if (current >= maxTokensCap) {
          failure = { ...outcome, retryable: false, reason: `${outcome.reason} (already at maxTokensCap, ${maxTokensCap} tokens)` };
        } else {
          // The same limit would buy the same cut-off answer: double it, at once (the provider is not busy).
          state.maxTokens = Math.min(maxTokensCap, current * 2);
          delayOverride = 0;
        }
      } else if (outcome.code === 'not_json_body' && ++state.notJsonBodies >= MAX_NOT_JSON_BODIES) {
        failure = { ...outcome, retryable: false, reason: `${outcome.reason} (${state.notJsonBodies} times for this request)` };
      }
      const decision = decideRetry(state.sent, maxRetries, failure, {
        baseDelayMs: retryBaseDelayMs,
        maxDelayMs: retryMaxDelayMs,
        jitter: retryJitter,
        random,
      });
      if (!decision.retry) {
        const reason = decision.reason ? `${failure.reason} (${decision.reason})` : failure.reason;
        await this.#finish(run, state, { code: failure.code, reason, status: failure.status, retryable: failure.retryable });
        return;
      }
      if (delayOverride !== undefined) decision.delayMs = delayOverride;
      run.emit({
        type: 'retrying',
        id: request.id,
        attempt: state.sent,
        code: failure.code,
        reason: failure.reason,
        ...(outcome.status === undefined ? {} : { status: outcome.status }),
        delayMs: decision.delayMs,
      });
      try {
        await clock.sleep(decision.delayMs, run.stopStarting.signal);
      } catch {
        return this.#notDone(run, state);
      }
    }
  }

  /** One send, inside a concurrency slot. Never throws: every ending is an AttemptOutcome. */
  async #attempt(run: BatchRun, state: RequestState): Promise<AttemptOutcome> {
    const { clock, provider, timeoutMs } = this.options;
    const { request } = state;
    if (run.stopStarting.signal.aborted) return { kind: 'aborted' };
    state.startedAt ??= clock.now();

    // Images first, the rate slot last: a slot taken before a slow load (or encode) would be
    // counted at one time and sent at another, and the provider's window would see more than the limit.
    let images: LoadedImage[];
    try {
      images = await loadImages(request.images);
    } catch (error) {
      return { kind: 'failure', code: 'image_load', reason: provider.redact(`image failed to load: ${messageOf(error)}`), retryable: false };
    }
    try {
      await this.#limiter.acquire(run.stopStarting.signal, (waitMs) =>
        run.emit({ type: 'rateLimited', id: request.id, waitMs, requestsPerMinute: this.#limiter.currentLimit }),
      );
    } catch {
      return { kind: 'aborted' };
    }
    if (run.stopStarting.signal.aborted) return { kind: 'aborted' };
    const generation = this.#limiter.generation;

    state.sent++;
    run.attempts++;
    run.inFlight++;
    run.emit({ type: 'started', id: request.id, attempt: state.sent, model: state.model, provider: provider.name });
    this.#progress(run);
    let response: ProviderResponse;
    try {
      response = await provider.send(
        {
          id: request.id,
          model: request.model,
          messages: request.messages,
          images,
          responseSchema: request.responseSchema,
          maxTokens: state.maxTokens,
          temperature: request.temperature,
        },
        { signal: run.cancelSends.signal, timeoutMs, now: () => clock.now() },
      );
    } catch (error) {
      if (run.cancelSends.signal.aborted) return { kind: 'aborted' };
      const apiError = ApiCallError.isInstance(error)
        ? error
        : // A custom provider that throws something else has a bug: retrying would not fix it.
          new ApiCallError(provider.redact(`${provider.name}: ${messageOf(error)}`), { provider: provider.name, retryable: false });
      // A wait past retryMaxDelayMs stops the client instead (see #runRequest): no pause of an hour here.
      const waitable = apiError.retryAfterMs === undefined || apiError.retryAfterMs <= this.options.retryMaxDelayMs;
      if (apiError.code === 'rate_limited' && waitable && this.#limiter.onRateLimited(generation, apiError.retryAfterMs)) {
        this.#throttled('429 from the provider');
      }
      return {
        kind: 'failure',
        code: apiError.code,
        reason: provider.redact(apiError.message),
        status: apiError.status,
        retryable: apiError.retryable,
        retryAfterMs: apiError.retryAfterMs,
      };
    } finally {
      run.inFlight--;
    }
    if (this.#limiter.onSuccess()) this.#throttled('recovering after successes');
    this.#account(run, state, response);

    const { output } = response;
    // Checked before the content: a cut-off answer may still parse (or miss its tool call), and
    // either way the cure is a higher limit, not the same request again.
    if (response.truncated) {
      const limit = state.maxTokens ?? provider.defaultMaxTokens;
      return {
        kind: 'failure',
        code: 'truncated',
        reason: `answer cut off at the output-token limit (${limit === undefined ? "the model's default" : `${limit} tokens`})`,
        retryable: true,
      };
    }
    if ('missing' in output) return { kind: 'failure', code: output.code ?? 'no_answer', reason: provider.redact(output.missing), retryable: true };
    const checked = this.#validator.check(state.validate, output);
    if (!checked.ok) return { kind: 'failure', code: checked.code, reason: provider.redact(checked.reason), retryable: true };
    return { kind: 'success', value: checked.value };
  }

  /** Adds an answered attempt's tokens and cost: it was paid for, whatever its content. */
  #account(run: BatchRun, state: RequestState, response: ProviderResponse): void {
    if (response.model) state.model = response.model;
    const usage = response.usage;
    if (usage) {
      state.usage = addUsage(state.usage ?? { promptTokens: 0, completionTokens: 0, totalTokens: 0 }, usage);
      run.usage = addUsage(run.usage, usage);
    }
    const cost = attemptCost(this.#pricing, response.model ?? state.request.model, usage, response.costUsd);
    if (cost === null) {
      state.unpricedAttempts++;
      run.unpricedAttempts++;
    } else {
      state.pricedAttempts++;
      state.costUsd += cost;
      run.costUsd += cost;
    }
  }

  /** Stops the client for good, once: the first stopping answer names the cause for every batch. */
  #stopClient(code: StopCode, failure: { reason: string; status?: number | undefined; retryAfterMs?: number | undefined }, model: string): void {
    if (this.#stop) return;
    const { provider, retryMaxDelayMs } = this.options;
    this.#stop = {
      code,
      message: stopMessage(code, { provider, reason: failure.reason, model, retryAfterMs: failure.retryAfterMs, retryMaxDelayMs }),
      ...(failure.status === undefined ? {} : { status: failure.status }),
    };
    for (const run of this.#runs) run.emit({ type: 'stopped', ...this.#stop });
    this.#halt.abort(new Error(this.#stop.message));
  }

  /** Applies the limiter's new share to every batch's concurrency and tells them. */
  #throttled(reason: string): void {
    const concurrency = Math.max(1, Math.floor(this.options.maxWorkers * this.#limiter.factor));
    if (this.#queue.concurrency !== concurrency) this.#queue.concurrency = concurrency;
    for (const run of this.#runs) {
      run.emit({ type: 'throttled', requestsPerMinute: this.#limiter.currentLimit, concurrency, reason });
    }
  }

  async #finish(run: BatchRun, state: RequestState, error: LlmError | undefined, value?: unknown): Promise<void> {
    const { clock, provider } = this.options;
    const { request } = state;
    const now = clock.now();
    const base = {
      id: request.id,
      attempts: state.sent,
      usage: state.usage,
      // Unknown only when no attempt had a price: otherwise the known part, with the rest counted.
      costUsd: state.unpricedAttempts > 0 && state.pricedAttempts === 0 ? null : state.costUsd,
      unpricedAttempts: state.unpricedAttempts,
      model: state.model,
      provider: provider.name,
      queueMs: (state.startedAt ?? now) - state.queuedAt,
      executionMs: state.startedAt === undefined ? 0 : now - state.startedAt,
      metadata: request.metadata,
    };
    let result: LlmResult;
    if (error) {
      const cleanError: LlmError = {
        code: error.code,
        reason: error.reason,
        retryable: error.retryable,
        ...(error.status === undefined ? {} : { status: error.status }),
      };
      result = { ...base, ok: false, error: cleanError };
      run.failed++;
      run.emit({
        type: 'failed',
        id: request.id,
        attempts: state.sent,
        code: error.code,
        reason: error.reason,
        ...(error.status === undefined ? {} : { status: error.status }),
      });
    } else {
      result = { ...base, ok: true, value };
      run.done++;
      run.emit({ type: 'completed', id: request.id, attempts: state.sent, costUsd: base.costUsd, usage: state.usage });
    }
    run.log?.write({
      time: new Date().toISOString(),
      id: request.id,
      model: state.model,
      provider: provider.name,
      status: result.ok ? 'done' : 'failed',
      attempts: state.sent,
      httpStatus: result.ok ? undefined : result.error.status,
      queueMs: base.queueMs,
      executionMs: base.executionMs,
      usage: state.usage,
      costUsd: base.costUsd,
      unpricedAttempts: state.unpricedAttempts || undefined,
      code: result.ok ? undefined : result.error.code,
      error: result.ok ? undefined : result.error.reason,
    });
    this.#progress(run);
    await run.deliver(result);
  }

  /** The batch was stopped before this request finished: no result, listed as not done. */
  #notDone(run: BatchRun, state: RequestState): void {
    run.notDoneIds.push(state.request.id);
    run.log?.write({
      time: new Date().toISOString(),
      id: state.request.id,
      model: state.model,
      provider: this.options.provider.name,
      status: 'not_done',
      attempts: state.sent,
      ...(this.#stop ? { stopped: this.#stop.code } : {}),
    });
  }

  #progress(run: BatchRun): void {
    const finished = run.done + run.failed + run.notDoneIds.length;
    const progress: BatchProgress = {
      total: run.total,
      done: run.done,
      failed: run.failed,
      inFlight: run.inFlight,
      queued: Math.max(0, run.total - finished - run.inFlight),
      costUsd: run.costUsd,
      unpricedAttempts: run.unpricedAttempts,
    };
    run.emit({ type: 'progress', ...progress });
  }
}

/** Stands in for the validator of a refused request, which is never sent. */
const refusedValidator = (() => false) as unknown as ValidateFunction;

function checkIds(list: readonly LlmRequest<unknown>[]): void {
  const seen = new Set<string>();
  list.forEach((request, index) => {
    if (typeof request !== 'object' || request === null || typeof request.id !== 'string' || request.id === '') {
      throw new TypeError(`[llm-batch] request ${index} has no string \`id\``);
    }
    if (seen.has(request.id)) throw new TypeError(`[llm-batch] two requests share the id "${request.id}" (index ${index}): ids must be unique in a batch`);
    seen.add(request.id);
  });
}

/** Why a request cannot be sent as it is, apart from its schema. */
function refuse(request: LlmRequest): string | undefined {
  if (typeof request.model !== 'string' || request.model === '') return 'model must be a non-empty string';
  if (!Array.isArray(request.messages) || request.messages.length === 0) return 'messages must be a non-empty array';
  return undefined;
}

function addUsage(a: LlmUsage, b: LlmUsage): LlmUsage {
  return {
    promptTokens: a.promptTokens + b.promptTokens,
    completionTokens: a.completionTokens + b.completionTokens,
    totalTokens: a.totalTokens + b.totalTokens,
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
