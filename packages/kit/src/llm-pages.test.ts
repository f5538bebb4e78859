import { setTimeout as sleep } from 'node:timers/promises';
import { BasePageMetricsSchema } from '@bookpipe/contracts';
import { loadConfig, type PipelineEvent, type StageContext, silentLogger } from '@bookpipe/core';
import { anthropic, LlmBatchClient, type LlmProvider, openaiCompatible, type ProviderCall, type SendContext } from '@bookpipe/llm-batch';
import { type FakeReply, type FakeRequest, startFakeProvider } from '@bookpipe/llm-batch/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { LLM_REQUEST_FAILED, type LlmPageJob, type LlmPagePart, type LlmPagePlan, runLlmPages } from './llm-pages.js';

const MetricsSchema = BasePageMetricsSchema.extend({ letters: z.number() }).passthrough();
type Metrics = z.infer<typeof MetricsSchema>;
type Page = { text: string };

/** A stage context in memory: saved pages, journalled failures and events are kept for the test to read. */
function memoryContext(pages: number[], signal: AbortSignal = new AbortController().signal, cancel: AbortSignal = new AbortController().signal) {
  const saved = new Map<number, { data: Page; metrics: Metrics }>();
  const failed = new Map<number, string>();
  const events: PipelineEvent[] = [];
  const ctx = {
    scan: { scanId: 'book', pageNumbers: async () => pages },
    output: {
      stageName: 'proof',
      savePage: async (page: number, data: Page, metrics: Metrics) => void saved.set(page, { data, metrics }),
    },
    checkpoint: {
      remainingPages: async (expected: readonly number[]) => expected.filter((page) => !saved.has(page)),
      markFailed: async (page: number, error: string) => void failed.set(page, error),
    },
    logger: silentLogger,
    config: loadConfig({}),
    signal,
    cancel,
    emit: (event: PipelineEvent) => void events.push(event),
  } as unknown as StageContext<Page, Metrics>;
  return { ctx, saved, failed, events };
}

/** A model that answers `{ text }` in upper case, or refuses the pages in `refuse`; it counts requests in flight. */
function fakeModel(refuse: number[] = [], onSend?: (page: number) => void) {
  const state = { inFlight: 0, maxInFlight: 0, sent: [] as string[] };
  const provider: LlmProvider = {
    name: 'fake',
    redact: (text) => text,
    async send(call: ProviderCall, context: SendContext) {
      state.sent.push(call.id);
      state.inFlight++;
      state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
      const page = Number(call.id.split('_')[1]);
      onSend?.(page);
      try {
        // As the SDKs do, a send in flight is cancelled by the batch's signal.
        await sleep(5, undefined, { signal: context.signal });
      } finally {
        state.inFlight--;
      }
      const prompt = String(call.messages[0]!.content);
      return {
        output: { value: refuse.includes(page) ? { wrong: true } : { text: prompt.toUpperCase() } },
        usage: { promptTokens: 10, completionTokens: 5, totalTokens: 15 },
        costUsd: 0.01,
      };
    },
  };
  return { provider, state };
}

const schema = { name: 'page', schema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'], additionalProperties: false } };

function plan(page: number): LlmPagePlan<{ text: string }, Page, Metrics> {
  // Page 4 has nothing to ask about: saved directly, no request.
  if (page === 4) return { direct: { data: { text: '' }, metrics: { letters: 0 } } };
  return {
    llm: {
      request: { messages: [{ role: 'user', content: `page ${page}` }], responseSchema: schema as never },
      finish: (value) => ({ data: { text: value.text }, metrics: { letters: value.text.length } }),
    },
  };
}

/** Page 1's plan whose every answer is refused by its review; the page's text shows which answers `finish` got. */
function alwaysReviewed(): LlmPagePlan<{ text: string }, Page, Metrics> {
  return {
    llm: {
      request: { messages: [{ role: 'user', content: 'page 1' }], responseSchema: schema as never },
      review: () => ({ messages: [{ role: 'user', content: 'again' }], responseSchema: schema as never }),
      finish: (value, _result, previous) => ({ data: { text: `${value.text}|${previous?.text}` }, metrics: { letters: 0 } }),
    },
  };
}

describe('runLlmPages', () => {
  it('sends each page through the client (its maxWorkers bounding what is in flight), saves answers with the LLM metrics, fails a refused page alone', async () => {
    const { provider, state } = fakeModel([3]);
    const client = new LlmBatchClient({ provider, maxWorkers: 2, maxRetries: 0 });
    const { ctx, saved, failed, events } = memoryContext([1, 2, 3, 4, 5, 6]);
    const stats = await runLlmPages(ctx, { llm: { client, model: 'm' }, prepare: async (page) => plan(page) });

    expect(stats).toMatchObject({ stage: 'proof', pagesProcessed: 5, pagesFailed: 1, pagesSkipped: 0, aborted: false });
    // Four answered pages and the refused page's paid attempt; the direct page cost nothing.
    expect(stats.totalCostUsd).toBeCloseTo(0.05, 6);
    expect(state.sent.sort()).toEqual(['proof_0001', 'proof_0002', 'proof_0003', 'proof_0005', 'proof_0006']);
    expect(state.maxInFlight).toBeLessThanOrEqual(2);
    expect(saved.get(1)!.data).toEqual({ text: 'PAGE 1' });
    expect(saved.get(1)!.metrics).toMatchObject({
      pageNum: 1,
      letters: 6,
      costUsd: 0.01,
      attempts: 1,
      model: 'm',
      provider: 'fake',
      promptTokens: 10,
      completionTokens: 5,
    });
    expect(saved.get(4)!.metrics).toMatchObject({ pageNum: 4, letters: 0, costUsd: 0 });
    expect(stats.failures).toEqual([
      {
        page: 3,
        error: expect.stringMatching(
          /^Scan "book", stage "proof", page 3: the fake model m gave no usable answer after 1 attempt\(s\) \(\$0\.010000\): .*Run the stage again to retry this page\.$/,
        ),
        code: LLM_REQUEST_FAILED,
      },
    ]);
    expect(failed.get(3)).toBe(stats.failures[0]!.error);
    expect(events.filter((e) => e.type === 'page:done')).toHaveLength(5);
    expect(events.find((e) => e.type === 'stage:event' && e.event.type === 'failed')).toMatchObject({ stage: 'proof', event: { id: 'proof_0003', page: 3 } });

    // A rerun sends only the failed page.
    const again = await runLlmPages(ctx, { llm: { client, model: 'm' }, prepare: async (page) => plan(page) });
    expect(again).toMatchObject({ pagesProcessed: 0, pagesFailed: 1, pagesSkipped: 5 });
    expect(state.sent.filter((id) => id === 'proof_0003')).toHaveLength(2);
  });

  it('stops the stage once when the provider refuses the key: SERVICE_STOPPED, one message, the rest left remaining', async () => {
    await using fake = await startFakeProvider({ respond: ({ callIndex }) => (callIndex >= 2 ? { fault: 'unauthorized' } : { json: { text: 'ok' } }) });
    const provider = openaiCompatible({ baseURL: fake.openaiBaseURL, apiKey: 'sk-test', apiKeyVariable: 'OPENAI_API_KEY' });
    const client = new LlmBatchClient({ provider, maxWorkers: 1 });
    const { ctx, saved, failed, events } = memoryContext([1, 2, 3, 5, 6, 7, 8, 9, 10]);
    const run = runLlmPages(ctx, { llm: { client, model: 'gpt-4o-mini' }, prepare: async (page) => plan(page), concurrency: 1 });
    await expect(run).rejects.toMatchObject({ code: 'SERVICE_STOPPED', message: expect.stringMatching(/refused the API key.*OPENAI_API_KEY/) });
    // The stage's figures so far travel with the error, for the pipeline's outcome and the CLI summary.
    await expect(run).rejects.toMatchObject({ details: { stats: { stage: 'proof', pagesProcessed: 2, pagesFailed: 0, aborted: true } } });
    // Pages 1 and 2 answered; page 3 met the 401; nothing more was sent, and no page is failed.
    expect(fake.requests).toHaveLength(3);
    expect([...saved.keys()]).toEqual([1, 2]);
    expect(failed.size).toBe(0);
    expect(events.filter((e) => e.type === 'page:failed')).toHaveLength(0);
  });

  it('on abort takes no new page and leaves the unfinished pages remaining, not failed', async () => {
    const controller = new AbortController();
    const { provider, state } = fakeModel([], (page) => {
      if (page === 2) controller.abort();
    });
    const client = new LlmBatchClient({ provider, maxWorkers: 1, maxRetries: 0 });
    const { ctx, saved, failed } = memoryContext([1, 2, 3, 4, 5], controller.signal);
    const stats = await runLlmPages(ctx, { llm: { client, model: 'm' }, prepare: async (page) => plan(page) });
    expect(stats).toMatchObject({ pagesProcessed: 1, pagesFailed: 0, aborted: true });
    expect([...saved.keys()]).toEqual([1]);
    expect(failed.size).toBe(0);
    expect(state.sent).toEqual(['proof_0001', 'proof_0002']);
  });

  it('on a graceful stop (ctx.cancel) the request already sent finishes and is saved; a queued one is never sent', async () => {
    // Issue 14 item 8: Ctrl-C cancelled the requests in flight, and the resumed run paid for them again.
    const cancel = new AbortController();
    const { provider, state } = fakeModel([], (page) => {
      if (page === 1) cancel.abort();
    });
    // One send at a time, two pages in the loop: page 2 waits in the client's queue when the stop comes.
    const client = new LlmBatchClient({ provider, maxWorkers: 1, maxRetries: 0 });
    const { ctx, saved, failed } = memoryContext([1, 2, 3], undefined, cancel.signal);
    const stats = await runLlmPages(ctx, { llm: { client, model: 'm' }, concurrency: 2, prepare: async (page) => plan(page) });
    expect(state.sent).toEqual(['proof_0001']);
    expect([...saved.keys()]).toEqual([1]);
    expect(saved.get(1)!.data).toEqual({ text: 'PAGE 1' });
    expect(failed.size).toBe(0);
    expect(stats).toMatchObject({ pagesProcessed: 1, pagesFailed: 0, aborted: true });
  });

  it('keeps the workers busy while pages are being saved: a slow save does not hold the next request back', async () => {
    // Each request takes 5 ms, each save (write, fsync, journal) 30 ms. With only maxWorkers pages in
    // flight, two pages being saved held every place: nothing could be sent until a save ended.
    let saving = 0;
    let sentWhileAllSaving = 0;
    const { provider, state } = fakeModel([], () => {
      if (saving >= 2) sentWhileAllSaving++;
    });
    const client = new LlmBatchClient({ provider, maxWorkers: 2, maxRetries: 0 });
    const pages = [1, 2, 3, 5, 6, 7, 8, 9];
    const { ctx, saved } = memoryContext(pages);
    const save = ctx.output.savePage.bind(ctx.output);
    ctx.output.savePage = async (page, data, metrics) => {
      saving++;
      await sleep(30);
      saving--;
      return save(page, data, metrics);
    };
    const stats = await runLlmPages(ctx, { llm: { client, model: 'm' }, prepare: async (page) => plan(page) });
    expect(stats).toMatchObject({ pagesProcessed: 8, pagesFailed: 0 });
    expect([...saved.keys()].sort((a, b) => a - b)).toEqual(pages);
    // Still bounded by the client: never more than maxWorkers requests at the provider.
    expect(state.maxInFlight).toBe(2);
    expect(sentWhileAllSaving).toBeGreaterThan(0);
  });

  it("loads a page's image while the page waits for a worker, not inside the worker's slot, and sends those bytes", async () => {
    // One worker: the client starts page 2's attempt only when page 1's ends. A page image loaded by the
    // client inside the attempt held that worker for the load; loaded by the page loop, it is ready.
    const order: string[] = [];
    const sentBytes = new Map<string, number[]>();
    const provider: LlmProvider = {
      name: 'fake',
      redact: (text) => text,
      async send(call: ProviderCall, context: SendContext) {
        order.push(`send ${call.id}`);
        sentBytes.set(call.id, [...call.images[0]!.data]);
        await sleep(5, undefined, { signal: context.signal });
        order.push(`answered ${call.id}`);
        return { output: { value: { text: String(call.messages[0]!.content) } }, usage: { promptTokens: 1, completionTokens: 1, totalTokens: 2 } };
      },
    };
    const client = new LlmBatchClient({ provider, maxWorkers: 1, maxRetries: 0 });
    const { ctx, saved } = memoryContext([1, 2, 3]);
    const stats = await runLlmPages(ctx, {
      llm: { client, model: 'm' },
      prepare: async (page) => {
        const planned = plan(page) as { llm: LlmPageJob<{ text: string }, Page, Metrics> };
        const load = async () => {
          order.push(`load ${page}`);
          return new Uint8Array([page, page]);
        };
        return { llm: { ...planned.llm, request: { ...planned.llm.request, images: [{ mediaType: 'image/jpeg', load }] } } };
      },
    });
    expect(stats).toMatchObject({ pagesProcessed: 3, pagesFailed: 0 });
    expect(saved.size).toBe(3);
    expect(order.indexOf('load 2')).toBeLessThan(order.indexOf('answered proof_0001'));
    expect(order.filter((entry) => entry.startsWith('load'))).toHaveLength(3);
    expect(Object.fromEntries(sentBytes)).toEqual({ proof_0001: [1, 1], proof_0002: [2, 2], proof_0003: [3, 3] });
  });

  it('an image that fails to load fails its page with the reason, as the client reports it, and the others go on', async () => {
    const { provider, state } = fakeModel();
    const client = new LlmBatchClient({ provider, maxWorkers: 2, maxRetries: 0 });
    const { ctx, saved, failed } = memoryContext([1, 2]);
    const stats = await runLlmPages(ctx, {
      llm: { client, model: 'm' },
      prepare: async (page) => {
        const planned = plan(page) as { llm: LlmPageJob<{ text: string }, Page, Metrics> };
        const load = async () => {
          if (page === 2) throw new Error('ENOENT source/page_0002.png');
          return new Uint8Array([page]);
        };
        return { llm: { ...planned.llm, request: { ...planned.llm.request, images: [{ mediaType: 'image/jpeg', load }] } } };
      },
    });
    expect(stats).toMatchObject({ pagesProcessed: 1, pagesFailed: 1 });
    expect([...saved.keys()]).toEqual([1]);
    expect(failed.get(2)).toMatch(/after 0 attempt\(s\).*image failed to load: ENOENT source\/page_0002\.png/);
    expect(state.sent).toEqual(['proof_0001']);
  });

  it('review: a refused answer is asked once more; finish gets the retry with the first answer, and the page pays for both', async () => {
    const { provider, state } = fakeModel();
    const client = new LlmBatchClient({ provider, maxWorkers: 1, maxRetries: 0 });
    const { ctx, saved } = memoryContext([1, 2]);
    const seen: Array<[string, string | undefined]> = [];
    const stats = await runLlmPages(ctx, {
      llm: { client, model: 'm' },
      // One page at a time, so that the order of the sends is page 1's story, then page 2's.
      concurrency: 1,
      prepare: async (page): Promise<LlmPagePlan<{ text: string }, Page, Metrics>> => ({
        llm: {
          request: { messages: [{ role: 'user', content: `page ${page}` }], responseSchema: schema as never },
          // Page 1's first answer is refused (every review refuses it: the retry must not loop).
          review: (value) => (value.text === 'PAGE 1' ? { messages: [{ role: 'user', content: 'page 1 again' }], responseSchema: schema as never } : undefined),
          finish: (value, _result, previous) => {
            seen.push([value.text, previous?.text]);
            return { data: { text: value.text }, metrics: { letters: value.text.length } };
          },
        },
      }),
    });
    expect(stats).toMatchObject({ pagesProcessed: 2, pagesFailed: 0 });
    expect(state.sent).toEqual(['proof_0001', 'proof_0001_review', 'proof_0002']);
    expect(seen).toEqual([
      ['PAGE 1 AGAIN', 'PAGE 1'],
      ['PAGE 2', undefined],
    ]);
    expect(saved.get(1)!.metrics).toMatchObject({ attempts: 2, costUsd: 0.02, promptTokens: 20, completionTokens: 10 });
    expect(saved.get(2)!.metrics).toMatchObject({ attempts: 1, costUsd: 0.01 });
    expect(stats.totalCostUsd).toBeCloseTo(0.03, 6);
  });

  it('review: when the retry gets no usable answer, finish gets the first answer alone (still paid for both)', async () => {
    const { provider } = fakeModel([]);
    // The retry's answer violates the schema: the client gives up on it (maxRetries 0).
    const refusing: LlmProvider = {
      ...provider,
      send: (call, context) =>
        call.id.endsWith('_review')
          ? Promise.resolve({ output: { value: { wrong: true } }, usage: { promptTokens: 10, completionTokens: 5, totalTokens: 15 }, costUsd: 0.01 })
          : provider.send(call, context),
    };
    const client = new LlmBatchClient({ provider: refusing, maxWorkers: 1, maxRetries: 0 });
    const { ctx, saved } = memoryContext([1]);
    await runLlmPages(ctx, {
      llm: { client, model: 'm' },
      prepare: async () => alwaysReviewed(),
    });
    expect(saved.get(1)!.data).toEqual({ text: 'PAGE 1|undefined' });
    expect(saved.get(1)!.metrics).toMatchObject({ attempts: 2, costUsd: 0.02 });
  });

  it('review: a run stopped during the follow-up still saves the page from its first answer, already paid for', async () => {
    const controller = new AbortController();
    const { provider, state } = fakeModel([], () => {
      if (state.sent.at(-1)?.endsWith('_review')) controller.abort();
    });
    const client = new LlmBatchClient({ provider, maxWorkers: 1, maxRetries: 0 });
    const { ctx, saved } = memoryContext([1], controller.signal);
    await runLlmPages(ctx, {
      llm: { client, model: 'm' },
      prepare: async () => alwaysReviewed(),
    });
    expect(state.sent).toEqual(['proof_0001', 'proof_0001_review']);
    expect(saved.get(1)?.data).toEqual({ text: 'PAGE 1|undefined' });
    expect(saved.get(1)?.metrics).toMatchObject({ attempts: 1, costUsd: 0.01 });
  });
});

/** A page's words as one request; split, each half of the words as its own request; joined, the halves' texts. */
function wordsPart(words: readonly string[]): LlmPagePart<{ text: string }> {
  return {
    request: { messages: [{ role: 'user', content: `words: ${words.join(' ')}` }], responseSchema: schema as never, maxTokens: 100 },
    split: () => {
      if (words.length < 2) return undefined;
      const half = Math.ceil(words.length / 2);
      return { parts: [wordsPart(words.slice(0, half)), wordsPart(words.slice(half))], join: (values) => ({ text: values.map((v) => v.text).join(' ') }) };
    },
  };
}

describe.each([
  ['openai', (url: string) => openaiCompatible({ baseURL: `${url}/v1`, apiKey: 'sk-test' })],
  ['anthropic', (url: string) => anthropic({ baseURL: url, apiKey: 'sk-test' })],
] as const)('runLlmPages: an answer still cut off at the token cap (%s adapter, fake provider)', (_name, providerFor) => {
  /** The fake model cuts off any answer for more than two words, whatever the token limit. */
  const respond = (request: FakeRequest): FakeReply => {
    const words = request.text.split('words: ')[1]!.split(' ');
    return words.length > 2 ? { fault: 'truncated' } : { json: { text: words.join(' ').toUpperCase() }, usage: { promptTokens: 10, completionTokens: 5 } };
  };

  it('is asked again in parts, each part its own request; the joined answer is saved and every request counted', async () => {
    await using fake = await startFakeProvider({ respond });
    // The limit doubles once (100 -> 200 = the cap), then the page is split instead of failing.
    const client = new LlmBatchClient({ provider: providerFor(fake.url), maxWorkers: 2, maxTokensCap: 200, retryJitter: 0 });
    const { ctx, saved, failed } = memoryContext([1]);
    const part = wordsPart(['one', 'two', 'three', 'four', 'five']);
    const stats = await runLlmPages(ctx, {
      llm: { client, model: 'gpt-4o-mini' },
      prepare: async () => ({ llm: { ...part, finish: (value) => ({ data: value, metrics: { letters: value.text.length } }) } }),
    });
    expect(failed.size).toBe(0);
    expect(stats).toMatchObject({ pagesProcessed: 1, pagesFailed: 0 });
    expect(saved.get(1)!.data).toEqual({ text: 'ONE TWO THREE FOUR FIVE' });
    // Five words cut off twice (limit 100, then the cap 200); three words cut off twice; then 2 + 1 + 2 words answered.
    expect(fake.requests.map((r) => [r.id, r.maxTokens])).toEqual(
      expect.arrayContaining([
        ['proof_0001', 100],
        ['proof_0001', 200],
        ['proof_0001_part1', 100],
        ['proof_0001_part1', 200],
        ['proof_0001_part1_part1', 100],
        ['proof_0001_part1_part2', 100],
        ['proof_0001_part2', 100],
      ]),
    );
    expect(fake.requests).toHaveLength(7);
    expect(saved.get(1)!.metrics).toMatchObject({ attempts: 7 });
  });

  it('a part that cannot be cut (one word, still cut off) fails the page as truncated, its cost counted', async () => {
    await using fake = await startFakeProvider({ respond: (request) => (request.text.includes('alpha') ? { fault: 'truncated' } : respond(request)) });
    const client = new LlmBatchClient({ provider: providerFor(fake.url), maxWorkers: 2, maxTokensCap: 200, retryJitter: 0 });
    const { ctx, saved, failed } = memoryContext([1]);
    const part = wordsPart(['alpha', 'beta']);
    const stats = await runLlmPages(ctx, {
      llm: { client, model: 'gpt-4o-mini' },
      prepare: async () => ({ llm: { ...part, finish: (value) => ({ data: value, metrics: { letters: value.text.length } }) } }),
    });
    expect(saved.size).toBe(0);
    expect(stats).toMatchObject({ pagesProcessed: 0, pagesFailed: 1 });
    expect(failed.get(1)).toMatch(/after \d+ attempt\(s\).*already at maxTokensCap/);
    expect(fake.requests.map((r) => r.id).sort()).toEqual(['proof_0001', 'proof_0001', 'proof_0001_part1', 'proof_0001_part1', 'proof_0001_part2']);
  });
});
