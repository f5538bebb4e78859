// A key planted in the adapter's config must appear in no log line, event, result or error,
// even when the provider echoes it back in its error messages. Image bytes neither.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LlmBatchClient } from './client.js';
import { adapters, makeRequest } from './test-support.js';
import { type FakeReply, startFakeProvider } from './testing/fake-provider.js';
import { createVirtualClock } from './testing/virtual-clock.js';

const KEY = 'sk-PLANTED-b7e1f0c4d2a94e6f8c3b5a7d9e1f2a4c';
const IMAGE = new Uint8Array(Array.from({ length: 300 }, (_, i) => (i * 37) % 256));

for (const adapter of adapters) {
  describe(`secrets (${adapter.name})`, () => {
    it('never shows the key or image bytes in logs, events, results or errors', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'llm-batch-secrets-'));
      try {
        const echo = (headers: Record<string, unknown>) =>
          `echo: authorization=${String(headers.authorization)} x-api-key=${String(headers['x-api-key'])} raw ${KEY}`;
        await using fake = await startFakeProvider({
          respond: ({ id, attempt, headers }): FakeReply | undefined => {
            if (id === 'unauthorized' || id === 'refused') return { fault: 'httpError', status: id === 'refused' ? 400 : 401, message: echo(headers) };
            if (id === 'server' && attempt === 1) return { fault: 'serverError', status: 500 };
            if (id === 'server') return { fault: 'httpError', status: 503, message: echo(headers) };
            if (id === 'limited') return { fault: 'rateLimit', retryAfterMs: 10 };
            if (id === 'bad-json') return { content: `not json ${KEY}` };
            return undefined;
          },
        });
        const client = new LlmBatchClient({ provider: adapter.create(fake, KEY), logDir: dir, clock: createVirtualClock(), maxRetries: 1 });
        const events: unknown[] = [];
        const results: unknown[] = [];
        const ids = ['ok', 'refused', 'server', 'limited', 'bad-json'];
        const summary = await client.processBatch(
          ids.map((id) => makeRequest(id, { images: [{ mediaType: 'image/png', data: IMAGE }] })),
          { onEvent: (e) => events.push(e), onResult: (r) => void results.push(r) },
        );
        expect(summary).toMatchObject({ done: 1, failed: 4 });
        // The key did reach the server as a credential, and the server did echo it back.
        expect(JSON.stringify(fake.requests[0]?.headers)).toContain(KEY);

        const imageBase64 = Buffer.from(IMAGE).toString('base64');
        const texts: [string, string][] = [
          ['events', JSON.stringify(events)],
          ['results', JSON.stringify(results)],
          ['summary', JSON.stringify(summary)],
        ];
        // A 401 stops the client with one message that quotes the provider's answer: redacted too.
        const stoppedEvents: unknown[] = [];
        const stopped = await new LlmBatchClient({ provider: adapter.create(fake, KEY), clock: createVirtualClock() }).processBatch(
          [makeRequest('unauthorized')],
          {
            onEvent: (e) => stoppedEvents.push(e),
          },
        );
        expect(stopped.stopped?.code).toBe('auth');
        texts.push(['stopped summary', JSON.stringify(stopped)], ['stopped events', JSON.stringify(stoppedEvents)]);
        for (const file of await readdir(dir)) texts.push([file, await readFile(join(dir, file), 'utf8')]);
        expect(texts.length).toBe(6);
        for (const [where, text] of texts) {
          expect(text, where).not.toContain(KEY);
          expect(text, where).not.toContain(KEY.slice(3, 20));
          expect(text, where).not.toContain(imageBase64.slice(0, 40));
        }
        expect(texts[1]?.[1]).toContain('[REDACTED]');
        expect(texts[4]?.[1]).toContain('[REDACTED]');

        // Errors thrown by the adapter itself carry no key either, in message or stack.
        const provider = adapter.create(fake, KEY);
        const error = (await provider
          .send(
            {
              id: 'unauthorized',
              model: 'm',
              messages: [{ role: 'user', content: 'x' }],
              images: [],
              responseSchema: { name: 'n', schema: { type: 'object' } },
            },
            { signal: new AbortController().signal, timeoutMs: 5000, now: Date.now },
          )
          .catch((e: unknown) => e)) as Error;
        expect(`${error.message}\n${error.stack}\n${JSON.stringify(error)}`).not.toContain(KEY);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
}
