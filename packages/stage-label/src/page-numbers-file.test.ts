import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type LabelPage, LabelPageSchema, PageNumbersFileSchema } from '@bookpipe/contracts';
import { createStageContext, loadConfig, silentLogger } from '@bookpipe/core';
import { openScan } from '@bookpipe/storage';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LabelStage } from './label-stage.js';
import { writePageNumbers } from './page-numbers-file.js';

const label = (printed: string | null): LabelPage => ({
  printedPageNumber: printed,
  numberingStyle: printed === null ? 'none' : /\d/.test(printed) ? 'arabic' : 'roman',
  pageNumberLocation: printed === null ? 'none' : 'footer',
  pageNumberConfidence: 0.9,
  pageRegion: 'body',
  pageRegionConfidence: 0.8,
  blocks: [],
});

describe('writePageNumbers (label/page-numbers.json)', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'bookpipe-page-numbers-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('reconciles the numbers read on the label pages, and numbers a page that has no label page from its neighbours', async () => {
    const scan = openScan({ root, scanId: 'book' });
    await scan.init();
    await scan.updateMetadata({ totalPages: 8 });
    const output = scan.stage('label', { schema: LabelPageSchema });
    // Read: i, ii, (blank), 1 misread as "7", 2, <no label page: it failed>, 4, 5.
    const reads: Record<number, string | null> = { 1: 'i', 2: 'ii', 3: null, 4: '7', 5: '2', 7: '4', 8: '5' };
    for (const [page, printed] of Object.entries(reads)) {
      await output.savePage(Number(page), label(printed), { pageNum: Number(page), processingTimeSeconds: 0, costUsd: 0 });
    }
    const ctx = await createStageContext(new LabelStage(), { scan, logger: silentLogger, config: loadConfig({}) });
    await writePageNumbers(ctx);
    const file = PageNumbersFileSchema.parse(JSON.parse(await readFile(output.filePath('page-numbers.json'), 'utf8')));
    expect(file.map((e) => [e.page, e.printedPageNumber, e.inferred])).toEqual([
      [1, 'i', false],
      [2, 'ii', false],
      [3, 'iii', true],
      [4, '1', true],
      [5, '2', false],
      [6, '3', true],
      [7, '4', false],
      [8, '5', false],
    ]);
    expect(file[3]).toMatchObject({ read: '7' });
    expect(file[3]!.reason).toMatch(/corrected to 1/);
    expect(file[5]!.reason).toMatch(/^no label page; /);
  });
});
