import { describe, expect, it } from 'vitest';
import { ApiCallError } from '../api-call-error.js';
import type { ProviderBatchApi } from '../provider.js';
import { sampleCall } from '../providers/conformance.js';
import { adapters } from '../test-support.js';
import { startFakeProvider } from './fake-provider.js';

const context = { timeoutMs: 5_000, now: () => Date.now() };
const calls = ['p1', 'p2', 'p3', 'p4'].map((id) => ({ ...sampleCall, id }));

// Both official SDKs against the fake's batch routes: files + batches (OpenAI), message batches (Anthropic).
for (const adapter of adapters) {
  describe(`fake provider batch API through ${adapter.name}'s SDK`, () => {
    const batchOf = (fake: Parameters<typeof adapter.create>[0]) => {
      const api = adapter.create(fake).batch;
      if (!api) throw new Error('test setup: the adapter has no batch API');
      return api as ProviderBatchApi;
    };

    it('stays in progress for the configured polls, then returns one line per request with usage', async () => {
      await using fake = await startFakeProvider({ batch: { pollsInProgress: 2 } });
      const api = batchOf(fake);
      const id = await api.submit(calls, context);
      expect(fake.batchCreateCalls()).toBe(1);
      expect(fake.batches[0]?.customIds).toEqual(['p1', 'p2', 'p3', 'p4']);
      expect((await api.status(id, context)).state).toBe('in_progress');
      expect((await api.status(id, context)).state).toBe('in_progress');
      const ended = await api.status(id, context);
      expect(ended).toMatchObject({ state: 'ended', total: 4, succeeded: 4, failed: 0 });
      const results = await api.results(id, context);
      expect([...results.keys()].sort()).toEqual(['p1', 'p2', 'p3', 'p4']);
      const first = results.get('p1');
      expect(first?.ok && first.response.usage?.promptTokens).toBeGreaterThan(0);
      // Each line was answered by the live answer logic, with the live body.
      expect(fake.requests.map((r) => [r.id, r.batchId])).toEqual(calls.map((c) => [c.id, id]));
    });

    it('reports per-request errors, expired and missing lines, and a cancelled batch', async () => {
      await using fake = await startFakeProvider({
        respond: ({ id }) => (id === 'p2' ? { fault: 'serverError', status: 503 } : undefined),
        batch: { pollsInProgress: 0, expire: (id) => id === 'p3', dropLine: (id) => id === 'p4' },
      });
      const api = batchOf(fake);
      const id = await api.submit(calls, context);
      expect((await api.status(id, context)).state).toBe('ended');
      const results = await api.results(id, context);
      expect(results.get('p1')?.ok).toBe(true);
      expect(results.get('p2')).toMatchObject({ ok: false, code: 'server_error' });
      expect(results.get('p3')).toMatchObject({ ok: false, reason: expect.stringContaining('expired') });
      expect(results.has('p4')).toBe(false);

      await using cancelling = await startFakeProvider({ batch: { pollsInProgress: 0, cancelAfter: 1 } });
      const other = batchOf(cancelling);
      const cancelled = await other.submit(calls, context);
      await other.status(cancelled, context);
      const lines = await other.results(cancelled, context);
      expect(lines.get('p1')?.ok).toBe(true);
      expect(['p2', 'p3', 'p4'].every((p) => lines.get(p)?.ok !== true)).toBe(true);
    });

    it('answers 429 to the first create calls, and cancels on request', async () => {
      await using fake = await startFakeProvider({ batch: { createRateLimited: 1, pollsInProgress: 5 } });
      const api = batchOf(fake);
      const error = await api.submit(calls, context).catch((e: unknown) => e);
      expect(ApiCallError.isInstance(error) && error.code).toBe('rate_limited');
      const id = await api.submit(calls, context);
      expect(fake.batchCreateCalls()).toBe(2);
      await api.cancel(id, context);
      expect((await api.status(id, context)).state).toBe('ended');
      expect(fake.batches[0]?.cancelled).toBe(true);
    });
  });
}
