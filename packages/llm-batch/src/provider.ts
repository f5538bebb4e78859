import type { ImageMediaType, LlmErrorCode, LlmMessage, LlmResponseSchema, LlmUsage } from './types.js';

/** One send, as the client hands it to an adapter: images already loaded, nothing to mutate. */
export interface ProviderCall {
  readonly id: string;
  readonly model: string;
  readonly messages: readonly LlmMessage[];
  readonly images: readonly { readonly mediaType: ImageMediaType; readonly data: Uint8Array }[];
  readonly responseSchema: LlmResponseSchema;
  readonly maxTokens?: number | undefined;
  readonly temperature?: number | undefined;
}

export interface SendContext {
  /** Aborts when the batch is aborted; the adapter passes it to its SDK. */
  signal: AbortSignal;
  /** Time allowed for this attempt; the adapter passes it to its SDK. */
  timeoutMs: number;
  /** Epoch milliseconds on the client's clock, to read a Retry-After given as an HTTP date. */
  now: () => number;
}

/**
 * What the model answered: JSON text to parse (a single fenced ```json block is accepted too), an
 * already parsed value, or no answer at all, with why (`no_answer` unless said otherwise).
 */
export type ProviderOutput =
  | { text: string }
  | { value: unknown }
  | { missing: string; code?: Extract<LlmErrorCode, 'no_answer' | 'refusal' | 'not_json_body'> };

export interface ProviderResponse {
  output: ProviderOutput;
  usage: LlmUsage | null;
  /** The cost the provider reported for this call (OpenRouter `usage.cost`), in USD. */
  costUsd?: number;
  /** The model that answered, when the provider says (may be a dated variant of the one asked for). */
  model?: string;
  /**
   * The answer stopped at the output-token limit (`finish_reason: length`, `stop_reason: max_tokens`):
   * whatever it holds is cut off. The client retries with a doubled limit.
   */
  truncated?: boolean;
}

/**
 * What a provider adapter implements. `send` either returns the model's answer or throws an
 * `ApiCallError` deciding, once, whether the failure is retryable; the client never inspects SDK
 * errors. Build one with `openaiCompatible()` or `anthropic()`, or write your own.
 */
export interface LlmProvider {
  /** Short name reported on results, events and logs, e.g. `openai`, `openrouter`, `anthropic`. */
  readonly name: string;
  send(call: ProviderCall, context: SendContext): Promise<ProviderResponse>;
  /** Removes the adapter's secrets from any text before it is logged, emitted or thrown. */
  redact(text: string): string;
  /** The server requests go to, named in the message when the client stops (e.g. a refused key). */
  readonly baseURL?: string;
  /** The environment variable the key came from, named in that message, e.g. `OPENAI_API_KEY`. */
  readonly apiKeyVariable?: string;
  /** The output-token limit used when a request sets no `maxTokens`, if the adapter sends one. */
  readonly defaultMaxTokens?: number;
  /** The provider's batch API, when it has one (see `LlmBatchClient.submitBatch`). */
  readonly batch?: ProviderBatchApi;
}

/** Where a provider batch stands, in the provider's own counts. */
export interface ProviderBatchStatus {
  /** `ended`: results can be fetched (completed, expired or cancelled); `in_progress`: poll again later. */
  state: 'in_progress' | 'ended';
  /** The provider's own word for it (`completed`, `expired`, `cancelled`, `ended`, `in_progress`...), for messages. */
  providerStatus: string;
  total: number;
  succeeded: number;
  failed: number;
}

/** One request's line in a batch's results. */
export type ProviderBatchItem = { ok: true; response: ProviderResponse } | { ok: false; code: LlmErrorCode; reason: string; status?: number | undefined };

export interface BatchCallContext {
  signal?: AbortSignal | undefined;
  timeoutMs: number;
  now: () => number;
}

/**
 * The provider's asynchronous batch API (OpenAI Batch API, Anthropic Message Batches): the same
 * requests, answered within 24 hours at half the price. Optional: an adapter for a server without
 * one (OpenRouter, a local server) leaves it out, and batch mode refuses it before sending.
 * Errors are thrown as `ApiCallError`, like `send`'s.
 */
export interface ProviderBatchApi {
  /** Uploads and creates the batch; each call's `id` is its `custom_id`. Resolves with the provider's batch id. */
  submit(calls: readonly ProviderCall[], context: BatchCallContext): Promise<string>;
  status(batchId: string, context: BatchCallContext): Promise<ProviderBatchStatus>;
  /** Every line the provider returned for an ended batch, by custom id; a request without a line is missing from the map. */
  results(batchId: string, context: BatchCallContext): Promise<Map<string, ProviderBatchItem>>;
  cancel(batchId: string, context: BatchCallContext): Promise<void>;
}
