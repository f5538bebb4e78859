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
  it('lets no 60-second window hold more than requestsPerMinute starts, with a margin at the edge', async () => {
    const clock = createVirtualClock();
    const limiter = new AdaptiveRateLimiter({ requestsPerMinute: 10, clock });
    const starts: number[] = [];
    await Promise.all(Array.from({ length: 35 }, () => limiter.acquire().then(() => starts.push(clock.now()))));
    expect(busiestWindow(starts)).toBe(10);
    // The margin: not even a 61-second window holds more, so a send stamped at our window's edge
    // cannot land inside the provider's previous window.
    expect(busiestWindow(starts, 61_000)).toBe(10);
    // 35 starts at 10 a minute: the last batch can start only after three full windows and margins.
    expect(Math.max(...starts) - Math.min(...starts)).toBe(183_000);
  });

  it('serves waiters in order and tells each once how long it waits', async () => {
    const clock = createVirtualClock();
    const limiter = new AdaptiveRateLimiter({ requestsPerMinute: 2, clock });
    const order: number[] = [];
    const waits: number[] = [];
    await Promise.all([0, 1, 2, 3].map((i) => limiter.acquire(undefined, (ms) => waits.push(ms)).then(() => order.push(i))));
    expect(order).toEqual([0, 1, 2, 3]);
    // Only the third waits: when it wakes, the first two have left the window, so the fourth goes at once.
    expect(waits).toEqual([61_000]);
  });

  it('halves once per calm period (the Retry-After), however many 429s come in it', async () => {
    const clock = createVirtualClock();
    const limiter = new AdaptiveRateLimiter({ requestsPerMinute: 160, clock });
    expect(limiter.onRateLimited(limiter.generation, 2_000)).toBe(true);
    expect(limiter.factor).toBe(0.5);
    // Retries sent during the Retry-After period that get 429 too say nothing new, even at the new generation.
    await clock.sleep(1_500);
    expect(limiter.onRateLimited(limiter.generation, 2_000)).toBe(false);
    expect(limiter.factor).toBe(0.5);
    // After the calm period, a 429 at the current rate is news again.
    await clock.sleep(2_500);
    expect(limiter.onRateLimited(limiter.generation)).toBe(true);
    expect(limiter.factor).toBe(0.25);
    // A send made before that slowdown says nothing new.
    expect(limiter.onRateLimited(limiter.generation - 1)).toBe(false);
    for (let i = 0; i < 10; i++) {
      await clock.sleep(1_000);
      limiter.onRateLimited(limiter.generation);
    }
    expect(limiter.factor).toBe(1 / 16);
  });

  it('recovers by doubling after every 5 s without a 429: full rate within four intervals', async () => {
    const clock = createVirtualClock();
    const limiter = new AdaptiveRateLimiter({ requestsPerMinute: 160, clock });
    for (let i = 0; i < 4; i++) {
      limiter.onRateLimited(limiter.generation);
      await clock.sleep(1_000);
    }
    expect(limiter.factor).toBe(1 / 16);
    // Successes right after the last 429 win nothing back yet.
    expect(limiter.onSuccess()).toBe(false);
    const shares: number[] = [];
    for (let second = 0; second < 30; second++) {
      await clock.sleep(1_000);
      if (limiter.onSuccess()) shares.push(limiter.factor);
    }
    expect(shares).toEqual([1 / 8, 1 / 4, 1 / 2, 1]);
    expect(limiter.onSuccess()).toBe(false);
  });

  it('leaves the rate cap alone on a 429, so a full window does not stall every send', async () => {
    const clock = createVirtualClock();
    const limiter = new AdaptiveRateLimiter({ requestsPerMinute: 12, clock });
    for (let i = 0; i < 6; i++) await limiter.acquire();
    expect(limiter.onRateLimited(limiter.generation)).toBe(true);
    // Halving the cap to 6 with 6 in the window would hold the next send for a minute.
    const t0 = clock.now();
    await limiter.acquire();
    expect(clock.now() - t0).toBe(0);
    expect(limiter.currentLimit).toBe(12);
  });

  it('holds new sends for the Retry-After of a 429', async () => {
    const clock = createVirtualClock();
    const limiter = new AdaptiveRateLimiter({ requestsPerMinute: Number.POSITIVE_INFINITY, clock });
    const t0 = clock.now();
    limiter.onRateLimited(limiter.generation, 3_000);
    await limiter.acquire();
    expect(clock.now() - t0).toBe(3_000);
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

    it('counts a send when it goes out: image loads of 0-600 ms never push a 60 s window past the limit', async () => {
      const clock = createVirtualClock();
      await using fake = await startFakeProvider();
      const client = new LlmBatchClient({ provider: adapter.create(fake), requestsPerMinute: 12, maxWorkers: 30, clock });
      // Seeded, so a failure can be replayed.
      let seed = 7;
      const random = () => {
        seed = (seed * 16807) % 2147483647;
        return seed / 2147483647;
      };
      const starts: number[] = [];
      const summary = await client.processBatch(
        Array.from({ length: 60 }, (_, i) =>
          makeRequest(`r${i}`, {
            images: [
              {
                mediaType: 'image/png',
                // A slow decode and encode, on the client's clock.
                load: async () => {
                  await clock.sleep(Math.floor(random() * 600));
                  return new Uint8Array([1, 2, 3]);
                },
              },
            ],
          }),
        ),
        { onEvent: (e) => void (e.type === 'started' && starts.push(clock.now())) },
      );
      expect(summary.done).toBe(60);
      expect(busiestWindow(starts)).toBe(12);
      expect(busiestWindow(starts, 61_000)).toBe(12);
    });

    it('40 requests with one 429 each: a slowdown per Retry-After period at most, and no wait past the Retry-After', async () => {
      const clock = createVirtualClock();
      await using fake = await startFakeProvider({ respond: ({ attempt }) => (attempt === 1 ? { fault: 'rateLimit', retryAfterSeconds: 1 } : undefined) });
      const client = new LlmBatchClient({ provider: adapter.create(fake), requestsPerMinute: 150, maxWorkers: 30, clock, random: () => 0.5 });
      const slowdowns: number[] = [];
      const summary = await client.processBatch(
        Array.from({ length: 40 }, (_, i) => makeRequest(`r${i}`)),
        { onEvent: (e) => void (e.type === 'throttled' && e.reason === '429 from the provider' && slowdowns.push(clock.now())) },
      );
      expect(summary).toMatchObject({ done: 40, attempts: 80 });
      // 40 429s, but at most one slowdown per Retry-After period: the 30 first sends give one, the
      // 10 sent after the pause may give a second; never one per retried request.
      expect(slowdowns.length).toBeGreaterThanOrEqual(1);
      expect(slowdowns.length).toBeLessThanOrEqual(2);
      if (slowdowns.length === 2) expect((slowdowns[1] as number) - (slowdowns[0] as number)).toBeGreaterThanOrEqual(1_000);
      // No wait is longer than the Retry-After plus its jitter: the old cascade held sends for up to a
      // minute once a halved rate cap was below what the window held. (Durations on the virtual clock
      // are no measure here: it moves on while real I/O is in flight; bench/llm-batch times it for real.)
      expect(Math.max(...clock.sleeps)).toBeLessThanOrEqual(1_250);
    });

    it('slows down after 429s (rate and concurrency halved), once for many 429s', async () => {
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
      expect(throttles[0]).toMatchObject({ requestsPerMinute: 1000, concurrency: 4, reason: '429 from the provider' });
      expect(throttles.filter((e) => e.type === 'throttled' && e.reason === '429 from the provider')).toHaveLength(1);
      // Half of the 8 workers.
      expect(maxRetriesInFlight).toBeLessThanOrEqual(4);
      expect(maxRetriesInFlight).toBeGreaterThanOrEqual(1);
      expect(client.options.maxWorkers).toBe(8);
    });
  });
}
