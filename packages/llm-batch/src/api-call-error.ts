import type { LlmErrorCode } from './types.js';

const marker = Symbol.for('bookpipe.llm-batch.ApiCallError');

export interface ApiCallErrorOptions {
  /** Which adapter decided this, e.g. `openai`, `openrouter`, `anthropic`. */
  provider: string;
  /** HTTP status, when the provider answered. */
  status?: number;
  retryable: boolean;
  /** How long the provider asked us to wait (Retry-After, retry-after-ms), when it said. */
  retryAfterMs?: number;
  /** What kind of failure: `auth`, `permission` and `quota` stop the whole client. @default from `status` (see `codeForStatus`) */
  code?: LlmErrorCode;
  cause?: unknown;
}

/**
 * The one error a provider adapter throws. The adapter decides, at the boundary, whether the call
 * may be retried and how long the provider asked to wait; nothing above it looks at SDK error
 * classes or message text. The message is already redacted of the adapter's API key.
 */
export class ApiCallError extends Error {
  override readonly name = 'ApiCallError';
  readonly provider: string;
  readonly status: number | undefined;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly code: LlmErrorCode;

  constructor(message: string, options: ApiCallErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.provider = options.provider;
    this.status = options.status;
    this.retryable = options.retryable;
    this.retryAfterMs = options.retryAfterMs;
    this.code = options.code ?? codeForStatus(options.status);
    Object.defineProperty(this, marker, { value: true });
  }

  /** True for an ApiCallError from any copy of this package (instanceof fails across duplicate installs). */
  static isInstance(error: unknown): error is ApiCallError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[marker] === true;
  }
}

/** Connection errors, timeouts, 408, 409, 429 and 5xx are worth another try; other 4xx will fail the same way again. */
export function isRetryableStatus(status: number | undefined): boolean {
  if (status === undefined) return true;
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** The failure kind an HTTP status says by itself; adapters refine it from the error body (e.g. OpenAI's `insufficient_quota` 429). */
export function codeForStatus(status: number | undefined): LlmErrorCode {
  if (status === undefined) return 'connection';
  if (status === 401) return 'auth';
  if (status === 402) return 'quota';
  if (status === 403) return 'permission';
  if (status === 408) return 'timeout';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'server_error';
  return 'bad_request';
}

/** A minimal view of response headers, as both SDKs expose them (a `Headers`). */
export interface HeaderSource {
  get(name: string): string | null;
}

/**
 * How long the provider asked us to wait: `retry-after-ms` (OpenAI's and Anthropic's extension),
 * else `retry-after` as delta-seconds or as an HTTP date. Undefined when absent or unreadable.
 */
export function parseRetryAfter(headers: HeaderSource | undefined, nowEpochMs: number): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '') {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return value;
  }
  const header = headers.get('retry-after');
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(header);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowEpochMs);
}

/** `x-should-retry: true|false` lets a provider overrule the status-based decision, as the official SDKs honour it. */
export function shouldRetryOverride(headers: HeaderSource | undefined): boolean | undefined {
  const value = headers?.get('x-should-retry');
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}
