// What the client does with answers that came back but cannot be used as they are: cut off at the
// token limit, fenced, an HTML page. Through the real SDK clients against the fake provider.
import { describe, expect, it } from 'vitest';
import { LlmBatchClient } from './client.js';
import { adapters, makeRequest } from './test-support.js';
import { type FakeReply, startFakeProvider } from './testing/fake-provider.js';
import { createVirtualClock } from './testing/virtual-clock.js';
import type { LlmBatchEvent, LlmResult } from './types.js';

async function run(
  adapter: (typeof adapters)[number],
  respond: (attempt: number, maxTokens: number | undefined) => FakeReply | undefined,
  options: { maxTokens?: number; maxTokensCap?: number } = {},
) {
  const fake = await startFakeProvider({ respond: ({ attempt, maxTokens }) => respond(attempt, maxTokens) });
  const client = new LlmBatchClient({
    provider: adapter.create(fake),
    clock: createVirtualClock(),
    ...(options.maxTokensCap === undefined ? {} : { maxTokensCap: options.maxTokensCap }),
  });
  const results: LlmResult[] = [];
  const events: LlmBatchEvent[] = [];
  const summary = await client.processBatch([makeRequest('p1', options.maxTokens === undefined ? {} : { maxTokens: options.maxTokens })], {
    onResult: (r) => void results.push(r),
    onEvent: (e) => events.push(e),
  });
  return { fake, result: results[0] as LlmResult, events, summary };
}

for (const adapter of adapters) {
  describe(`answers that need care (${adapter.name})`, () => {
    it('a truncated answer is its own reason, and the retry doubles the token limit', async () => {
      const { fake, result, events } = await run(adapter, (_attempt, maxTokens) => ((maxTokens ?? 0) < 4000 ? { fault: 'truncated' } : undefined), {
        maxTokens: 1000,
      });
      await using _ = fake;
      expect(fake.requests.map((r) => r.maxTokens)).toEqual([1000, 2000, 4000]);
      expect(result).toMatchObject({ ok: true, attempts: 3 });
      const retrying = events.filter((e) => e.type === 'retrying');
      expect(retrying.map((e) => e.type === 'retrying' && e.code)).toEqual(['truncated', 'truncated']);
      // Retried at once: the provider is not busy, the limit was too low.
      expect(retrying.map((e) => e.type === 'retrying' && e.delayMs)).toEqual([0, 0]);
      // The rest of the payload is the same on every attempt.
      const bodies = fake.requests.map(({ body }) => JSON.stringify({ ...body, max_tokens: 0, max_completion_tokens: 0 }));
      expect(new Set(bodies).size).toBe(1);
    });

    it('never pays for the same cut-off answer twice: at the cap it fails with reason truncated', async () => {
      const { fake, result } = await run(adapter, () => ({ fault: 'truncated' }), { maxTokens: 3000, maxTokensCap: 8000 });
      await using _ = fake;
      expect(fake.requests.map((r) => r.maxTokens)).toEqual([3000, 6000, 8000]);
      expect(result).toMatchObject({ ok: false, attempts: 3, error: { code: 'truncated', retryable: false } });
      if (!result.ok) expect(result.error.reason).toMatch(/cut off at the output-token limit \(8000 tokens\).*already at maxTokensCap/);
    });

    it('a request without maxTokens starts doubling from the adapter default (else 4096)', async () => {
      const { fake, result } = await run(adapter, (attempt) => (attempt === 1 ? { fault: 'truncated' } : undefined));
      await using _ = fake;
      expect(fake.requests[1]?.maxTokens).toBe(8192);
      expect(result.ok).toBe(true);
    });

    it('accepts a fenced ```json answer, validated strictly', async () => {
      const { fake, result } = await run(adapter, () => ({ fault: 'fencedJson' }));
      await using _ = fake;
      expect(result).toMatchObject({ ok: true, attempts: 1, value: { blocks: ['x', 'x'] } });
    });

    it('refuses prose around JSON with a named reason', async () => {
      const { fake, result } = await run(adapter, () => ({ content: 'Here is the page:\n```json\n{"blocks":["a","b"]}\n```' }));
      await using _ = fake;
      expect(result).toMatchObject({ ok: false, error: { code: 'invalid_json', reason: expect.stringMatching(/text around a fenced block/) } });
    });

    it('names an HTML 200 as such, tries it twice only, and counts its attempts as unpriced', async () => {
      const { fake, result, summary } = await run(adapter, () => ({ fault: 'html200' }));
      await using _ = fake;
      expect(fake.requests).toHaveLength(2);
      expect(result).toMatchObject({ ok: false, attempts: 2, costUsd: null, unpricedAttempts: 2, error: { code: 'not_json_body', retryable: false } });
      if (!result.ok) expect(result.error.reason).toMatch(/HTTP 200 with an HTML page .*check the base URL \(2 times for this request\)/);
      expect(summary.unpricedAttempts).toBe(2);
    });

    it('an attempt without usage next to priced ones leaves the cost known, with the unpriced attempt counted', async () => {
      const { fake, result, summary } = await run(adapter, (attempt) => (attempt === 1 ? { fault: 'html200' } : undefined));
      await using _ = fake;
      expect(result).toMatchObject({ ok: true, attempts: 2, unpricedAttempts: 1 });
      expect(result.costUsd).toBeGreaterThan(0);
      expect(summary.costUsd).toBe(result.costUsd);
    });

    it('counts what failed attempts cost in the result and the summary', async () => {
      const { fake, result, summary } = await run(adapter, () => ({ fault: 'schemaViolation', usage: undefined }) as FakeReply);
      await using _ = fake;
      expect(result).toMatchObject({ ok: false, attempts: 4, unpricedAttempts: 0, error: { code: 'schema_violation' } });
      expect(result.costUsd).toBeGreaterThan(0);
      expect(summary.costUsd).toBe(result.costUsd);
    });
  });
}
