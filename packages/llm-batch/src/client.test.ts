import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LlmBatchClient } from './client.js';
import { DEFAULT_BATCH_OPTIONS } from './options.js';
import { openaiCompatible } from './providers/openai-compatible.js';
import { adapters, makeRequest } from './test-support.js';
import { startFakeProvider } from './testing/fake-provider.js';
import { createVirtualClock } from './testing/virtual-clock.js';
import type { LlmBatchEvent, LlmRequest, LlmResult } from './types.js';

async function tempDir(): Promise<AsyncDisposable & { path: string }> {
  const path = await mkdtemp(join(tmpdir(), 'llm-batch-'));
  return { path, [Symbol.asyncDispose]: () => rm(path, { recursive: true, force: true }) };
}

describe('LlmBatchClient: options', () => {
  it('exports its defaults', () => {
    expect(DEFAULT_BATCH_OPTIONS).toMatchObject({ maxWorkers: 30, requestsPerMinute: 150, maxRetries: 3, retryJitter: 0.25, timeoutMs: 120_000 });
    const client = new LlmBatchClient({ provider: openaiCompatible({ apiKey: 'k' }) });
    expect(client.options).toMatchObject(DEFAULT_BATCH_OPTIONS);
  });

  it.each([
    [{ maxWorkers: 0 }, /`maxWorkers` must be an integer >= 1, got 0/],
    [{ maxWorkers: 1.5 }, /`maxWorkers`/],
    [{ requestsPerMinute: 0 }, /`requestsPerMinute` must be an integer >= 1 or Infinity, got 0/],
    [{ maxRetries: -1 }, /`maxRetries` must be an integer >= 0, got -1/],
    [{ retryJitter: 2 }, /`retryJitter` must be a number in \[0, 1\], got 2/],
    [{ timeoutMs: 0 }, /`timeoutMs` must be a positive number/],
    [{ retryBaseDelayMs: 5000, retryMaxDelayMs: 1000 }, /`retryMaxDelayMs` must be a number >= retryBaseDelayMs \(5000\), got 1000/],
    [{ logDir: '' }, /`logDir` must be a folder path/],
  ])('refuses %o with a precise TypeError', (bad, message) => {
    expect(() => new LlmBatchClient({ provider: openaiCompatible({ apiKey: 'k' }), ...bad })).toThrow(message);
  });

  it('refuses a missing provider', () => {
    expect(() => new LlmBatchClient({} as never)).toThrow(/Missing required option `provider`/);
  });

  it('accepts Infinity as requestsPerMinute, and undefined as "use the default"', () => {
    const client = new LlmBatchClient({ provider: openaiCompatible({ apiKey: 'k' }), requestsPerMinute: Number.POSITIVE_INFINITY, maxWorkers: undefined });
    expect(client.options.requestsPerMinute).toBe(Number.POSITIVE_INFINITY);
    expect(client.options.maxWorkers).toBe(30);
  });
});

for (const adapter of adapters) {
  describe(`LlmBatchClient with ${adapter.name}`, () => {
    it('delivers results as they finish, in any order, with value, usage, cost, timings and metadata', async () => {
      await using fake = await startFakeProvider({
        respond: ({ id }) => ({ json: { blocks: [id, 'b'] }, latencyMs: id === 'slow' ? 150 : 0, usage: { promptTokens: 1000, completionTokens: 100 } }),
      });
      const client = new LlmBatchClient({ provider: adapter.create(fake) });
      const order: string[] = [];
      const results = new Map<string, LlmResult>();
      const summary = await client.processBatch([makeRequest('slow'), makeRequest('fast')], {
        onResult: (r) => {
          order.push(r.id);
          results.set(r.id, r);
        },
      });
      expect(order).toEqual(['fast', 'slow']);
      const slow = results.get('slow');
      expect(slow).toMatchObject({
        ok: true,
        value: { blocks: ['slow', 'b'] },
        attempts: 1,
        usage: { promptTokens: 1000, completionTokens: 100, totalTokens: 1100 },
        model: 'gpt-4o-mini',
        provider: adapter.create(fake).name,
        metadata: { page: 'slow' },
      });
      // gpt-4o-mini: $0.15 in, $0.60 out per million tokens.
      expect(slow?.costUsd).toBeCloseTo((1000 * 0.15 + 100 * 0.6) / 1e6, 12);
      expect(slow?.queueMs).toBeGreaterThanOrEqual(0);
      expect(slow?.executionMs).toBeGreaterThanOrEqual(0);
      expect(summary).toMatchObject({ total: 2, done: 2, failed: 0, notDone: 0, results: 2, attempts: 2, unpricedAttempts: 0, aborted: false });
      expect(summary.costUsd).toBeCloseTo((2 * (1000 * 0.15 + 100 * 0.6)) / 1e6, 12);
      expect(summary.usage).toEqual({ promptTokens: 2000, completionTokens: 200, totalTokens: 2200 });
    });

    it('enforces the exact schema locally (prefixItems, min/maxItems), whatever the provider let through', async () => {
      const schema = {
        name: 'row',
        schema: {
          type: 'object',
          properties: { cells: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'integer' }], items: false, minItems: 2, maxItems: 2 } },
          required: ['cells'],
          additionalProperties: false,
        },
      };
      const answers = [{ cells: ['a'] }, { cells: ['a', 'b'] }, { cells: ['a', 1, 2] }, { cells: ['a', 1] }];
      await using fake = await startFakeProvider({ respond: ({ attempt }) => ({ json: answers[attempt - 1] }) });
      const client = new LlmBatchClient({ provider: adapter.create(fake), clock: createVirtualClock(), maxRetries: 3 });
      const events: LlmBatchEvent[] = [];
      const results: LlmResult[] = [];
      await client.processBatch([makeRequest('r', { responseSchema: schema })], { onEvent: (e) => events.push(e), onResult: (r) => void results.push(r) });
      expect(results[0]).toMatchObject({ ok: true, attempts: 4, value: { cells: ['a', 1] } });
      const reasons = events.flatMap((e) => (e.type === 'retrying' ? [e.reason] : []));
      expect(reasons).toEqual([
        'response violates schema: /cells must NOT have fewer than 2 items',
        'response violates schema: /cells/1 must be integer',
        'response violates schema: /cells must NOT have more than 2 items',
      ]);
    });

    it('refuses requests it cannot send, without sending them, and goes on with the others', async () => {
      await using fake = await startFakeProvider();
      const client = new LlmBatchClient({ provider: adapter.create(fake) });
      const results = new Map<string, LlmResult>();
      const summary = await client.processBatch(
        [
          makeRequest('no-schema', { responseSchema: undefined as never }),
          makeRequest('array-root', { responseSchema: { name: 'list', schema: { type: 'array' } } }),
          makeRequest('bad-name', { responseSchema: { name: 'has space', schema: { type: 'object' } } }),
          makeRequest('bad-schema', { responseSchema: { name: 'x', schema: { type: 'object', properties: { a: { type: 'nonsense' } } } } }),
          makeRequest('no-messages', { messages: [] }),
          makeRequest('ok'),
        ],
        { onResult: (r) => void results.set(r.id, r) },
      );
      expect(fake.requests.map((r) => r.id)).toEqual(['ok']);
      expect(summary).toMatchObject({ done: 1, failed: 5, attempts: 1 });
      const reason = (id: string) => {
        const r = results.get(id);
        return r && !r.ok ? r.error.reason : undefined;
      };
      expect(results.get('no-schema')).toMatchObject({ ok: false, attempts: 0, costUsd: 0, error: { retryable: false } });
      expect(reason('no-schema')).toMatch(/^refused before sending: responseSchema is required/);
      expect(reason('array-root')).toMatch(/must have type "object" at its root/);
      expect(reason('bad-name')).toMatch(/responseSchema.name must match/);
      expect(reason('bad-schema')).toMatch(/not a valid JSON Schema/);
      expect(reason('no-messages')).toMatch(/messages must be a non-empty array/);
    });

    it('throws before sending anything when two requests share an id', async () => {
      await using fake = await startFakeProvider();
      const client = new LlmBatchClient({ provider: adapter.create(fake) });
      await expect(client.processBatch([makeRequest('a'), makeRequest('b'), makeRequest('a')])).rejects.toThrow(/two requests share the id "a" \(index 2\)/);
      expect(fake.requests).toHaveLength(0);
    });

    it('loads images only when a request starts, once per attempt, so queued requests hold no bytes', async () => {
      const maxWorkers = 3;
      await using fake = await startFakeProvider({
        respond: ({ id, attempt }) => (id === 'r0' && attempt === 1 ? { fault: 'serverError' } : { json: { blocks: ['a', 'b'] }, latencyMs: 5 }),
      });
      const client = new LlmBatchClient({ provider: adapter.create(fake), maxWorkers, clock: createVirtualClock() });
      let loads = 0;
      let finished = 0;
      let maxHeld = 0;
      const requests: LlmRequest[] = Array.from({ length: 20 }, (_, i) =>
        makeRequest(`r${i}`, {
          images: [
            {
              mediaType: 'image/jpeg',
              load: async () => {
                loads++;
                maxHeld = Math.max(maxHeld, loads - finished);
                return new Uint8Array([0xff, 0xd8, i]);
              },
            },
          ],
        }),
      );
      // An attempt lets go of its bytes when it ends: with a result, or with a retry to come.
      await client.processBatch(requests, { onResult: () => void finished++, onEvent: (e) => void (e.type === 'retrying' && finished++) });
      expect(loads).toBe(21); // r0 twice: the bytes are not kept between attempts
      // + 1: the next request may load before the previous result is delivered (its bytes are already dropped).
      expect(maxHeld).toBeLessThanOrEqual(maxWorkers + 1);
      expect(fake.requests.find((r) => r.id === 'r7')?.images[0]?.data).toEqual(Buffer.from([0xff, 0xd8, 7]));
    });

    it('fails a request whose image does not load, without sending it', async () => {
      await using fake = await startFakeProvider();
      const client = new LlmBatchClient({ provider: adapter.create(fake) });
      const results: LlmResult[] = [];
      await client.processBatch([makeRequest('a', { images: [{ mediaType: 'image/png', load: () => Promise.reject(new Error('ENOENT page_0001.png')) }] })], {
        onResult: (r) => void results.push(r),
      });
      expect(fake.requests).toHaveLength(0);
      expect(results[0]).toMatchObject({ ok: false, attempts: 0, error: { reason: 'image failed to load: ENOENT page_0001.png', retryable: false } });
    });

    it('emits queued, started, retrying, completed / failed and progress events', async () => {
      await using fake = await startFakeProvider({
        respond: ({ id, attempt }) => (id === 'bad' ? { fault: 'httpError', status: 400 } : attempt === 1 ? { fault: 'serverError', status: 503 } : undefined),
      });
      const client = new LlmBatchClient({ provider: adapter.create(fake), clock: createVirtualClock(), maxWorkers: 1 });
      const events: LlmBatchEvent[] = [];
      await client.processBatch([makeRequest('good'), makeRequest('bad')], { onEvent: (e) => events.push(e) });
      const forGood = events.filter((e) => 'id' in e && e.id === 'good').map((e) => e.type);
      expect(forGood).toEqual(['queued', 'started', 'retrying', 'started', 'completed']);
      expect(events.filter((e) => 'id' in e && e.id === 'bad').map((e) => e.type)).toEqual(['queued', 'started', 'failed']);
      const retrying = events.find((e) => e.type === 'retrying');
      expect(retrying).toMatchObject({ id: 'good', attempt: 1, status: 503, delayMs: expect.any(Number) });
      const progress = events.filter((e) => e.type === 'progress');
      expect(progress.at(0)).toMatchObject({ total: 2, done: 0, failed: 0, inFlight: 0, queued: 2 });
      expect(progress.some((p) => p.type === 'progress' && p.inFlight === 1 && p.queued === 1)).toBe(true);
      expect(progress.at(-1)).toMatchObject({ total: 2, done: 1, failed: 1, inFlight: 0, queued: 0 });
    });

    it('costs: provider-reported cost first, then the pricing table (extensible), unknown as null, failed attempts paid', async () => {
      await using fake = await startFakeProvider({
        respond: ({ id, attempt }) => {
          if (id === 'violates-first' && attempt === 1) return { fault: 'schemaViolation', usage: undefined };
          return {
            json: { blocks: ['a', 'b'] },
            usage: { promptTokens: 1_000_000, completionTokens: 1_000_000 },
            ...(id === 'reported' ? { costUsd: 0.5 } : {}),
          };
        },
      });
      const client = new LlmBatchClient({
        provider: adapter.create(fake),
        clock: createVirtualClock(),
        pricing: { 'my-local-model': { inputPerMillion: 1, outputPerMillion: 2 } },
      });
      const results = new Map<string, LlmResult>();
      const summary = await client.processBatch(
        [
          makeRequest('table', { model: 'my-local-model' }),
          makeRequest('unknown', { model: 'mystery-model' }),
          makeRequest('reported', { model: 'mystery-model' }),
          makeRequest('violates-first', { model: 'my-local-model' }),
        ],
        { onResult: (r) => void results.set(r.id, r) },
      );
      expect(results.get('table')?.costUsd).toBe(3);
      expect(results.get('unknown')?.costUsd).toBeNull();
      expect(results.get('unknown')?.usage?.totalTokens).toBe(2_000_000);
      if (adapter.name === 'openaiCompatible') expect(results.get('reported')?.costUsd).toBe(0.5);
      else expect(results.get('reported')?.costUsd).toBeNull(); // Anthropic reports no cost, and the model has no price
      // The rejected first answer was paid for too.
      const violating = results.get('violates-first');
      expect(violating?.attempts).toBe(2);
      expect(violating?.costUsd).toBeGreaterThan(3);
      expect(summary.unpricedAttempts).toBe(adapter.name === 'openaiCompatible' ? 1 : 2);
    });

    it('on abort: stops sending, cancels what is in flight, reports the rest as not done and resolves', async () => {
      await using fake = await startFakeProvider({ respond: ({ id }) => (id === 'quick' ? undefined : { fault: 'hang' }) });
      const client = new LlmBatchClient({ provider: adapter.create(fake), maxWorkers: 3 });
      const controller = new AbortController();
      const results: LlmResult[] = [];
      const events: LlmBatchEvent[] = [];
      const requests = [makeRequest('quick'), ...Array.from({ length: 10 }, (_, i) => makeRequest(`hang${i}`))];
      const summary = await client.processBatch(requests, {
        signal: controller.signal,
        onResult: (r) => void results.push(r),
        onEvent: (e) => {
          events.push(e);
          // Abort once three sends hang at the server: 'quick' is done, 3 are in flight.
          if (e.type === 'started' && events.filter((x) => x.type === 'started').length === 4) {
            const waitForServer = () => (fake.requests.length >= 4 ? controller.abort() : setTimeout(waitForServer, 2));
            waitForServer();
          }
        },
      });
      expect(summary).toMatchObject({ aborted: true, done: 1, failed: 0, notDone: 10, results: 1 });
      expect(summary.notDoneIds.sort()).toEqual(
        requests
          .slice(1)
          .map((r) => r.id)
          .sort(),
      );
      expect(results.map((r) => r.id)).toEqual(['quick']);
      expect(events.some((e) => e.type === 'failed')).toBe(false);
      expect(fake.requests).toHaveLength(4);
    });

    it('on abort during a backoff wait: no further send, not done', async () => {
      await using fake = await startFakeProvider({ respond: () => ({ fault: 'serverError' }) });
      const controller = new AbortController();
      const client = new LlmBatchClient({
        provider: adapter.create(fake),
        // Abort while the client sleeps before its first retry; the sleep must see the abort.
        clock: {
          now: () => Date.now(),
          sleep: (_ms, signal) => {
            controller.abort();
            return signal?.aborted ? Promise.reject(signal.reason) : new Promise(() => undefined);
          },
        },
      });
      const summary = await client.processBatch([makeRequest('a')], { signal: controller.signal });
      expect(fake.requests).toHaveLength(1);
      expect(summary).toMatchObject({ aborted: true, notDone: 1, failed: 0, attempts: 1 });
    });

    it('with an already aborted signal sends nothing', async () => {
      await using fake = await startFakeProvider();
      const client = new LlmBatchClient({ provider: adapter.create(fake) });
      const summary = await client.processBatch([makeRequest('a'), makeRequest('b')], { signal: AbortSignal.abort() });
      expect(fake.requests).toHaveLength(0);
      expect(summary).toMatchObject({ aborted: true, notDone: 2, done: 0 });
    });

    it('when onResult throws: stops starting new requests, lets those in flight finish, rejects with that error', async () => {
      await using fake = await startFakeProvider({ latencyMs: 5 });
      const client = new LlmBatchClient({ provider: adapter.create(fake), maxWorkers: 2 });
      const bug = new Error('cannot save page');
      const seen: string[] = [];
      await expect(
        client.processBatch(
          Array.from({ length: 20 }, (_, i) => makeRequest(`r${i}`)),
          {
            onResult: (r) => {
              seen.push(r.id);
              throw bug;
            },
          },
        ),
      ).rejects.toBe(bug);
      expect(fake.requests.length).toBeLessThanOrEqual(4);
      expect(seen.length).toBe(fake.requests.length);
    });

    it('awaits an async onResult', async () => {
      await using fake = await startFakeProvider();
      const client = new LlmBatchClient({ provider: adapter.create(fake) });
      const saved: string[] = [];
      await client.processBatch([makeRequest('a'), makeRequest('b')], {
        onResult: async (r) => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          saved.push(r.id);
        },
      });
      expect(saved.sort()).toEqual(['a', 'b']);
    });

    it('writes one JSON line per request to a new file in logDir, and a batch line', async () => {
      await using dir = await tempDir();
      await using fake = await startFakeProvider({
        respond: ({ id }) => (id === 'bad' ? { fault: 'httpError', status: 400, message: 'bad image' } : undefined),
      });
      const client = new LlmBatchClient({ provider: adapter.create(fake), logDir: join(dir.path, 'logs') });
      const image = new Uint8Array(64).fill(7);
      const first = await client.processBatch([makeRequest('good', { images: [{ mediaType: 'image/png', data: image }] }), makeRequest('bad')]);
      const second = await client.processBatch([makeRequest('again')]);
      const files = await readdir(join(dir.path, 'logs'));
      expect(files).toHaveLength(2);
      expect(first.logFile).not.toBe(second.logFile);
      expect(files.every((f) => /^llm-\d{4}-\d{2}-\d{2}T[\d-]+Z(-\d+)?\.jsonl$/.test(f))).toBe(true);
      const text = await readFile(first.logFile as string, 'utf8');
      const lines = text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines).toHaveLength(3);
      const byId = new Map(lines.map((l) => [l.id ?? l.type, l]));
      expect(byId.get('good')).toMatchObject({
        status: 'done',
        attempts: 1,
        model: 'gpt-4o-mini',
        usage: { totalTokens: expect.any(Number) },
        costUsd: expect.any(Number),
        queueMs: expect.any(Number),
        executionMs: expect.any(Number),
      });
      expect(byId.get('bad')).toMatchObject({ status: 'failed', attempts: 1, httpStatus: 400, error: expect.stringContaining('bad image') });
      expect(byId.get('batch')).toMatchObject({ total: 2, done: 1, failed: 1 });
      expect(text).not.toContain(Buffer.from(image).toString('base64'));
      expect(text).not.toContain('Read page');
    });
  });
}

describe('LlmBatchClient: one client, two batches at once', () => {
  it('shares one concurrency budget between concurrent batches', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    await using fake = await startFakeProvider({
      respond: async () => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 10));
        inFlight--;
        return undefined;
      },
    });
    const client = new LlmBatchClient({ provider: adapters[0]!.create(fake), maxWorkers: 4 });
    const [a, b] = await Promise.all([
      client.processBatch(Array.from({ length: 12 }, (_, i) => makeRequest(`a${i}`))),
      client.processBatch(Array.from({ length: 12 }, (_, i) => makeRequest(`b${i}`))),
    ]);
    expect(a.done + b.done).toBe(24);
    expect(maxInFlight).toBeLessThanOrEqual(4);
    expect(maxInFlight).toBeGreaterThan(1);
  });
});
