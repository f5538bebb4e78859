// The plain data types of the batch client: what goes in (LlmRequest), what comes out (LlmResult),
// and what is reported on the way (LlmBatchEvent). No behaviour lives here.

import type { BatchStatusReport } from './batch/types.js';

/** A JSON Schema object (2020-12 dialect). */
export type JsonSchema = { [keyword: string]: unknown };

/** The structured output a request asks for. */
export interface LlmResponseSchema {
  /** Sent to the provider as the schema's (OpenAI) or the forced tool's (Anthropic) name: `[a-zA-Z0-9_-]{1,64}`. */
  name: string;
  /** Optional description sent along with the schema. */
  description?: string;
  /**
   * The JSON Schema the answer must satisfy. Its root must be `type: "object"` (both providers require it).
   * It is sent as is and also enforced locally, including keywords a provider ignores (minItems, prefixItems...).
   */
  schema: JsonSchema;
}

export interface LlmMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** A media type both providers accept for images. */
export type ImageMediaType = 'image/jpeg' | 'image/png' | 'image/gif' | 'image/webp';

/**
 * An image for a request, either in memory or loaded on demand. Prefer `load`: 10,000 queued
 * requests then hold no image bytes; the client loads them when the request starts and drops them after.
 */
export type LlmImage = { mediaType: ImageMediaType; data: Uint8Array } | { mediaType: ImageMediaType; load: () => Promise<Uint8Array> };

export interface LlmRequest<Metadata = unknown> {
  /** Unique within a batch; reported back on the result and sent as the `x-bookpipe-request-id` header. */
  id: string;
  model: string;
  messages: readonly LlmMessage[];
  /** Attached to the last user message, after its text. */
  images?: readonly LlmImage[];
  /** Required: a request without one is refused before anything is sent. */
  responseSchema: LlmResponseSchema;
  /** Upper bound on the answer's tokens. Anthropic requires one; the adapter's default applies when unset. */
  maxTokens?: number;
  temperature?: number;
  /** Carried through to the result untouched; never sent to the provider nor logged. */
  metadata?: Metadata;
}

export interface LlmUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

/**
 * What kind of failure ended a request (or an attempt), decided once where it was seen: callers
 * branch on it, never on `reason`'s text.
 *
 * - `rate_limited` (429), `server_error` (5xx), `timeout`, `connection`: the provider was busy or unreachable.
 * - `auth` (401), `permission` (403), `quota` (402, OpenAI `insufficient_quota`, Anthropic billing):
 *   the key or the account is refused; these stop the whole client (see `BatchSummary.stopped`).
 * - `retry_too_long`: the provider asked to wait longer than `retryMaxDelayMs`; also stops the client.
 * - `bad_request`: another 4xx; sending it again would fail the same way.
 * - `truncated`: the answer hit the output-token limit (`finish_reason: length`, `stop_reason: max_tokens`).
 * - `invalid_json`, `schema_violation`, `no_answer` (no choices, no tool call, empty content), `refusal`:
 *   the model answered, but not with a usable value.
 * - `not_json_body`: the server answered 200 with HTML or other non-JSON (a wrong base URL, a proxy page).
 * - `refused`: the request was refused before sending (bad schema, no model...); `image_load`: an image failed to load.
 * - `internal`: a bug (a custom provider threw something other than an ApiCallError).
 */
export type LlmErrorCode =
  | 'rate_limited'
  | 'server_error'
  | 'timeout'
  | 'connection'
  | 'auth'
  | 'permission'
  | 'quota'
  | 'retry_too_long'
  | 'bad_request'
  | 'truncated'
  | 'invalid_json'
  | 'schema_violation'
  | 'no_answer'
  | 'refusal'
  | 'not_json_body'
  | 'refused'
  | 'image_load'
  | 'internal';

export interface LlmError {
  /** What kind of failure this was: see `LlmErrorCode`. */
  code: LlmErrorCode;
  /** Why the request failed, e.g. `HTTP 429: rate limited` or `response violates schema: /blocks must NOT have fewer than 7 items`. */
  reason: string;
  /** HTTP status of the last attempt, when there was a response. */
  status?: number;
  /** Whether the last failure was retryable (false: a 4xx, a refused request, or retries exhausted on a 4xx). */
  retryable: boolean;
}

interface LlmResultBase<Metadata> {
  id: string;
  /** How many times the request was sent (0 when it was refused before sending). */
  attempts: number;
  /** Tokens summed over every attempt that got a response, or null when no attempt reported usage. */
  usage: LlmUsage | null;
  /**
   * USD summed over every attempt that has a price: the provider's reported cost, else the pricing
   * table. Null only when no attempt had one (e.g. a model missing from the table); attempts without
   * a price next to priced ones are counted in `unpricedAttempts` instead.
   */
  costUsd: number | null;
  /** Attempts whose cost is unknown (no usage reported, or no price for the model): `costUsd` is then a lower bound. */
  unpricedAttempts: number;
  model: string;
  provider: string;
  /** From being queued to the first attempt starting (concurrency and rate-limit waits). */
  queueMs: number;
  /** From the first attempt starting to the result, retries and backoff included. */
  executionMs: number;
  /** Time to first token; only set by providers that stream, which the built-in adapters do not. */
  ttftMs?: number;
  /**
   * Set when the request went through a provider batch (`collectBatch`): that batch's id. Its batch
   * attempt is priced at batch prices (`BATCH_PRICE_FACTOR` of the live ones).
   */
  batchId?: string;
  metadata: Metadata | undefined;
}

export interface LlmSuccess<Value = unknown, Metadata = unknown> extends LlmResultBase<Metadata> {
  ok: true;
  /** The parsed answer, valid against the request's schema. */
  value: Value;
}

export interface LlmFailure<Metadata = unknown> extends LlmResultBase<Metadata> {
  ok: false;
  error: LlmError;
}

export type LlmResult<Value = unknown, Metadata = unknown> = LlmSuccess<Value, Metadata> | LlmFailure<Metadata>;

/** Progress of the whole batch, sent after every change. */
export interface BatchProgress {
  total: number;
  done: number;
  failed: number;
  inFlight: number;
  queued: number;
  /** Known cost so far in USD (attempts with an unknown price are not in it; see `unpricedAttempts`). */
  costUsd: number;
  unpricedAttempts: number;
}

export type LlmBatchEvent =
  | { type: 'queued'; id: string }
  | { type: 'rateLimited'; id: string; waitMs: number; requestsPerMinute: number }
  | { type: 'started'; id: string; attempt: number; model: string; provider: string }
  | { type: 'retrying'; id: string; attempt: number; code: LlmErrorCode; reason: string; status?: number; delayMs: number }
  | { type: 'completed'; id: string; attempts: number; costUsd: number | null; usage: LlmUsage | null }
  | { type: 'failed'; id: string; attempts: number; code: LlmErrorCode; reason: string; status?: number }
  | { type: 'throttled'; requestsPerMinute: number; concurrency: number; reason: string }
  | ({ type: 'stopped' } & ClientStop)
  | ({ type: 'progress' } & BatchProgress)
  | ({ type: 'batchStatus' } & BatchStatusReport);

export interface BatchSummary {
  total: number;
  done: number;
  failed: number;
  /** Requests that did not finish because the batch was aborted: neither done nor failed, to be run again. */
  notDone: number;
  notDoneIds: string[];
  aborted: boolean;
  /**
   * Set when the client stopped sending for good during this batch (or before it): the key was
   * refused (401/403), the quota or credit is exhausted, or the provider asked to wait longer than
   * `retryMaxDelayMs`. Every request without an answer is then in `notDoneIds`, and `message`
   * says once, for the whole batch, what happened and what to do.
   */
  stopped?: ClientStop;
  /** Results delivered through onResult (done + failed). */
  results: number;
  /** Sends over the whole batch, retries included. */
  attempts: number;
  /** Known cost in USD of every attempt that got a response, including attempts of requests not done. */
  costUsd: number;
  /** Attempts whose cost is unknown (no price for the model): costUsd is then a lower bound. */
  unpricedAttempts: number;
  usage: LlmUsage;
  durationMs: number;
  /** The per-request JSON-lines log of this batch, when `logDir` is set. */
  logFile?: string;
}

/** Why a client stopped sending (see `BatchSummary.stopped` and `LlmBatchClient.stopped`). */
export interface ClientStop {
  code: Extract<LlmErrorCode, 'auth' | 'permission' | 'quota' | 'retry_too_long'>;
  /** One message for the user: which server, which key variable, what the provider said, and what to do. */
  message: string;
  /** HTTP status of the answer that stopped the client. */
  status?: number;
}

export interface ProcessBatchOptions<Value = unknown, Metadata = unknown> {
  /** Every event, as it happens. A throwing listener stops the batch (see `processBatch`). */
  onEvent?: (event: LlmBatchEvent) => void;
  /** Each finished request (done or failed), as it finishes, in any order. Awaited. */
  onResult?: (result: LlmResult<Value, Metadata>) => void | Promise<void>;
  /** Aborting stops new sends, aborts the ones in flight and resolves with the unfinished ones as `notDone`. */
  signal?: AbortSignal;
}
