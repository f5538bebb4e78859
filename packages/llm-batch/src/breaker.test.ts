import { describe, expect, it } from 'vitest';
import { LlmBatchClient } from './client.js';
import { anthropic } from './providers/anthropic.js';
import { openaiCompatible } from './providers/openai-compatible.js';
import { makeRequest } from './test-support.js';
import { type FakeReply, startFakeProvider } from './testing/fake-provider.js';
import { createVirtualClock } from './testing/virtual-clock.js';
import type { LlmBatchEvent, LlmResult } from './types.js';

const adapters = [
  {
    name: 'openaiCompatible',
    keyVariable: 'OPENAI_API_KEY',
    create: (fake: { openaiBaseURL: string }) => openaiCompatible({ baseURL: fake.openaiBaseURL, apiKey: 'sk-test', apiKeyVariable: 'OPENAI_API_KEY' }),
    baseURL: (fake: { openaiBaseURL: string; anthropicBaseURL: string }) => fake.openaiBaseURL,
  },
  {
    name: 'anthropic',
    keyVariable: 'ANTHROPIC_API_KEY',
    create: (fake: { anthropicBaseURL: string }) => anthropic({ baseURL: fake.anthropicBaseURL, apiKey: 'sk-ant-test' }),
    baseURL: (fake: { openaiBaseURL: string; anthropicBaseURL: string }) => fake.anthropicBaseURL,
  },
];

const stops: [string, FakeReply, string, RegExp][] = [
  ['a 401 (refused key)', { fault: 'unauthorized' }, 'auth', /refused the API key/],
  ['a 403', { fault: 'httpError', status: 403, message: 'model not allowed for this key' }, 'permission', /refused access/],
  ['an exhausted quota', { fault: 'quotaExhausted' }, 'quota', /quota or credit/],
  ['a 429 asking to wait an hour', { fault: 'rateLimit', retryAfterSeconds: 3600 }, 'retry_too_long', /asked to wait 3600 s/],
  ['a 503 asking to wait an hour', { fault: 'serverError', status: 503, retryAfterSeconds: 3600 }, 'retry_too_long', /asked to wait 3600 s/],
];

for (const adapter of adapters) {
  describe(`batch-wide stop (${adapter.name})`, () => {
    for (const [name, reply, code, message] of stops) {
      it(`${name} stops all sending at once, with one message, and leaves every request not done`, async () => {
        const clock = createVirtualClock();
        // Page 3's request is the first to meet the problem; the others would meet it too.
        await using fake = await startFakeProvider({ respond: ({ id }) => (id === 'r3' || fake.requests.length > 3 ? reply : undefined) });
        const client = new LlmBatchClient({ provider: adapter.create(fake), maxWorkers: 1, clock });
        const events: LlmBatchEvent[] = [];
        const results: LlmResult[] = [];
        const summary = await client.processBatch(
          Array.from({ length: 50 }, (_, i) => makeRequest(`r${i}`)),
          { onEvent: (e) => events.push(e), onResult: (r) => void results.push(r) },
        );
        // r0..r2 done; r3 got the answer and nothing was sent after it.
        expect(fake.requests.map((r) => r.id)).toEqual(['r0', 'r1', 'r2', 'r3']);
        expect(summary).toMatchObject({ done: 3, failed: 0, notDone: 47, stopped: { code } });
        expect(summary.notDoneIds).toContain('r3');
        expect(results.every((r) => r.ok)).toBe(true);
        expect(summary.stopped?.message).toMatch(message);
        expect(summary.stopped?.message).toContain(adapter.baseURL(fake));
        if (code !== 'retry_too_long') expect(summary.stopped?.message).toContain(adapter.keyVariable);
        expect(summary.stopped?.message).toMatch(/running again resumes them/);
        expect(summary.stopped?.message).not.toContain('sk-test');
        // One event for the batch, no per-request failures.
        expect(events.filter((e) => e.type === 'stopped')).toHaveLength(1);
        expect(events.filter((e) => e.type === 'failed')).toHaveLength(0);

        // The client stays stopped: a later batch sends nothing and says why.
        expect(client.stopped?.code).toBe(code);
        const again = await client.processBatch([makeRequest('later')]);
        expect(again).toMatchObject({ done: 0, notDone: 1, stopped: { code } });
        expect(fake.requests).toHaveLength(4);
      });
    }

    it('lets the sends in flight finish and keeps their answers', async () => {
      await using fake = await startFakeProvider({
        respond: ({ id }) => (id === 'r0' ? { fault: 'unauthorized' } : { latencyMs: 50, json: { blocks: ['a', 'b'] } }),
      });
      const client = new LlmBatchClient({ provider: adapter.create(fake), maxWorkers: 4 });
      const summary = await client.processBatch(Array.from({ length: 40 }, (_, i) => makeRequest(`r${i}`)));
      // r0 fails at once; r1..r3 were in flight and are answered; nothing else is sent.
      expect(fake.requests).toHaveLength(4);
      expect(summary).toMatchObject({ done: 3, notDone: 37, stopped: { code: 'auth', status: 401 } });
    });
  });
}
