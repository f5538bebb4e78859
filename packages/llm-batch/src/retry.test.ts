import { describe, expect, it } from 'vitest';
import { ApiCallError, isRetryableStatus, parseRetryAfter, shouldRetryOverride } from './api-call-error.js';
import { decideRetry } from './retry.js';

const headers = (values: Record<string, string>) => new Headers(values);
const options = { baseDelayMs: 1000, maxDelayMs: 60_000, jitter: 0.25, random: () => 0.5 };

describe('decideRetry', () => {
  it('doubles the delay each attempt up to the cap', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8].map((attempt) => decideRetry(attempt, 10, { retryable: true }, options));
    expect(delays.map((d) => (d.retry ? d.delayMs : -1))).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000]);
  });

  it('spreads the delay by ±jitter with the injected random source', () => {
    expect(decideRetry(3, 5, { retryable: true }, { ...options, random: () => 0 })).toEqual({ retry: true, delayMs: 3000 });
    expect(decideRetry(3, 5, { retryable: true }, { ...options, random: () => 0.999999 })).toEqual({ retry: true, delayMs: 5000 });
    expect(decideRetry(3, 5, { retryable: true }, { ...options, jitter: 0, random: () => 0 })).toEqual({ retry: true, delayMs: 4000 });
  });

  it('stops after maxRetries retries and for non-retryable failures', () => {
    expect(decideRetry(3, 3, { retryable: true }, options).retry).toBe(true);
    expect(decideRetry(4, 3, { retryable: true }, options).retry).toBe(false);
    expect(decideRetry(1, 0, { retryable: true }, options).retry).toBe(false);
    expect(decideRetry(1, 3, { retryable: false }, options).retry).toBe(false);
  });

  it('takes Retry-After as a floor and only adds jitter to it', () => {
    expect(decideRetry(1, 3, { retryable: true, retryAfterMs: 20_000 }, { ...options, random: () => 0 })).toEqual({ retry: true, delayMs: 20_000 });
    expect(decideRetry(1, 3, { retryable: true, retryAfterMs: 20_000 }, { ...options, random: () => 0.5 })).toEqual({ retry: true, delayMs: 22_500 });
    expect(decideRetry(1, 3, { retryable: true, retryAfterMs: 0 }, options)).toEqual({ retry: true, delayMs: 0 });
  });

  it('gives up, saying why, when Retry-After exceeds the cap', () => {
    expect(decideRetry(1, 3, { retryable: true, retryAfterMs: 61_000 }, options)).toEqual({
      retry: false,
      reason: 'provider asked to wait 61000 ms, more than retryMaxDelayMs (60000 ms)',
    });
  });
});

describe('parseRetryAfter', () => {
  const now = Date.UTC(2025, 0, 1, 12, 0, 0);
  it('reads seconds, fractions, retry-after-ms and HTTP dates', () => {
    expect(parseRetryAfter(headers({ 'retry-after': '30' }), now)).toBe(30_000);
    expect(parseRetryAfter(headers({ 'retry-after': '1.5' }), now)).toBe(1500);
    expect(parseRetryAfter(headers({ 'retry-after-ms': '250', 'retry-after': '30' }), now)).toBe(250);
    expect(parseRetryAfter(headers({ 'retry-after': new Date(now + 90_000).toUTCString() }), now)).toBe(90_000);
    expect(parseRetryAfter(headers({ 'retry-after': new Date(now - 5_000).toUTCString() }), now)).toBe(0);
  });
  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter(headers({}), now)).toBeUndefined();
    expect(parseRetryAfter(headers({ 'retry-after': 'soon' }), now)).toBeUndefined();
    expect(parseRetryAfter(headers({ 'retry-after': '-3' }), now)).toBeUndefined();
    expect(parseRetryAfter(headers({ 'retry-after-ms': 'x', 'retry-after': '2' }), now)).toBe(2000);
  });
});

describe('ApiCallError', () => {
  it('decides retryability by status', () => {
    expect([undefined, 408, 409, 429, 500, 502, 503, 504, 529].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 413, 422].some(isRetryableStatus)).toBe(false);
  });

  it('reads x-should-retry', () => {
    expect(shouldRetryOverride(headers({ 'x-should-retry': 'true' }))).toBe(true);
    expect(shouldRetryOverride(headers({ 'x-should-retry': 'false' }))).toBe(false);
    expect(shouldRetryOverride(headers({}))).toBeUndefined();
  });

  it('is recognised across copies of the package by isInstance', () => {
    const error = new ApiCallError('openai: HTTP 429', { provider: 'openai', status: 429, retryable: true, retryAfterMs: 1000 });
    expect(ApiCallError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ name: 'ApiCallError', status: 429, retryable: true, retryAfterMs: 1000, provider: 'openai' });
    expect(ApiCallError.isInstance(new Error('x'))).toBe(false);
    expect(ApiCallError.isInstance({ status: 429 })).toBe(false);
    // A look-alike from another copy carries the same registered symbol.
    const other = Object.defineProperty(new Error('x'), Symbol.for('bookpipe.llm-batch.ApiCallError'), { value: true });
    expect(ApiCallError.isInstance(other)).toBe(true);
  });
});
