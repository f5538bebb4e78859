/**
 * The correction stage with a model, on real pages (source and OCR by the real stages), through the
 * real `openai` SDK against the fake provider of @bookpipe/llm-batch/testing: the exact request, the
 * retry of an answer with a block too many, a failed page among finished ones, resume, and cost.
 */

import { readFile, rm } from 'node:fs/promises';
import { CorrectionPageSchema, type OcrPage } from '@bookpipe/contracts';
import { loadConfig, Pipeline, type PipelineEvent, type StageStats, silentLogger } from '@bookpipe/core';
import { LlmBatchClient, openaiCompatible } from '@bookpipe/llm-batch';
import { createVirtualClock, type FakeRequest, startFakeProvider } from '@bookpipe/llm-batch/testing';
import { type CorrectionAnswer, CorrectionStage, type CorrectionStageOptions } from '@bookpipe/stage-correction';
import type { JsonSchemaNode } from '@bookpipe/testkit';
import { editDistance } from '@bookpipe/text';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyOf, hasEval, makeRealScan, noteSkip, REAL_PAGES, type RealScan } from '../support/real-scan.js';

noteSkip('correction stage with a model (fake provider)');

interface PromptParagraph {
  parNum: number;
  box: number[];
  confidence: number;
  text: string;
  doubtfulWords?: string[];
}
interface PromptPage {
  page: number;
  blocks: Array<{ blockNum: number; box: number[]; paragraphs: PromptParagraph[] }>;
}

/** The page JSON of a correction request, as the model reads it. */
function promptPage(request: FakeRequest): PromptPage {
  const line = request.text.split('(the page image is attached):\n')[1]?.split('\n')[0];
  if (line === undefined) throw new Error(`request ${request.id} has no page JSON`);
  return JSON.parse(line) as PromptPage;
}

/**
 * A valid answer: every paragraph unchanged, except `edit` applied to the first paragraph of 100+ characters
 * (long enough for the 12 characters of " [corrected]" to stay within the stage's 15% change limit).
 */
function answerFor(request: FakeRequest, edit?: (text: string) => string): CorrectionAnswer {
  const page = promptPage(request);
  const first = page.blocks.flatMap((b) => b.paragraphs.map((p) => ({ b, p }))).find(({ p }) => p.text.length >= 100);
  return {
    blocks: page.blocks.map((block) => ({
      blockNum: block.blockNum,
      paragraphs: block.paragraphs.map((paragraph) =>
        edit && first?.p === paragraph
          ? { parNum: paragraph.parNum, edits: [{ find: paragraph.text, replace: edit(paragraph.text) }], notes: 'test edit', confidence: 0.8 }
          : { parNum: paragraph.parNum, edits: [], notes: '', confidence: 0.95 },
      ),
    })),
  };
}

const USAGE = { promptTokens: 2000, completionTokens: 300 };
/** gpt-4o-mini at $0.15 / $0.60 per million tokens (DEFAULT_PRICING of @bookpipe/llm-batch). */
const ATTEMPT_COST = (2000 * 0.15 + 300 * 0.6) / 1e6;

async function runStage(scan: Awaited<ReturnType<typeof copyOf>>, options: CorrectionStageOptions, events: PipelineEvent[] = []): Promise<StageStats> {
  const result = await new Pipeline({
    scan,
    stages: [new CorrectionStage(options)],
    config: loadConfig({}),
    logger: silentLogger,
    onEvent: (e) => events.push(e),
  }).run();
  const outcome = result.stages.correction;
  if (outcome?.status !== 'done') throw new Error(`correction did not run: ${JSON.stringify(outcome)}`);
  return outcome.stats;
}

const ocrTextOf = (page: OcrPage, blockNum: number, parNum: number) =>
  page.blocks
    .find((b) => b.blockNum === blockNum)!
    .paragraphs.find((p) => p.parNum === parNum)!
    .lines.map((l) => l.text.trim())
    .filter(Boolean)
    .join(' ');

describe.skipIf(!hasEval)('CorrectionStage with a model, against the fake provider through the openai SDK', () => {
  let base: RealScan;
  beforeAll(async () => {
    base = await makeRealScan(REAL_PAGES());
  }, 300_000);
  afterAll(() => (base ? rm(base.root, { recursive: true, force: true }) : undefined));

  it('sends one request per page: the page image downscaled to 1024 px as JPEG, the OCR page as numbered JSON, a schema pinned to its blocks and paragraphs', async () => {
    const scan = await copyOf(base);
    await using fake = await startFakeProvider({ respond: (request) => ({ json: answerFor(request, (text) => `${text} [corrected]`), usage: USAGE }) });
    const stats = await runStage(scan, { llm: { provider: openaiCompatible({ baseURL: fake.openaiBaseURL, apiKey: 'test' }), model: 'gpt-4o-mini' } });
    expect(stats).toMatchObject({ pagesProcessed: 3, pagesFailed: 0 });
    expect(fake.requests.map((r) => r.id).sort()).toEqual(['correction_0001', 'correction_0002', 'correction_0003']);

    for (const request of fake.requests) {
      const pageNumber = Number(request.id.slice(-4));
      const ocr = base.ocr[pageNumber - 1]!;
      expect(request.api).toBe('openai');
      expect(request.attempt).toBe(1);
      expect(request.model).toBe('gpt-4o-mini');

      // The image: the source PNG, upright, its longer side reduced to 1024 px, as JPEG.
      expect(request.images).toHaveLength(1);
      expect(request.images[0]!.mediaType).toBe('image/jpeg');
      const sent = await sharp(request.images[0]!.data).metadata();
      const source = await sharp(await scan.stage('source', { pageFormat: 'png' }).loadPageBytes(pageNumber)).metadata();
      expect(sent.format).toBe('jpeg');
      expect(Math.max(source.width, source.height)).toBeGreaterThan(1024);
      expect(Math.max(sent.width, sent.height)).toBe(1024);
      expect(sent.width / sent.height).toBeCloseTo(source.width / source.height, 2);

      // The OCR page: every block and paragraph, numbered as in the OCR page, with boxes and confidences.
      const prompt = promptPage(request);
      expect(prompt.page).toBe(pageNumber);
      expect(prompt.blocks.map((b) => [b.blockNum, b.paragraphs.map((p) => p.parNum)])).toEqual(
        ocr.blocks.map((b) => [b.blockNum, b.paragraphs.map((p) => p.parNum)]),
      );
      for (const block of prompt.blocks) {
        for (const paragraph of block.paragraphs) {
          expect(paragraph.box).toHaveLength(4);
          for (const v of paragraph.box) expect(v).toSatisfy((n: number) => n >= 0 && n <= 1000);
          expect(paragraph.confidence).toBeGreaterThanOrEqual(0);
          // The de-hyphenated OCR text: the same characters, hyphens and spaces aside.
          expect(paragraph.text.replace(/[\s-]/g, '')).toBe(ocrTextOf(ocr, block.blockNum, paragraph.parNum).replace(/[\s-]/g, ''));
        }
      }

      // The schema: strict json_schema, exactly this page's blocks and paragraphs, numbers pinned.
      const format = request.body.response_format as { type: string; json_schema: { name: string; strict: boolean; schema: JsonSchemaNode } };
      expect(format.type).toBe('json_schema');
      expect(format.json_schema).toMatchObject({ name: 'page_correction', strict: true });
      const blocks = format.json_schema.schema.properties?.blocks;
      expect(blocks).toMatchObject({ minItems: ocr.blocks.length, maxItems: ocr.blocks.length });
      expect(blocks?.prefixItems?.map((b) => b.properties?.blockNum?.const)).toEqual(ocr.blocks.map((b) => b.blockNum));
      for (const [index, block] of ocr.blocks.entries()) {
        const paragraphs = blocks?.prefixItems?.[index]?.properties?.paragraphs;
        expect(paragraphs).toMatchObject({ minItems: block.paragraphs.length, maxItems: block.paragraphs.length });
        expect(paragraphs?.prefixItems?.map((p) => p.properties?.parNum?.const)).toEqual(block.paragraphs.map((p) => p.parNum));
      }
    }

    // What was saved: the model's correction where it made one, the OCR text's edit distance to it.
    for (const ocr of base.ocr) {
      const page = await scan.stage('correction').loadPage(ocr.pageNumber, CorrectionPageSchema);
      expect(page).toMatchObject({ pageNumber: ocr.pageNumber, method: 'llm', model: 'gpt-4o-mini' });
      const edited = page.paragraphs.filter((p) => p.notes.includes('test edit'));
      expect(edited).toHaveLength(1);
      const [paragraph] = edited;
      expect(paragraph!.text).toMatch(/ \[corrected\]$/);
      expect(paragraph!.confidence).toBe(0.8);
      const changed = page.paragraphs.filter((p) => p.text !== null);
      expect(page.totals.charactersChanged).toBe(changed.reduce((sum, p) => sum + editDistance(ocrTextOf(ocr, p.blockNum, p.parNum), p.text!), 0));
    }
  });

  it('rejects an answer with one block too many and retries it: two sends for that page, one for the others, both attempts paid', async () => {
    const scan = await copyOf(base);
    await using fake = await startFakeProvider({
      respond: (request) => {
        const answer = answerFor(request);
        if (request.id === 'correction_0002' && request.attempt === 1) {
          answer.blocks.push({ blockNum: answer.blocks.length + 1, paragraphs: [] });
        }
        return { json: answer, usage: USAGE };
      },
    });
    const client = new LlmBatchClient({ provider: openaiCompatible({ baseURL: fake.openaiBaseURL, apiKey: 'test' }), clock: createVirtualClock() });
    const events: PipelineEvent[] = [];
    const stats = await runStage(scan, { llm: { client, model: 'gpt-4o-mini' } }, events);
    expect(stats).toMatchObject({ pagesProcessed: 3, pagesFailed: 0 });
    expect(fake.requestsFor('correction_0001')).toHaveLength(1);
    expect(fake.requestsFor('correction_0002')).toHaveLength(2);
    expect(fake.requestsFor('correction_0003')).toHaveLength(1);
    // The retry is the same request: the client never changes the payload between attempts.
    const [first, second] = fake.requestsFor('correction_0002');
    expect(second!.body).toEqual(first!.body);
    const retrying = events.filter((e) => e.type === 'stage:event' && e.event.type === 'retrying');
    expect(retrying).toHaveLength(1);
    expect(retrying[0]).toMatchObject({ stage: 'correction', event: { id: 'correction_0002', page: 2 } });
    expect(String((retrying[0] as Extract<PipelineEvent, { type: 'stage:event' }>).event.reason)).toMatch(/schema/i);
    const metrics = await scan.stage('correction').checkpoint.metrics();
    expect(metrics.get(2)).toMatchObject({ attempts: 2, method: 'llm' });
    expect(metrics.get(2)!.costUsd).toBeCloseTo(2 * ATTEMPT_COST, 12);
    expect(metrics.get(1)!.costUsd).toBeCloseTo(ATTEMPT_COST, 12);
  });

  it('records a page that keeps failing while the others finish; a rerun sends only that page; the cost adds up across runs (metrics = report.csv = stats)', async () => {
    const scan = await copyOf(base);
    const events: PipelineEvent[] = [];
    let firstRun: StageStats;
    {
      await using fake = await startFakeProvider({
        respond: (request) => (request.id === 'correction_0002' ? { fault: 'serverError', status: 500 } : { json: answerFor(request), usage: USAGE }),
      });
      const client = new LlmBatchClient({
        provider: openaiCompatible({ baseURL: fake.openaiBaseURL, apiKey: 'test' }),
        clock: createVirtualClock(),
        maxRetries: 1,
      });
      firstRun = await runStage(scan, { llm: { client, model: 'gpt-4o-mini' } }, events);
      expect(fake.requestsFor('correction_0002')).toHaveLength(2); // 1 + maxRetries
    }
    expect(firstRun).toMatchObject({ pagesProcessed: 2, pagesFailed: 1, aborted: false });
    expect(firstRun.failures).toHaveLength(1);
    expect(firstRun.failures[0]!.page).toBe(2);
    expect(firstRun.failures[0]!.error).toMatch(/page 2.*HTTP 500|HTTP 500.*page 2/s);
    expect(events.filter((e) => e.type === 'page:failed').map((e) => (e as { page: number }).page)).toEqual([2]);
    expect(
      events
        .filter((e) => e.type === 'page:done')
        .map((e) => (e as { page: number }).page)
        .sort(),
    ).toEqual([1, 3]);
    const status = await scan.stage('correction').checkpoint.status();
    expect(status.failedPages.map((f) => f.page)).toEqual([2]);
    expect(await scan.stage('correction').listPages()).toEqual([1, 3]);

    // Resume: only page 2 is sent.
    await using healthy = await startFakeProvider({ respond: (request) => ({ json: answerFor(request), usage: USAGE }) });
    const secondRun = await runStage(scan, { llm: { provider: openaiCompatible({ baseURL: healthy.openaiBaseURL, apiKey: 'test' }), model: 'gpt-4o-mini' } });
    expect(healthy.requests.map((r) => r.id)).toEqual(['correction_0002']);
    expect(secondRun).toMatchObject({ pagesProcessed: 1, pagesFailed: 0, pagesSkipped: 2 });
    expect((await scan.stage('correction').checkpoint.status()).failedPages).toEqual([]);

    // Cost: every page paid one answered attempt (the 500s were not answers); the journal, report.csv
    // and the runs' stats agree.
    const metrics = await scan.stage('correction').checkpoint.metrics();
    const journalled = [...metrics.values()].reduce((sum, m) => sum + (m.costUsd as number), 0);
    const csv = (await readFile(scan.stage('correction').filePath('report.csv'), 'utf8')).trim().split('\n');
    const costColumn = csv[0]!.split(',').indexOf('costUsd');
    expect(costColumn).toBeGreaterThan(0);
    const reported = csv.slice(1).reduce((sum, row) => sum + Number(row.split(',')[costColumn]), 0);
    expect(csv).toHaveLength(4);
    expect(journalled).toBeCloseTo(3 * ATTEMPT_COST, 12);
    expect(reported).toBeCloseTo(journalled, 12);
    expect(firstRun.totalCostUsd! + secondRun.totalCostUsd!).toBeCloseTo(journalled, 12);
  });

  it('stops on abort: pages not answered stay to do, none is recorded as failed', async () => {
    const scan = await copyOf(base);
    const controller = new AbortController();
    await using fake = await startFakeProvider({
      respond: (request) => {
        if (request.id === 'correction_0001') return { json: answerFor(request), usage: USAGE };
        // The other pages hang until the run is aborted, after page 1 is saved.
        return { fault: 'hang' };
      },
    });
    const events: PipelineEvent[] = [];
    const pipeline = new Pipeline({
      scan,
      stages: [new CorrectionStage({ llm: { provider: openaiCompatible({ baseURL: fake.openaiBaseURL, apiKey: 'test' }), model: 'gpt-4o-mini' } })],
      config: loadConfig({}),
      logger: silentLogger,
      onEvent: (event) => {
        events.push(event);
        if (event.type === 'page:done') controller.abort();
      },
    });
    const result = await pipeline.run({ signal: controller.signal });
    const outcome = result.stages.correction;
    expect(outcome).toMatchObject({ status: 'done', stats: { pagesProcessed: 1, pagesFailed: 0, aborted: true } });
    expect(await scan.stage('correction').checkpoint.remainingPages()).toEqual([2, 3]);
    expect((await scan.stage('correction').checkpoint.status()).failedPages).toEqual([]);
  });
});
