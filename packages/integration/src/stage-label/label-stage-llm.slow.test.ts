/**
 * The label stage with a model, on three consecutive real pages of an old book (old-books c015-c017,
 * source and OCR by the real stages), through the real `@anthropic-ai/sdk` against the fake provider:
 * the exact request, an answer with a wrong block number rejected and retried, label pages saved,
 * and the book-level reconciliation of the numbers the model read. Then correction and label run
 * together in one pipeline on one shared client.
 */

import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { CorrectionPageSchema, LabelPageSchema, PageNumbersFileSchema } from '@bookpipe/contracts';
import { loadConfig, Pipeline, type PipelineEvent, silentLogger } from '@bookpipe/core';
import { anthropic, LlmBatchClient } from '@bookpipe/llm-batch';
import { createVirtualClock, type FakeRequest, startFakeProvider } from '@bookpipe/llm-batch/testing';
import { CorrectionStage } from '@bookpipe/stage-correction';
import { type LabelAnswer, LabelStage } from '@bookpipe/stage-label';
import type { JsonSchemaNode } from '@bookpipe/testkit';
import { evalDir, hasEval, noteSkip } from '@bookpipe/testkit';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRealScan, type RealScan } from '../support/real-scan.js';

noteSkip('label stage with a model (fake provider)');

interface PromptBlock {
  blockNum: number;
  box: number[];
  lines: number;
  lineHeight: number;
  text: string;
}

function promptBlocks(request: FakeRequest): PromptBlock[] {
  const line = request.text.split('(the page image is attached):\n')[1]?.split('\n')[0];
  if (line === undefined) throw new Error(`request ${request.id} has no page JSON`);
  return (JSON.parse(line) as { blocks: PromptBlock[] }).blocks;
}

/** What the scripted model reads as printed page numbers: page 2's is a duplicate of page 1's. */
const READS: Record<string, string> = { label_0001: '11', label_0002: '11', label_0003: '13' };

function labelAnswer(request: FakeRequest): LabelAnswer {
  return {
    printedPageNumber: READS[request.id] ?? null,
    numberingStyle: 'arabic',
    pageNumberLocation: 'footer',
    pageNumberConfidence: 0.9,
    pageRegion: 'body',
    pageRegionConfidence: 0.8,
    blocks: promptBlocks(request).map((block, index) => ({ blockNum: block.blockNum, classification: index === 0 ? 'HEADER' : 'BODY', confidence: 0.85 })),
    furnitureLines: [],
  };
}

describe.skipIf(!hasEval)('LabelStage with a model, against the fake provider through the anthropic SDK', () => {
  let real: RealScan;
  beforeAll(async () => {
    real = await makeRealScan(['c015', 'c016', 'c017'].map((name) => path.join(evalDir, 'old-books', `${name}.tiff`)));
  }, 300_000);
  afterAll(() => (real ? rm(real.root, { recursive: true, force: true }) : undefined));

  it('sends the image and the numbered blocks, retries an answer with a wrong block number, saves the labels and reconciles the page numbers', async () => {
    const { scan, ocr } = real;
    await using fake = await startFakeProvider({
      respond: (request) => {
        const answer = labelAnswer(request);
        // A block number the page does not have: the pinned schema rejects it and the client retries.
        if (request.id === 'label_0003' && request.attempt === 1) answer.blocks[0]!.blockNum = 99;
        return { json: answer, usage: { promptTokens: 1500, completionTokens: 120 } };
      },
    });
    const client = new LlmBatchClient({ provider: anthropic({ baseURL: fake.anthropicBaseURL, apiKey: 'test' }), clock: createVirtualClock() });
    const events: PipelineEvent[] = [];
    const result = await new Pipeline({
      scan,
      stages: [new LabelStage({ llm: { client, model: 'claude-haiku-4-5' } })],
      config: loadConfig({}),
      logger: silentLogger,
      onEvent: (e) => events.push(e),
    }).run();
    expect(result.stages.label).toMatchObject({ status: 'done', stats: { pagesProcessed: 3, pagesFailed: 0 } });
    expect(fake.requests.map((r) => `${r.id}#${r.attempt}`).sort()).toEqual(['label_0001#1', 'label_0002#1', 'label_0003#1', 'label_0003#2']);

    for (const request of fake.requests) {
      const page = ocr[Number(request.id.slice(-4)) - 1]!;
      expect(request.api).toBe('anthropic');
      expect(request.model).toBe('claude-haiku-4-5');
      // The answer is forced through one tool whose input schema is pinned to the page's blocks.
      expect(request.body.tool_choice).toMatchObject({ type: 'tool', name: 'page_label' });
      const tools = request.body.tools as Array<{ name: string; input_schema: JsonSchemaNode }>;
      expect(tools.map((t) => t.name)).toEqual(['page_label']);
      const blocks = tools[0]!.input_schema.properties?.blocks;
      expect(blocks).toMatchObject({ minItems: page.blocks.length, maxItems: page.blocks.length });
      expect(blocks?.prefixItems?.map((b) => b.properties?.blockNum?.const)).toEqual(page.blocks.map((b) => b.blockNum));
      // The image, downscaled to what Claude reads (1568 px on the long side); the blocks, numbered, with boxes and text.
      expect(request.images).toHaveLength(1);
      const image = await sharp(request.images[0]!.data).metadata();
      expect(image.format).toBe('jpeg');
      expect(Math.max(image.width, image.height)).toBe(1568);
      const sent = promptBlocks(request);
      expect(sent.map((b) => b.blockNum)).toEqual(page.blocks.map((b) => b.blockNum));
      for (const block of sent) {
        expect(block.box).toHaveLength(4);
        expect(block.lines).toBeGreaterThan(0);
        expect(block.text.length).toBeGreaterThan(0);
      }
    }

    const labels = await Promise.all([1, 2, 3].map((p) => scan.stage('label').loadPage(p, LabelPageSchema)));
    expect(labels.map((l) => l.printedPageNumber)).toEqual(['11', '11', '13']);
    for (const [index, label] of labels.entries()) {
      expect(label.blocks.map((b) => b.blockNum)).toEqual(ocr[index]!.blocks.map((b) => b.blockNum));
      expect(label.blocks[0]!.classification).toBe('HEADER');
    }
    const metrics = await scan.stage('label').checkpoint.metrics();
    expect(metrics.get(3)).toMatchObject({ method: 'llm', attempts: 2, model: 'claude-haiku-4-5', provider: 'anthropic', headers: 1 });
    // claude-haiku-4-5 at $1 / $5 per million tokens, both attempts of page 3 paid.
    const attempt = (1500 * 1 + 120 * 5) / 1e6;
    expect(metrics.get(3)!.costUsd).toBeCloseTo(2 * attempt, 12);
    const stats = (result.stages.label as { stats: { totalCostUsd: number } }).stats;
    expect(stats.totalCostUsd).toBeCloseTo(4 * attempt, 12);

    // after(): the duplicated "11" of page 2 is corrected from its neighbours.
    const pageNumbers = PageNumbersFileSchema.parse(JSON.parse(await readFile(scan.stage('label').filePath('page-numbers.json'), 'utf8')));
    expect(pageNumbers.map((e) => [e.page, e.printedPageNumber, e.inferred])).toEqual([
      [1, '11', false],
      [2, '12', true],
      [3, '13', false],
    ]);
    expect(pageNumbers[1]!.read).toBe('11');
    const report = (await readFile(scan.stage('label').filePath('report.csv'), 'utf8')).trim().split('\n');
    expect(report[0]).toMatch(/^pageNum,method,printedPageNumber,/);
    expect(report).toHaveLength(4);
  });

  it('correction and label run together in one pipeline, their requests going through one shared client', async () => {
    const { scan } = real;
    await scan.stage('label').clean();
    // Requests being answered at once, seen by the server: the shared client's budget covers both stages.
    let active = 0;
    let mostActive = 0;
    await using fake = await startFakeProvider({
      respond: async (request) => {
        active += 1;
        mostActive = Math.max(mostActive, active);
        await new Promise((resolve) => setTimeout(resolve, 30));
        active -= 1;
        if (request.id.startsWith('label_')) return { json: labelAnswer(request) };
        // Correction: the default answer built from the pinned schema (texts and notes as the schema allows).
        return undefined;
      },
    });
    const client = new LlmBatchClient({ provider: anthropic({ baseURL: fake.anthropicBaseURL, apiKey: 'test' }), maxWorkers: 2, clock: createVirtualClock() });
    const llm = { client, model: 'claude-haiku-4-5' };
    const result = await new Pipeline({
      scan,
      stages: [new CorrectionStage({ llm }), new LabelStage({ llm })],
      config: loadConfig({}),
      logger: silentLogger,
    }).run();
    expect(result.stages.correction).toMatchObject({ status: 'done', stats: { pagesProcessed: 3 } });
    expect(result.stages.label).toMatchObject({ status: 'done', stats: { pagesProcessed: 3 } });
    expect(fake.requests.map((r) => r.id).sort()).toEqual(['correction_0001', 'correction_0002', 'correction_0003', 'label_0001', 'label_0002', 'label_0003']);
    expect(mostActive).toBe(2);
    const correction = await scan.stage('correction').loadPage(1, CorrectionPageSchema);
    expect(correction.method).toBe('llm');
  });
});
