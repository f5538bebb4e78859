export interface BackoffOptions {
  /** Delay before the first retry, before jitter. */
  baseDelayMs: number;
  /** Cap on the exponential delay, and the longest Retry-After the client will wait for. */
  maxDelayMs: number;
  /** Fraction of the delay that is randomised: 0.25 spreads a 4 s delay over 3..5 s. */
  jitter: number;
  /** Uniform in [0, 1). */
  random: () => number;
}

export type RetryDecision = { retry: true; delayMs: number } | { retry: false; reason?: string };

/**
 * Whether and when to send again after failed attempt number `attempt` (1-based).
 *
 * Exponential backoff with jitter, so that the many requests a 503 hits at once do not all come
 * back at the same instant. When the provider said how long to wait (Retry-After), that is the
 * floor: the jitter only ever adds to it. A wait longer than `maxDelayMs` is not taken: the
 * provider is down for longer than a batch should stall, and the request fails with that reason.
 */
export function decideRetry(
  attempt: number,
  maxRetries: number,
  failure: { retryable: boolean; retryAfterMs?: number | undefined },
  options: BackoffOptions,
): RetryDecision {
  if (!failure.retryable) return { retry: false };
  if (attempt > maxRetries) return { retry: false };
  const { baseDelayMs, maxDelayMs, jitter, random } = options;
  if (failure.retryAfterMs !== undefined) {
    if (failure.retryAfterMs > maxDelayMs) {
      return { retry: false, reason: `provider asked to wait ${Math.ceil(failure.retryAfterMs)} ms, more than retryMaxDelayMs (${maxDelayMs} ms)` };
    }
    return { retry: true, delayMs: Math.round(failure.retryAfterMs * (1 + jitter * random())) };
  }
  const exponential = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
  const spread = exponential * jitter * (2 * random() - 1);
  return { retry: true, delayMs: Math.max(0, Math.round(Math.min(maxDelayMs, exponential + spread))) };
}
