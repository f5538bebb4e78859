// Every fault, through the real SDK clients against the fake provider: how often the client
// sends, how long it waits, and what the results say.
import { describe, expect, it } from 'vitest';
import { LlmBatchClient } from './client.js';
import { adapters, deepFreeze, makeRequest } from './test-support.js';
import { type FakeReply, startFakeProvider } from './testing/fake-provider.js';
import { createVirtualClock } from './testing/virtual-clock.js';
import type { LlmBatchEvent, LlmErrorCode, LlmResult } from './types.js';

const MAX_RETRIES = 2;

const faults: { name: string; reply: FakeReply; reason: RegExp; code: LlmErrorCode; status?: number }[] = [
  { name: '429 with Retry-After', reply: { fault: 'rateLimit', retryAfterSeconds: 1 }, reason: /429/, code: 'rate_limited', status: 429 },
  { name: '500', reply: { fault: 'serverError', status: 500 }, reason: /500/, code: 'server_error', status: 500 },
  { name: '502', reply: { fault: 'serverError', status: 502 }, reason: /502/, code: 'server_error', status: 502 },
  { name: '503', reply: { fault: 'serverError', status: 503 }, reason: /503/, code: 'server_error', status: 503 },
  { name: '503 with Retry-After', reply: { fault: 'serverError', status: 503, retryAfterSeconds: 2 }, reason: /503/, code: 'server_error', status: 503 },
  { name: 'connection reset', reply: { fault: 'reset' }, reason: /connection error/, code: 'connection' },
  { name: 'hang past the timeout', reply: { fault: 'hang' }, reason: /timed out after 400 ms/, code: 'timeout' },
  { name: 'truncated JSON body', reply: { fault: 'truncatedBody' }, reason: /unreadable response/, code: 'connection' },
  { name: 'truncated JSON output', reply: { fault: 'truncatedJson' }, reason: /not valid JSON/, code: 'invalid_json' },
  {
    name: 'output violating the schema',
    reply: { fault: 'schemaViolation' },
    reason: /violates schema: \/ must have required property 'blocks'/,
    code: 'schema_violation',
  },
];

async function runBatch(
  adapter: (typeof adapters)[number],
  respond: (id: string, attempt: number) => FakeReply | undefined,
  ids: string[],
  timeoutMs = 10_000,
) {
  const fake = await startFakeProvider({ respond: ({ id, attempt }) => respond(id, attempt) });
  const clock = createVirtualClock();
  const client = new LlmBatchClient({
    provider: adapter.create(fake),
    maxRetries: MAX_RETRIES,
    timeoutMs,
    clock,
    random: () => 0.5, // no jitter: delays are exact
  });
  const results = new Map<string, LlmResult>();
  const events: LlmBatchEvent[] = [];
  const summary = await client.processBatch(
    ids.map((id) => makeRequest(id)),
    {
      onEvent: (e) => events.push(e),
      onResult: (r) => void results.set(r.id, r),
    },
  );
  return { fake, clock, results, events, summary };
}

for (const adapter of adapters) {
  describe(`${adapter.name}: retries through the real SDK`, () => {
    for (const fault of faults) {
      it(`${fault.name}: retried until it passes, given up after 1 + maxRetries sends, the batch goes on`, async () => {
        const { fake, results, events, summary } = await runBatch(
          adapter,
          (id, attempt) => (id === 'broken' || (id === 'flaky' && attempt <= 2) ? fault.reply : undefined),
          ['flaky', 'broken', 'fine'],
          // Real time: long enough that 'fine' never times out on a busy machine, short enough to wait out the hangs.
          fault.name.startsWith('hang') ? 400 : 10_000,
        );
        await using _ = fake;
        // Counted on the server: never more than 1 + maxRetries sends for one request.
        expect(fake.requestsFor('flaky')).toHaveLength(3);
        expect(fake.requestsFor('broken')).toHaveLength(1 + MAX_RETRIES);
        expect(fake.requestsFor('fine')).toHaveLength(1);

        expect(results.get('flaky')).toMatchObject({ ok: true, attempts: 3, value: { blocks: ['x', 'x'] } });
        expect(results.get('fine')).toMatchObject({ ok: true, attempts: 1 });
        const broken = results.get('broken');
        expect(broken?.ok).toBe(false);
        expect(broken?.attempts).toBe(1 + MAX_RETRIES);
        if (broken && !broken.ok) {
          expect(broken.error.reason).toMatch(fault.reason);
          expect(broken.error.code).toBe(fault.code);
          expect(broken.error.status).toBe(fault.status);
        }
        expect(summary).toMatchObject({ total: 3, done: 2, failed: 1, notDone: 0, results: 3, attempts: 3 + 3 + 1 });

        const retrying = events.filter((e) => e.type === 'retrying');
        expect(retrying.filter((e) => e.id === 'flaky')).toHaveLength(2);
        expect(retrying.every((e) => fault.reason.test(e.reason))).toBe(true);
        expect(events.filter((e) => e.type === 'failed').map((e) => e.id)).toEqual(['broken']);
      });
    }

    it('backs off exponentially: 1 s then 2 s, with no jitter when random() is 0.5', async () => {
      const { fake, clock, events } = await runBatch(adapter, (_id, attempt) => (attempt <= 2 ? { fault: 'serverError' } : undefined), ['a']);
      await using _ = fake;
      expect(events.flatMap((e) => (e.type === 'retrying' ? [e.delayMs] : []))).toEqual([1000, 2000]);
      expect(clock.sleeps).toEqual([1000, 2000]);
    });

    it.each([
      ['Retry-After seconds', { fault: 'rateLimit', retryAfterSeconds: 30 } as FakeReply, 30_000],
      ['retry-after-ms', { fault: 'rateLimit', retryAfterMs: 12_345 } as FakeReply, 12_345],
      ['Retry-After HTTP date', { fault: 'rateLimit', retryAfterDate: 'set per test' } as FakeReply, 45_000],
    ])('waits for %s before sending again', async (_label, reply, waitMs) => {
      const clock = createVirtualClock();
      const arrivals: number[] = [];
      await using fake = await startFakeProvider({
        respond: ({ attempt }) => {
          arrivals.push(clock.now());
          if (attempt > 1) return undefined;
          if ('fault' in reply && reply.fault === 'rateLimit' && reply.retryAfterDate) {
            return { fault: 'rateLimit', retryAfterDate: new Date(clock.now() + 45_000) };
          }
          return reply;
        },
      });
      const client = new LlmBatchClient({ provider: adapter.create(fake), clock, random: () => 0, retryJitter: 0.25 });
      const results: LlmResult[] = [];
      await client.processBatch([makeRequest('p1')], { onResult: (r) => void results.push(r) });
      expect(results[0]).toMatchObject({ ok: true, attempts: 2 });
      // Jitter only ever adds to a Retry-After: with random() = 0 the wait is exactly what was asked.
      expect(clock.sleeps).toEqual([waitMs]);
      expect((arrivals[1] as number) - (arrivals[0] as number)).toBeGreaterThanOrEqual(waitMs);
    });

    it('spreads a Retry-After upwards with jitter, never below it', async () => {
      const clock = createVirtualClock();
      await using fake = await startFakeProvider({ respond: ({ attempt }) => (attempt === 1 ? { fault: 'rateLimit', retryAfterSeconds: 10 } : undefined) });
      const client = new LlmBatchClient({ provider: adapter.create(fake), clock, random: () => 0.999, retryJitter: 0.25 });
      await client.processBatch([makeRequest('p1')]);
      expect(clock.sleeps[0]).toBeGreaterThan(10_000);
      expect(clock.sleeps[0]).toBeLessThanOrEqual(12_500);
    });

    it('stops the client at once when Retry-After is longer than retryMaxDelayMs (waits for nothing)', async () => {
      const clock = createVirtualClock();
      await using fake = await startFakeProvider({ respond: () => ({ fault: 'rateLimit', retryAfterSeconds: 3600 }) });
      const client = new LlmBatchClient({ provider: adapter.create(fake), clock, retryMaxDelayMs: 60_000 });
      const results: LlmResult[] = [];
      const summary = await client.processBatch([makeRequest('p1')], { onResult: (r) => void results.push(r) });
      expect(fake.requests).toHaveLength(1);
      // Not the request's fault: it is left for a rerun (breaker.test.ts covers the batch-wide stop).
      expect(results).toEqual([]);
      expect(summary).toMatchObject({ notDoneIds: ['p1'], stopped: { code: 'retry_too_long', status: 429 } });
      expect(summary.stopped?.message).toMatch(/asked to wait 3600 s .*longer than the client waits \(retryMaxDelayMs, 60000 ms\)/);
      expect(clock.sleeps).toEqual([]);
    });

    // 401 and 403 stop the whole client instead (breaker.test.ts).
    it.each([400, 404, 422])('does not retry HTTP %i', async (status) => {
      const { fake, results } = await runBatch(adapter, (id) => (id === 'bad' ? { fault: 'httpError', status } : undefined), ['bad', 'good']);
      await using _ = fake;
      expect(fake.requestsFor('bad')).toHaveLength(1);
      expect(results.get('bad')).toMatchObject({ ok: false, attempts: 1, error: { status, retryable: false } });
      expect(results.get('good')?.ok).toBe(true);
    });

    it.each([408, 409])('retries HTTP %i', async (status) => {
      const { fake, results } = await runBatch(adapter, (_id, attempt) => (attempt === 1 ? { fault: 'httpError', status } : undefined), ['a']);
      await using _ = fake;
      expect(fake.requestsFor('a')).toHaveLength(2);
      expect(results.get('a')).toMatchObject({ ok: true, attempts: 2 });
    });

    it('sends the same payload on every attempt, from a request it never writes to', async () => {
      const clock = createVirtualClock();
      await using fake = await startFakeProvider({ respond: ({ attempt }) => (attempt < 3 ? { fault: 'serverError', status: 503 } : undefined) });
      const client = new LlmBatchClient({ provider: adapter.create(fake), clock });
      const request = deepFreeze(
        makeRequest('frozen', {
          images: [{ mediaType: 'image/png', data: new Uint8Array([1, 2, 3]) }],
          messages: [
            { role: 'system', content: 'sys' },
            { role: 'user', content: 'page' },
          ],
        }),
      );
      const results: LlmResult[] = [];
      await client.processBatch([request], { onResult: (r) => void results.push(r) });
      expect(results[0]?.ok).toBe(true);
      const bodies = fake.requests.map((r) => JSON.stringify(r.body));
      expect(bodies).toHaveLength(3);
      expect(new Set(bodies).size).toBe(1);
    });

    it('with maxRetries 0 sends exactly once', async () => {
      const clock = createVirtualClock();
      await using fake = await startFakeProvider({ respond: () => ({ fault: 'serverError' }) });
      const client = new LlmBatchClient({ provider: adapter.create(fake), clock, maxRetries: 0 });
      const summary = await client.processBatch([makeRequest('a'), makeRequest('b')]);
      expect(fake.requests).toHaveLength(2);
      expect(summary).toMatchObject({ failed: 2, attempts: 2 });
    });
  });
}
