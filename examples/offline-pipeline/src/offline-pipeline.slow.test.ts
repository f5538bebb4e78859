import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BookSchema } from '@bookpipe/contracts';
import { loadConfig } from '@bookpipe/core';
import { generateSampleBook } from '@bookpipe/testkit/sample-book';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOfflinePipeline } from './offline-pipeline.js';

describe('the offline pipeline on the sample book', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bookpipe-offline-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('runs every stage without a model, even with a key in the environment, and ends with book.md', async () => {
    const { path } = await generateSampleBook(join(dir, 'sample-book.pdf'));
    // A key in the environment changes nothing: the stages are told `llm: false`.
    const config = loadConfig({ OPENAI_API_KEY: 'sk-not-used-0000', BOOKPIPE_BASE_URL: 'http://127.0.0.1:9/v1' });
    const events: string[] = [];
    const { result, bookMd } = await runOfflinePipeline({
      inputs: [path],
      root: join(dir, 'scans'),
      scanId: 'sample',
      config,
      ocrWorkers: 2,
      onEvent: (event) => void events.push(event.type === 'stage:event' ? `${event.type}:${event.event.type}` : event.type),
    });
    expect(Object.fromEntries(Object.entries(result.stages).map(([name, outcome]) => [name, outcome.status]))).toEqual({
      source: 'done',
      ocr: 'done',
      correction: 'done',
      label: 'done',
      merge: 'done',
    });
    // The OCR stage read the book metadata without a model: it never tried the (unreachable) server.
    expect(events).not.toContain('stage:event:metadataLlmFailed');
    const metadata = JSON.parse(await readFile(join(dir, 'scans', 'sample', 'metadata.json'), 'utf8'));
    expect(metadata).toMatchObject({ title: 'The Patient Page', metadataSources: { title: { method: 'deterministic' } } });
    const correction = JSON.parse(await readFile(join(dir, 'scans', 'sample', 'correction', 'page_0003.json'), 'utf8'));
    expect(correction).toMatchObject({ method: 'deterministic', model: null });
    const md = await readFile(bookMd, 'utf8');
    expect(md).toContain('A book that has waited a hundred years on a shelf can wait a few minutes more while we read it properly.');
    expect(md).toContain('[^p3-1]: The distinction is older than printing.');
    const book = BookSchema.parse(JSON.parse(await readFile(join(dir, 'scans', 'sample', 'merge', 'book.json'), 'utf8')));
    expect(book.inputs).toEqual({ correction: true, label: true });
    expect(book.pages).toHaveLength(8);
  }, 240_000);
});
