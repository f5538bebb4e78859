/**
 * OcrStage.after() reading the book's metadata, end to end on the repository's sample book
 * (the testkit's sample book: a generated PDF with a title page and a copyright page, rendered at 300 DPI
 * and read by native tesseract). The eval folder holds no real title page (see
 * read-metadata.slow.test.ts), so this generated one is the positive case; its truth is book.txt.
 * With a model: the real openai SDK against the fake provider of @bookpipe/llm-batch/testing.
 */

import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ScanMetadata } from '@bookpipe/contracts';
import { loadConfig, Pipeline, type PipelineEvent, silentLogger } from '@bookpipe/core';
import { LlmBatchClient, openaiCompatible } from '@bookpipe/llm-batch';
import { createVirtualClock, type FakeRequest, startFakeProvider } from '@bookpipe/llm-batch/testing';
import { openScan } from '@bookpipe/storage';
import { renderPdf, scanWithSourcePages } from '@bookpipe/testkit';
import { generateSampleBook, parseBookText, SAMPLE_BOOK_TEXT } from '@bookpipe/testkit/sample-book';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OcrStage, type OcrStageOptions } from '../ocr-stage.js';
import { BOOK_METADATA_FILE } from './book-metadata-step.js';
import type { LlmMetadataAnswer } from './llm-metadata.js';

const key = (v: unknown) =>
  String(v)
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, '');

describe('OcrStage.after() reads the book metadata (sample book)', () => {
  let tmp: string;
  let truth: Record<string, string>;
  let copies = 0;

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'stage-ocr-book-metadata-'));
    truth = parseBookText(await readFile(SAMPLE_BOOK_TEXT, 'utf8')).meta;
    const { path: pdf } = await generateSampleBook(join(tmp, 'sample.pdf'));
    const pngs = await renderPdf(pdf, tmp);
    const scan = await scanWithSourcePages(
      openScan({ root: join(tmp, 'scans'), scanId: 'base' }),
      pngs.slice(0, 6).map((png) => ({ png })),
    );
    // The base scan: every page read, no metadata yet.
    await runOcr(scan, { metadata: false });
  }, 600_000);
  afterAll(() => (tmp ? rm(tmp, { recursive: true, force: true }) : undefined));

  /** A copy of the base scan with its last OCR page removed, so that the next run reads one page, then runs after(). */
  async function copy() {
    const scanId = `copy-${++copies}`;
    await cp(join(tmp, 'scans', 'base'), join(tmp, 'scans', scanId), { recursive: true, filter: (s) => !s.endsWith('.lock') });
    const scan = openScan({ root: join(tmp, 'scans'), scanId });
    const last = (await scan.stage('ocr').listPages()).at(-1)!;
    await rm(scan.stage('ocr').pagePath(last));
    return scan;
  }

  async function runOcr(scan: ReturnType<typeof openScan>, options: OcrStageOptions, events: PipelineEvent[] = []) {
    const result = await new Pipeline({
      scan,
      stages: [new OcrStage({ engine: 'native', maxWorkers: 2, ...options })],
      config: loadConfig({}),
      logger: silentLogger,
      onEvent: (e) => events.push(e),
    }).run();
    return result.stages.ocr!;
  }

  it('without a model: title, author, year, publisher and language of the title and copyright pages, with their sources; a rerun changes nothing', async () => {
    const scan = await copy();
    expect((await runOcr(scan, {})).status).toBe('done');
    const metadata = await scan.readMetadata();
    const right = {
      title: key(metadata.title) === key(truth.title),
      author: metadata.author === truth.author,
      year: metadata.year === Number(truth.year),
      publisher: metadata.publisher === truth.publisher,
      language: metadata.language === 'en',
    };
    console.info('[stage-ocr] sample book, deterministic:', JSON.stringify(right));
    expect(right).toEqual({ title: true, author: true, year: true, publisher: true, language: true });
    expect(metadata.isbn ?? null).toBeNull();
    expect(metadata.metadataSources?.title).toMatchObject({ method: 'deterministic', page: 1 });
    expect(metadata.metadataSources?.year).toMatchObject({ method: 'deterministic', page: 2 });
    const file = JSON.parse(await scan.stage('ocr').readFile(BOOK_METADATA_FILE));
    expect(file.method).toBe('deterministic');
    expect(file.pages).toEqual([1, 2, 3, 4, 5, 6]);

    // Rerun of the complete stage: skipped, nothing changes.
    const before = await readFile(join(scan.dir, 'metadata.json'), 'utf8');
    expect((await runOcr(scan, {})).status).toBe('skipped');
    // after() once more (a page redone): the same values, metadata.json not even rewritten.
    await rm(scan.stage('ocr').pagePath(6));
    expect((await runOcr(scan, {})).status).toBe('done');
    expect(await readFile(join(scan.dir, 'metadata.json'), 'utf8')).toBe(before);
  }, 300_000);

  it("keeps the user's values", async () => {
    const scan = await copy();
    await scan.updateMetadata({ title: 'Chosen By The User', year: 1999 });
    await runOcr(scan, { llm: false });
    const metadata = await scan.readMetadata();
    expect(metadata).toMatchObject({ title: 'Chosen By The User', year: 1999, author: truth.author });
    expect(metadata.metadataSources?.title).toBeUndefined();
  }, 300_000);

  /** The line of the prompt that contains `text`, as the model would quote it. */
  const quote = (request: FakeRequest, text: string) =>
    request.text
      .split('\n')
      .find((l) => l.includes(text))
      ?.replace(/^\[[\d.]+\] /, '') ?? null;

  it('with a model: one request with the first pages and a strict schema; its supported values are written as "llm", an unsupported one is not', async () => {
    const scan = await copy();
    await using fake = await startFakeProvider({
      respond: (request) => {
        const answer: LlmMetadataAnswer = {
          title: { value: 'The Patient Page: An Essay on Reading Old Books', confidence: 0.9, page: 1, line: quote(request, 'Essay on Reading') },
          author: { value: 'Margaret Hale', confidence: 0.95, page: 1, line: quote(request, 'Margaret Hale') },
          year: { value: 1923, confidence: 0.9, page: 2, line: quote(request, 'First published') },
          // Not on the pages: a model's recollection, capped under the threshold.
          publisher: { value: 'Oxford University Press', confidence: 0.99, page: 2, line: 'Oxford University Press' },
          isbn: { value: null, confidence: 0, page: null, line: null },
          language: { value: 'en', confidence: 0.9, page: null, line: null },
        };
        return { json: answer, usage: { promptTokens: 800, completionTokens: 150 } };
      },
    });
    const result = await runOcr(scan, { llm: { provider: openaiCompatible({ baseURL: fake.openaiBaseURL, apiKey: 'test' }), model: 'gpt-4o-mini' } });
    expect(result.status).toBe('done');
    // The request's cost (gpt-4o-mini at $0.15 / $0.60 per million tokens) is the OCR stage's cost.
    expect(result.status === 'done' && result.stats.totalCostUsd).toBeCloseTo((800 * 0.15 + 150 * 0.6) / 1e6, 12);
    expect(fake.requests).toHaveLength(1);
    const [request] = fake.requests;
    expect(request!.schemaName).toBe('book_metadata');
    expect(request!.text).toContain('--- page 1 ---');
    expect(request!.text).toMatch(/\[\d\.\d\] THE PATIENT PAGE/);
    expect(request!.images).toHaveLength(0);

    const metadata = await scan.readMetadata();
    expect(metadata).toMatchObject({
      title: 'The Patient Page: An Essay on Reading Old Books',
      author: 'Margaret Hale',
      year: 1923,
      publisher: truth.publisher,
      language: 'en',
    });
    expect(metadata.metadataSources?.title).toMatchObject({ method: 'llm', model: 'gpt-4o-mini', page: 1 });
    expect(metadata.metadataSources?.publisher).toMatchObject({ method: 'deterministic' });
    const file = JSON.parse(await scan.stage('ocr').readFile(BOOK_METADATA_FILE));
    expect(file.llm.publisher.confidence).toBeLessThan(0.7);
  }, 300_000);

  for (const fault of [
    { name: 'HTTP 500 on every attempt', reply: { fault: 'serverError', status: 500 } as const },
    { name: 'an answer that violates the schema', reply: { fault: 'schemaViolation' } as const },
  ]) {
    it(`with a model that fails (${fault.name}): the stage completes with the deterministic values and a warning`, async () => {
      const scan = await copy();
      await using fake = await startFakeProvider({ respond: () => fault.reply });
      const client = new LlmBatchClient({
        provider: openaiCompatible({ baseURL: fake.openaiBaseURL, apiKey: 'test' }),
        clock: createVirtualClock(),
        maxRetries: 1,
      });
      const events: PipelineEvent[] = [];
      const result = await runOcr(scan, { llm: { client, model: 'gpt-4o-mini' } }, events);
      expect(result.status).toBe('done');
      expect(fake.requests).toHaveLength(2); // 1 + maxRetries
      const warning = events.find((e) => e.type === 'stage:event' && e.event.type === 'metadataLlmFailed');
      expect(warning).toBeDefined();
      const metadata: ScanMetadata = await scan.readMetadata();
      expect(metadata).toMatchObject({ author: truth.author, year: Number(truth.year), publisher: truth.publisher });
      expect(key(metadata.title)).toBe(key(truth.title));
      expect(Object.values(metadata.metadataSources ?? {}).every((s) => s.method === 'deterministic')).toBe(true);
      expect((await scan.stage('ocr').checkpoint.status()).complete).toBe(true);
    }, 300_000);
  }
});
