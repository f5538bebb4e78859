/**
 * The deterministic stages (source -> ocr -> label -> merge, no model) on the sample book, once on the
 * filesystem storage and once on @bookpipe/storage-s3 against a real S3 server (s3rver) on loopback:
 * the same book.md, the same page numbers, the same OCR pages. On S3 the source stage's PNGs go through
 * savePage, the OCR stage stages each page image in a local temp file (its engines read files), and the
 * pipeline writes no log file (its default log is a local file; an s3:// URL must not become a folder "s3:").
 */

import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OcrPageSchema } from '@bookpipe/contracts';
import { type BookStorage, loadConfig, Pipeline, silentLogger } from '@bookpipe/core';
import { SourceStage } from '@bookpipe/source';
import { LabelStage } from '@bookpipe/stage-label';
import { MergeStage } from '@bookpipe/stage-merge';
import { OcrStage } from '@bookpipe/stage-ocr';
import { openScan } from '@bookpipe/storage';
import { openS3Scan } from '@bookpipe/storage-s3';
import { type LoopbackS3, startLoopbackS3 } from '@bookpipe/testkit';
import { generateSampleBook } from '@bookpipe/testkit/sample-book';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const config = loadConfig({}); // no key, no base URL: deterministic stages
// 150 DPI: half the OCR time of 300, and both runs read the same images.
const stages = (pdf: string) => [new SourceStage({ inputs: [pdf], dpi: 150 }), new OcrStage({ maxWorkers: 2 }), new LabelStage(), new MergeStage()];

async function runOn(scan: BookStorage, pdf: string, withLogger: boolean) {
  const result = await new Pipeline({ scan, stages: stages(pdf), config, ...(withLogger ? { logger: silentLogger } : {}) }).run();
  expect(result.ok).toBe(true);
  const pages = await scan.pageNumbers();
  return {
    bookMd: await scan.stage('merge').readFile('book.md'),
    pageNumbers: await scan.stage('label').readFile('page-numbers.json'),
    ocr: await Promise.all(pages.map((p) => scan.stage('ocr').loadPage(p, OcrPageSchema))),
    pages,
  };
}

describe('the pipeline on S3 storage gives the same book as on the filesystem', () => {
  let dir: string;
  let s3: LoopbackS3;
  let onFs: Awaited<ReturnType<typeof runOn>>;
  let onS3: Awaited<ReturnType<typeof runOn>>;
  let s3Scan: BookStorage;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bookpipe-s3-pipeline-'));
    s3 = await startLoopbackS3();
    const { path: pdf } = await generateSampleBook(path.join(dir, 'sample.pdf'));
    onFs = await runOn(openScan({ root: path.join(dir, 'scans'), scanId: 'sample' }), pdf, true);
    s3Scan = await openS3Scan(`s3://${s3.bucket}/library`, 'sample', { endpoint: s3.endpoint, credentials: s3.credentials });
    onS3 = await runOn(s3Scan, pdf, false);
  }, 600_000);
  afterAll(async () => {
    await s3?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('book.md, the page numbers and every OCR page are the same', () => {
    expect(onS3.pages).toEqual(onFs.pages);
    expect(onS3.pages.length).toBeGreaterThan(3);
    expect(onS3.bookMd.length).toBeGreaterThan(500);
    expect(onS3.bookMd).toBe(onFs.bookMd);
    expect(onS3.pageNumbers).toBe(onFs.pageNumbers);
    expect(onS3.ocr).toEqual(onFs.ocr);
  });

  it('a second run on S3 resumes: every stage is complete and nothing is redone', async () => {
    const again = await openS3Scan(`s3://${s3.bucket}/library`, 'sample', { endpoint: s3.endpoint, credentials: s3.credentials });
    for (const stage of ['source', 'ocr', 'label', 'merge']) expect(await again.stage(stage).checkpoint.isComplete(), stage).toBe(true);
    expect(await again.stage('ocr').checkpoint.remainingPages()).toEqual([]);
    expect(await again.stageNames()).toEqual(['label', 'merge', 'ocr', 'source']);
  });

  it('no local folder named after the s3:// URL was made for the logs', () => {
    expect(existsSync(path.join(process.cwd(), 's3:'))).toBe(false);
  });
});
