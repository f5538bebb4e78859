import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BookSchema } from '@bookpipe/contracts';
import { loadConfig, type PipelineEvent } from '@bookpipe/core';
import { openaiCompatible } from '@bookpipe/llm-batch';
import { exampleFromSchema, type FakeReply, type FakeRequest, startFakeProvider } from '@bookpipe/llm-batch/testing';
import { openScan } from '@bookpipe/storage';
import { hasEval, memoryLogger, noteSkip, ocrmypdf } from '@bookpipe/testkit';
import { generateSampleBook } from '@bookpipe/testkit/sample-book';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBookPipeline } from './book-pipeline.js';

noteSkip('book-pipeline.slow.test.ts');

type Json = Record<string, unknown>;

/**
 * A stand-in for a vision model: schema-valid answers that change nothing (correction: every paragraph
 * unchanged; label: every block BODY, no page number), each after 100 ms, counting the requests in flight.
 */
function slowNeutralModel() {
  const state = { inFlight: 0, maxInFlight: 0, mixed: false };
  const byStage = new Map<string, number>();
  const respond = async (request: FakeRequest): Promise<FakeReply> => {
    const name = request.schemaName ?? '';
    state.inFlight += 1;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    byStage.set(name, (byStage.get(name) ?? 0) + 1);
    if ((byStage.get('page_correction') ?? 0) > 0 && (byStage.get('page_label') ?? 0) > 0) state.mixed = true;
    await sleep(100);
    byStage.set(name, byStage.get(name)! - 1);
    state.inFlight -= 1;
    const answer = exampleFromSchema(request.schema) as Json & { blocks: Json[] };
    if (request.schemaName === 'page_correction') {
      for (const block of answer.blocks) for (const paragraph of block.paragraphs as Json[]) Object.assign(paragraph, { edits: [], notes: '', confidence: 1 });
    } else if (request.schemaName === 'page_label') {
      for (const block of answer.blocks) Object.assign(block, { classification: 'BODY', confidence: 0.5 });
      Object.assign(answer, { printedPageNumber: null, numberingStyle: 'none', pageNumberLocation: 'none' });
    }
    return { json: answer, usage: { promptTokens: 1000, completionTokens: 100 } };
  };
  return { state, respond };
}

describe('the default pipeline with the LLM stages, against the fake provider', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bookpipe-full-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('runs correction and label side by side on the one client it builds (never more requests in flight than its workers), then merges', async () => {
    const model = slowNeutralModel();
    await using fake = await startFakeProvider({ respond: model.respond });
    const { path } = await generateSampleBook(join(dir, 'sample-book.pdf'));
    const scan = openScan({ root: join(dir, 'scans'), scanId: 'sample' });
    const { pipeline, llm } = await createBookPipeline({
      scan,
      inputs: [path],
      config: loadConfig({}),
      llm: { provider: openaiCompatible({ baseURL: fake.openaiBaseURL, apiKey: 'test' }), model: 'gpt-4o-mini', maxWorkers: 3 },
      ocrWorkers: 2,
    });
    const result = await pipeline.run();

    expect(Object.values(result.stages).map((outcome) => outcome.status)).toEqual(['done', 'done', 'done', 'done', 'done']);
    expect(llm.kind === 'llm' && llm.client.options.maxWorkers).toBe(3);
    expect(fake.requests.filter((r) => r.schemaName === 'page_correction')).toHaveLength(8);
    expect(fake.requests.filter((r) => r.schemaName === 'page_label')).toHaveLength(8);
    // The OCR stage asks the same model once for the book's metadata (the schema's example answer, which
    // quotes no line of the pages, so it is not trusted): a request per page per LLM stage, and that one.
    expect(fake.requests.filter((r) => r.schemaName === 'book_metadata')).toHaveLength(1);
    expect(fake.requests).toHaveLength(8 + 8 + 1);
    // One budget for both stages: never more than 3 in flight, and both stages' requests in flight together.
    expect(model.state.maxInFlight).toBeLessThanOrEqual(3);
    expect(model.state.mixed).toBe(true);

    const correction = JSON.parse(await readFile(scan.stage('correction').pagePath(3), 'utf8'));
    expect(correction).toMatchObject({ method: 'llm', model: 'gpt-4o-mini' });
    const book = BookSchema.parse(JSON.parse(await readFile(scan.stage('merge').filePath('book.json'), 'utf8')));
    expect(book.inputs).toEqual({ correction: true, label: true });
    const md = await readFile(scan.stage('merge').filePath('book.md'), 'utf8');
    expect(md).toContain('A book that has waited a hundred years on a shelf can wait a few minutes more while we read it properly.');
    const stats = result.stages.correction;
    expect(stats?.status === 'done' && stats.stats.totalCostUsd).toBeGreaterThan(0);
  }, 240_000);
});

describe.skipIf(!hasEval)('OCR workers started while the source stage runs', () => {
  it('starts the OCR pool when the source stage starts, and the OCR stage reads with it (one engine start)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bookpipe-warm-ocr-'));
    try {
      const scan = openScan({ root: join(dir, 'scans'), scanId: 'two-pages' });
      const events: PipelineEvent[] = [];
      const { logger, lines } = memoryLogger();
      const { pipeline } = await createBookPipeline({
        scan,
        inputs: [ocrmypdf('typewriter.png'), ocrmypdf('linn.png')],
        stages: ['source', 'ocr'],
        config: loadConfig({}),
        llm: false,
        ocrWorkers: 2,
        logger,
        onEvent: (event) => events.push(event),
      });
      expect((await pipeline.run()).ok).toBe(true);
      const at = (match: (e: PipelineEvent) => boolean) => events.findIndex(match);
      const sourceStart = at((e) => e.type === 'stage:start' && e.stage === 'source');
      const warmStart = at((e) => e.type === 'stage:event' && e.event.type === 'ocr:warm-start');
      const sourceDone = at((e) => e.type === 'stage:done' && e.stage === 'source');
      const ocrStart = at((e) => e.type === 'stage:start' && e.stage === 'ocr');
      expect(sourceStart).toBeGreaterThanOrEqual(0);
      expect([sourceStart < warmStart, warmStart < sourceDone, sourceDone < ocrStart]).toEqual([true, true, true]);
      // One engine for the stage, the one started during the source stage, with a worker per page.
      expect(lines.filter((l) => l.msg === 'ocr engine ready').map((l) => ({ warm: l.warm, workers: l.workers }))).toEqual([{ warm: true, workers: 2 }]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
