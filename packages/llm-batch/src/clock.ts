import { setTimeout as delay } from 'node:timers/promises';

/**
 * Time as the client sees it. Injected so that tests can drive backoff, Retry-After and the
 * rate limiter without waiting (see `createVirtualClock` in `@bookpipe/llm-batch/testing`).
 */
export interface Clock {
  /** Milliseconds since an arbitrary origin; only differences matter, except for HTTP-date Retry-After (epoch ms). */
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => (ms <= 0 && !signal?.aborted ? Promise.resolve() : delay(ms, undefined, { signal })),
};
