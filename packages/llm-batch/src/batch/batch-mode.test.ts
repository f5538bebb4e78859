// The batch-mode suite, run once per adapter (OpenAI Batch API and Anthropic Message Batches) against
// the fake provider through the official SDKs, on a virtual clock.
import { describe, expect, it } from 'vitest';
import { LlmBatchClient } from '../client.js';
import { openaiCompatible } from '../providers/openai-compatible.js';
import { adapters, makeRequest } from '../test-support.js';
import { type FakeProviderOptions, startFakeProvider } from '../testing/fake-provider.js';
import { createVirtualClock } from '../testing/virtual-clock.js';
import type { LlmResult } from '../types.js';

const ids = ['p1', 'p2', 'p3', 'p4', 'p5'];
const requests = () => ids.map((id) => makeRequest(id, { model: 'gpt-4o-mini' }));
const answer = (id: string) => ({ json: { blocks: [`${id} a`, `${id} b`] }, usage: { promptTokens: 1000, completionTokens: 200 } });

for (const adapter of adapters) {
  describe(`batch mode through ${adapter.name}`, () => {
    const setup = async (options: FakeProviderOptions = {}) => {
      const fake = await startFakeProvider({ respond: ({ id }) => answer(id), ...options });
      const clock = createVirtualClock();
      const client = new LlmBatchClient({ provider: adapter.create(fake), clock, random: () => 0.5, requestsPerMinute: Number.POSITIVE_INFINITY });
      return { fake, clock, client };
    };
    const collect = async (client: LlmBatchClient, handle: Awaited<ReturnType<LlmBatchClient['submitBatch']>>, list = requests()) => {
      const results = new Map<string, LlmResult>();
      const summary = await client.collectBatch(handle, list, { onResult: (r) => void results.set(r.id, r) });
      return { summary, results };
    };

    it('answers every request from one batch, polled with backoff, at half the live price, with live-identical bodies', async () => {
      const { fake, clock, client } = await setup({ batch: { pollsInProgress: 2 } });
      await using _ = fake;
      const handle = await client.submitBatch(requests());
      expect(handle).toMatchObject({ provider: client.options.provider.name, requestIds: ids });
      const statuses: string[] = [];
      const results = new Map<string, LlmResult>();
      const summary = await client.collectBatch(handle, requests(), {
        onResult: (r) => void results.set(r.id, r),
        onStatus: (s) => statuses.push(s.state),
      });
      expect(statuses).toEqual(['in_progress', 'in_progress', 'ended']);
      expect(clock.sleeps).toEqual([30_000, 45_000]);
      expect(summary).toMatchObject({ total: 5, done: 5, failed: 0, notDone: 0, batch: { answered: 5, liveFallback: [] } });
      expect(fake.batchCreateCalls()).toBe(1);
      for (const id of ids) expect(results.get(id)).toMatchObject({ ok: true, value: answer(id).json, attempts: 1, batchId: handle.id });

      // The same requests live: same answers, twice the cost; the batch lines carried the live bodies.
      const live = new Map<string, LlmResult>();
      const liveSummary = await client.processBatch(requests(), { onResult: (r) => void live.set(r.id, r) });
      expect(summary.costUsd).toBeGreaterThan(0);
      expect(summary.costUsd).toBeCloseTo(liveSummary.costUsd / 2, 12);
      for (const id of ids) expect(live.get(id)?.ok && live.get(id)).toMatchObject({ value: (results.get(id) as { value: unknown }).value });
      const [inBatch, sentLive] = [fake.requestsFor('p1')[0], fake.requestsFor('p1')[1]];
      expect(inBatch?.batchId).toBe(handle.id);
      expect(inBatch?.body).toEqual(sentLive?.body);
    });

    it('sends what the batch did not answer live: errors, expired, missing lines, invalid answers; every request ends with a reason', async () => {
      const { fake, client } = await setup({
        respond: ({ id, batchId }) =>
          batchId && id === 'p2' ? { fault: 'serverError', status: 500 } : batchId && id === 'p5' ? { fault: 'schemaViolation' } : answer(id),
        batch: { pollsInProgress: 0, expire: (id) => id === 'p3', dropLine: (id) => id === 'p4' },
      });
      await using _ = fake;
      const handle = await client.submitBatch(requests());
      const { summary, results } = await collect(client, handle);
      expect(summary).toMatchObject({ done: 5, failed: 0, batch: { answered: 1 } });
      expect(summary.batch.liveFallback.map((f) => f.id)).toEqual(['p2', 'p3', 'p4', 'p5']);
      expect(summary.batch.liveFallback.find((f) => f.id === 'p5')?.reason).toContain('violates schema');
      // p5's invalid batch answer was paid for: it counts as an attempt next to the live one.
      expect(results.get('p5')).toMatchObject({ ok: true, attempts: 2 });
      expect(results.get('p3')).toMatchObject({ ok: true, attempts: 1 });
      expect(fake.batchCreateCalls()).toBe(1);
    });

    it('bounds the live fallback: the rest fail with their batch reason, retryable', async () => {
      const { fake, client } = await setup({ batch: { pollsInProgress: 0, cancelAfter: 2 } });
      await using _ = fake;
      const handle = await client.submitBatch(requests());
      const results = new Map<string, LlmResult>();
      const summary = await client.collectBatch(handle, requests(), { maxLiveFallback: 1, onResult: (r) => void results.set(r.id, r) });
      expect(summary).toMatchObject({ done: 3, failed: 2 });
      const failed = [...results.values()].filter((r) => !r.ok);
      expect(failed.map((r) => r.id)).toEqual(['p4', 'p5']);
      for (const r of failed) expect(!r.ok && r.error).toMatchObject({ retryable: true, reason: expect.stringMatching(/cancel.*maxLiveFallback 1/s) });
    });

    it('retries a 429 on the create call after its Retry-After, and creates one batch', async () => {
      const { fake, clock, client } = await setup({ batch: { createRateLimited: 1, pollsInProgress: 0 } });
      await using _ = fake;
      const handle = await client.submitBatch(requests());
      expect(fake.batchCreateCalls()).toBe(2);
      expect(fake.batches).toHaveLength(1);
      expect(clock.sleeps[0]).toBeGreaterThanOrEqual(1_000);
      expect((await collect(client, handle)).summary.done).toBe(5);
    });

    it('stops waiting on abort with every request not done; a new client collects the same batch later', async () => {
      const { fake, client } = await setup({ batch: { pollsInProgress: 3 } });
      await using _ = fake;
      const handle = await client.submitBatch(requests());
      const stop = new AbortController();
      const summary = await client.collectBatch(handle, requests(), { signal: stop.signal, onStatus: () => stop.abort() });
      expect(summary).toMatchObject({ aborted: true, done: 0, notDone: 5 });
      // Another process, later: a plain JSON handle is all it needs; only pages still wanted are read.
      const again = new LlmBatchClient({ provider: adapter.create(fake), clock: createVirtualClock() });
      const { summary: collected, results } = await collect(again, JSON.parse(JSON.stringify(handle)), requests().slice(0, 3));
      expect(collected).toMatchObject({ done: 3, total: 3 });
      expect([...results.keys()]).toEqual(['p1', 'p2', 'p3']);
      expect(fake.batchCreateCalls()).toBe(1);
    });
  });
}

describe('batch mode without a provider batch API', () => {
  it('is a clear error before anything is sent (OpenRouter, a local server)', async () => {
    await using fake = await startFakeProvider();
    for (const provider of [
      openaiCompatible({ baseURL: fake.openaiBaseURL, apiKey: 'k' }),
      openaiCompatible({ baseURL: 'https://openrouter.ai/api/v1', apiKey: 'k' }),
    ]) {
      const client = new LlmBatchClient({ provider });
      await expect(client.submitBatch(requests())).rejects.toThrow(/has no batch API.*OpenRouter and local servers/s);
    }
    expect(fake.httpCalls()).toBe(0);
  });
});
