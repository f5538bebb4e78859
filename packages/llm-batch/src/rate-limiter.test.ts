import { describe, expect, it } from 'vitest';
import { LlmBatchClient } from './client.js';
import { AdaptiveRateLimiter } from './rate-limiter.js';
import { adapters, makeRequest } from './test-support.js';
import { startFakeProvider } from './testing/fake-provider.js';
import { createVirtualClock } from './testing/virtual-clock.js';
import type { LlmBatchEvent } from './types.js';

/** The most start times found in any window of `windowMs` (windows start at a start time, where the maximum is). */
function busiestWindow(times: number[], windowMs = 60_000): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let head = 0;
  for (let i = 0; i < sorted.length; i++) {
    while ((sorted[i] as number) - (sorted[head] as number) >= windowMs) head++;
    best = Math.max(best, i - head + 1);
  }
  return best;
}

describe('AdaptiveRateLimiter', () => {
  it('lets no 60-second window hold more than requestsPerMinute starts', async () => {
    const clock = createVirtualClock();
    const limiter = new AdaptiveRateLimiter({ requestsPerMinute: 10, clock });
    const starts: number[] = [];
    await Promise.all(Array.from({ length: 35 }, () => limiter.acquire().then(() => starts.push(clock.now()))));
    expect(busiestWindow(starts)).toBe(10);
    // 35 starts at 10 a minute: the last batch can start only after three full windows.
    expect(Math.max(...starts) - Math.min(...starts)).toBe(180_000);
  });

  it('serves waiters in order and tells each once how long it waits', async () => {
    const clock = createVirtualClock();
    const limiter = new AdaptiveRateLimiter({ requestsPerMinute: 2, clock });
    const order: number[] = [];
    const waits: number[] = [];
    await Promise.all([0, 1, 2, 3].map((i) => limiter.acquire(undefined, (ms) => waits.push(ms)).then(() => order.push(i))));
    expect(order).toEqual([0, 1, 2, 3]);
    // Only the third waits: when it wakes, the first two have left the window, so the fourth goes at once.
    expect(waits).toEqual([60_000]);
  });

  it('halves on a 429 once per generation, never below 1/16, and recovers with successes', () => {
    const limiter = new AdaptiveRateLimiter({ requestsPerMinute: 160, clock: createVirtualClock() });
    const generation = limiter.generation;
    expect(limiter.onRateLimited(generation)).toBe(true);
    expect(limiter.currentLimit).toBe(80);
    // The other sends made at the old rate say nothing new.
    expect(limiter.onRateLimited(generation)).toBe(false);
    expect(limiter.currentLimit).toBe(80);
    for (let i = 0; i < 10; i++) limiter.onRateLimited(limiter.generation);
    expect(limiter.factor).toBe(1 / 16);
    expect(limiter.currentLimit).toBe(10);
    for (let i = 0; i < 100; i++) limiter.onSuccess();
    expect(limiter.factor).toBe(1);
    expect(limiter.onSuccess()).toBe(false);
  });

  it('rejects a waiter whose signal aborts', async () => {
    const clock = createVirtualClock();
    const limiter = new AdaptiveRateLimiter({ requestsPerMinute: 1, clock });
    await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    // The queue of waiters goes on after an abort.
    await expect(limiter.acquire()).resolves.toBeUndefined();
  });

  it('with Infinity never waits', async () => {
    const clock = createVirtualClock();
    const limiter = new AdaptiveRateLimiter({ requestsPerMinute: Number.POSITIVE_INFINITY, clock });
    await Promise.all(Array.from({ length: 1000 }, () => limiter.acquire()));
    expect(clock.sleeps).toEqual([]);
  });
});

for (const adapter of adapters) {
  describe(`requestsPerMinute through the client (${adapter.name})`, () => {
    it('no 60-second window of sends, retries included, exceeds requestsPerMinute', async () => {
      const clock = createVirtualClock();
      await using fake = await startFakeProvider({
        respond: ({ attempt, id }) => (attempt === 1 && id.endsWith('3') ? { fault: 'serverError', status: 503 } : undefined),
      });
      const client = new LlmBatchClient({ provider: adapter.create(fake), requestsPerMinute: 12, maxWorkers: 30, clock });
      const events: LlmBatchEvent[] = [];
      // When each send starts, on the client's clock. (The server's arrival times are no measure under a
      // virtual clock: it moves on while real I/O is in flight.)
      const starts: number[] = [];
      const summary = await client.processBatch(
        Array.from({ length: 40 }, (_, i) => makeRequest(`r${i}`)),
        {
          onEvent: (e) => {
            events.push(e);
            if (e.type === 'started') starts.push(clock.now());
          },
        },
      );
      expect(summary.done).toBe(40);
      expect(fake.requests).toHaveLength(44); // r3, r13, r23, r33 twice
      expect(starts).toHaveLength(44);
      expect(busiestWindow(starts)).toBe(12);
      expect(events.some((e) => e.type === 'rateLimited')).toBe(true);
      // 44 sends at 12 a minute: the last ones start after three full windows.
      expect(Math.max(...starts) - Math.min(...starts)).toBeGreaterThanOrEqual(180_000);
    });

    it('slows down after 429s (rate and concurrency halved) and recovers', async () => {
      const clock = createVirtualClock();
      // Counted at the server, among retries only: the first sends were all in flight before the slowdown.
      let retriesInFlight = 0;
      let maxRetriesInFlight = 0;
      await using fake = await startFakeProvider({
        respond: async ({ attempt }) => {
          if (attempt === 1) return { fault: 'rateLimit', retryAfterSeconds: 1 };
          retriesInFlight++;
          maxRetriesInFlight = Math.max(maxRetriesInFlight, retriesInFlight);
          await new Promise((resolve) => setTimeout(resolve, 5));
          retriesInFlight--;
          return undefined;
        },
      });
      const client = new LlmBatchClient({ provider: adapter.create(fake), requestsPerMinute: 1000, maxWorkers: 8, clock });
      const events: LlmBatchEvent[] = [];
      const summary = await client.processBatch(
        Array.from({ length: 8 }, (_, i) => makeRequest(`r${i}`)),
        { onEvent: (e) => events.push(e) },
      );
      expect(summary.done).toBe(8);
      const throttles = events.filter((e) => e.type === 'throttled');
      // Eight 429s from sends made at the same rate: one slowdown, not eight.
      expect(throttles[0]).toMatchObject({ requestsPerMinute: 500, concurrency: 4, reason: '429 from the provider' });
      expect(throttles.filter((e) => e.type === 'throttled' && e.reason === '429 from the provider')).toHaveLength(1);
      // Half of the 8 workers, plus at most the one slot that the first successes win back.
      expect(maxRetriesInFlight).toBeLessThanOrEqual(5);
      expect(maxRetriesInFlight).toBeGreaterThanOrEqual(1);
      // Each success wins back a little.
      expect(throttles.at(-1)).toMatchObject({ reason: 'recovering after successes' });
      expect(client.options.maxWorkers).toBe(8);
    });
  });
}
