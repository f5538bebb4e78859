import { BasePageMetricsSchema } from '@bookpipe/contracts';
import { BookpipeError, ErrorCode, loadConfig, type PipelineEvent, type StageContext, silentLogger } from '@bookpipe/core';
import { LlmBatchClient, openaiCompatible } from '@bookpipe/llm-batch';
import { type FakeProvider, startFakeProvider } from '@bookpipe/llm-batch/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BATCH_JOURNAL_FILE, type BatchJournal } from './batch-journal.js';
import { type LlmPagePlan, runLlmPages } from './llm-pages.js';
import type { LlmBatchMode } from './llm-settings.js';

const MetricsSchema = BasePageMetricsSchema.extend({ letters: z.number() }).passthrough();
type Metrics = z.infer<typeof MetricsSchema>;
type Page = { text: string };

/** A stage context in memory whose stage folder files (the batch journal) and saved pages outlive one run, as a scan's do. */
function memoryScan(pages: number[]) {
  const saved = new Map<number, { data: Page; metrics: Metrics }>();
  const failed = new Map<number, string>();
  const files = new Map<string, string>();
  const events: PipelineEvent[] = [];
  const context = (signal = new AbortController().signal) =>
    ({
      scan: { scanId: 'book', pageNumbers: async () => pages },
      output: {
        stageName: 'proof',
        savePage: async (page: number, data: Page, metrics: Metrics) => void saved.set(page, { data, metrics }),
        filePath: (name: string) => `/scan/proof/${name}`,
        writeFile: async (name: string, content: string) => void files.set(name, content),
        readFile: async (name: string) => {
          const text = files.get(name);
          if (text === undefined) throw new BookpipeError(ErrorCode.DEPENDENCY_MISSING, `no ${name}`);
          return text;
        },
      },
      checkpoint: {
        remainingPages: async (expected: readonly number[]) => expected.filter((page) => !saved.has(page)),
        markFailed: async (page: number, error: string) => void failed.set(page, error),
      },
      logger: silentLogger,
      config: loadConfig({}),
      signal,
      cancel: new AbortController().signal,
      emit: (event: PipelineEvent) => void events.push(event),
    }) as unknown as StageContext<Page, Metrics>;
  const journal = () => JSON.parse(files.get(BATCH_JOURNAL_FILE) ?? 'null') as BatchJournal | null;
  return { context, saved, failed, events, journal };
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

const usage = { promptTokens: 1000, completionTokens: 100 };
const answer = (id: string) => ({ json: { text: `answer ${id}` }, usage });

function clientFor(fake: FakeProvider) {
  // gpt-4o-mini is in the pricing table: costs are known, live and batch.
  return new LlmBatchClient({ provider: openaiCompatible({ baseURL: fake.openaiBaseURL, apiKey: 'k', batchApi: true }), batchPollIntervalMs: 1 });
}
const run = (ctx: StageContext<Page, Metrics>, fake: FakeProvider, batch: LlmBatchMode | undefined) =>
  runLlmPages(ctx, { llm: { client: clientFor(fake), model: 'gpt-4o-mini', ...(batch ? { batch } : {}) }, prepare: async (page) => plan(page) });

describe('runLlmPages in batch mode', () => {
  it('saves the same pages as a live run, from one batch, at half the cost; the journal says collected', async () => {
    await using fake = await startFakeProvider({ respond: ({ id }) => answer(id), batch: { pollsInProgress: 1 } });
    const live = memoryScan([1, 2, 3, 4]);
    const liveStats = await run(live.context(), fake, undefined);
    const batched = memoryScan([1, 2, 3, 4]);
    const stats = await run(batched.context(), fake, {});
    expect(stats).toMatchObject({ pagesProcessed: 4, pagesFailed: 0, aborted: false });
    expect(fake.batchCreateCalls()).toBe(1);
    expect(fake.batches[0]?.customIds).toEqual(['proof_0001', 'proof_0002', 'proof_0003']);
    for (const page of [1, 2, 3, 4]) expect(batched.saved.get(page)?.data).toEqual(live.saved.get(page)?.data);
    expect(stats.totalCostUsd).toBeGreaterThan(0);
    expect(stats.totalCostUsd).toBeCloseTo((liveStats.totalCostUsd as number) / 2, 12);
    expect(batched.journal()?.batches).toMatchObject([{ state: 'collected', model: 'gpt-4o-mini', handle: { id: fake.batches[0]?.id } }]);
    expect(batched.events.some((e) => e.type === 'stage:event' && e.event.type === 'batchStatus')).toBe(true);
  });

  it('wait: false submits, journals and returns; the next run collects the same batch without submitting again', async () => {
    await using fake = await startFakeProvider({ respond: ({ id }) => answer(id), batch: { pollsInProgress: 1 } });
    const scan = memoryScan([1, 2, 3, 4]);
    const first = await run(scan.context(), fake, { wait: false });
    expect(first).toMatchObject({ aborted: true, pagesFailed: 0 });
    // Only the page without a request is saved; the journal holds the batch before anything waits.
    expect([...scan.saved.keys()]).toEqual([4]);
    expect(scan.journal()?.batches).toMatchObject([{ state: 'in_progress', handle: { requestIds: ['proof_0001', 'proof_0002', 'proof_0003'] } }]);
    const second = await run(scan.context(), fake, { wait: false });
    expect(second).toMatchObject({ pagesProcessed: 3, aborted: false });
    expect([...scan.saved.keys()].sort()).toEqual([1, 2, 3, 4]);
    expect(fake.batchCreateCalls()).toBe(1);
    expect(scan.journal()?.batches).toMatchObject([{ state: 'collected' }]);
    // A third run has nothing to do and pays nothing.
    await run(scan.context(), fake, {});
    expect(fake.batchCreateCalls()).toBe(1);
  });

  it('submits only pages not yet saved, and a batch answer that fails goes live; a page failed live is journalled as failed', async () => {
    await using fake = await startFakeProvider({
      respond: ({ id, batchId }) =>
        id === 'proof_0003' ? { fault: 'httpError', status: 400 } : batchId && id === 'proof_0002' ? { fault: 'serverError' } : answer(id),
      batch: { pollsInProgress: 0 },
    });
    const scan = memoryScan([1, 2, 3, 4, 5]);
    scan.saved.set(1, { data: { text: 'kept' }, metrics: { pageNum: 1, processingTimeSeconds: 0, costUsd: 0, letters: 4 } });
    const stats = await run(scan.context(), fake, {});
    expect(fake.batches[0]?.customIds).toEqual(['proof_0002', 'proof_0003', 'proof_0005']);
    expect(scan.saved.get(1)?.data.text).toBe('kept');
    expect(scan.saved.get(2)?.data.text).toBe('answer proof_0002');
    expect(scan.saved.get(2)?.metrics).toMatchObject({ attempts: 1 });
    expect(stats).toMatchObject({ pagesProcessed: 3, pagesFailed: 1 });
    expect(scan.failed.get(3)).toMatch(/page 3: .*HTTP 400.*Run the stage again/s);
  });

  it('a stop while waiting (Ctrl-C) leaves the batch journaled and its pages remaining, not failed', async () => {
    await using fake = await startFakeProvider({ respond: ({ id }) => answer(id), batch: { pollsInProgress: 1_000 } });
    const scan = memoryScan([1, 2, 3]);
    const stop = new AbortController();
    const ctx = scan.context(stop.signal);
    // Stop at the first status line: the batch has been submitted and journaled by then.
    const emit = ctx.emit;
    (ctx as { emit: typeof emit }).emit = (event) => {
      emit(event);
      if (event.type === 'stage:event' && event.event.type === 'batchStatus') stop.abort();
    };
    const stats = await run(ctx, fake, {});
    expect(stats).toMatchObject({ aborted: true, pagesFailed: 0, pagesProcessed: 0 });
    expect(scan.saved.size).toBe(0);
    expect(scan.failed.size).toBe(0);
    expect(scan.journal()?.batches).toMatchObject([{ state: 'in_progress', counts: { providerStatus: 'in_progress', total: 3 } }]);
    expect(fake.batchCreateCalls()).toBe(1);
  });

  it('refuses a provider without a batch API before anything is sent', async () => {
    await using fake = await startFakeProvider();
    const scan = memoryScan([1, 2]);
    const client = new LlmBatchClient({ provider: openaiCompatible({ baseURL: fake.openaiBaseURL, apiKey: 'k' }) });
    await expect(runLlmPages(scan.context(), { llm: { client, model: 'm', batch: {} }, prepare: async (page) => plan(page) })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(/stage "proof": the batch could not be submitted: .*has no batch API/),
    });
    expect(fake.httpCalls()).toBe(0);
    expect(scan.journal()).toBeNull();
  });
});
