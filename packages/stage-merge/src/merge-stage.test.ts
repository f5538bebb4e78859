import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BookSchema, type LabelPage, LabelPageSchema, type MergePage, MergePageSchema, OcrPageSchema } from '@bookpipe/contracts';
import { type BookStorage, loadConfig, Pipeline, type PipelineEvent, silentLogger } from '@bookpipe/core';
import { openScan } from '@bookpipe/storage';
import { smallPage } from '@bookpipe/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MergeStage } from './merge-stage.js';

const config = loadConfig({});
const pages = [
  smallPage(1, [[['CHAPTER ONE']], [['  It was a dark and stormy', 'night; the rain fell in']]]),
  smallPage(2, [[['torrents, except at occasional intervals.']], [['2']]]),
  smallPage(3, [[['  A new paragraph starts here.']], [['3']]]),
];

async function scanWithOcr(root: string): Promise<BookStorage> {
  const scan = openScan({ root, scanId: 'book' });
  await scan.init();
  await scan.updateMetadata({ totalPages: pages.length, title: 'Stormy' });
  const ocr = scan.stage('ocr', { schema: OcrPageSchema });
  for (const page of pages) await ocr.savePage(page.pageNumber, page, { pageNum: page.pageNumber, processingTimeSeconds: 0, costUsd: 0 });
  await ocr.checkpoint.markStageComplete({});
  return scan;
}

/** A label page without a printed page number, its blocks classed in order. */
function unnumberedLabelPage(classes: LabelPage['blocks'][number]['classification'][]): LabelPage {
  return {
    printedPageNumber: null,
    numberingStyle: 'none',
    pageNumberLocation: 'none',
    pageNumberConfidence: 0.5,
    pageRegion: 'body',
    pageRegionConfidence: 0.6,
    blocks: classes.map((classification, index) => ({ blockNum: index + 1, classification, confidence: 0.9 })),
  };
}

describe('MergeStage', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'bookpipe-merge-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('depends on ocr, and optionally on correction and label; `use` makes one required or leaves it out', () => {
    const optional = (stage: string) => ({ stage, optional: true });
    expect(new MergeStage().dependencies).toEqual(['ocr', optional('correction'), optional('label')]);
    expect(new MergeStage({ use: { correction: false } }).dependencies).toEqual(['ocr', optional('label')]);
    expect(new MergeStage({ use: { correction: true, label: false } }).dependencies).toEqual(['ocr', 'correction']);
    expect(new MergeStage({ use: { correction: false, label: false } }).dependencies).toEqual(['ocr']);
    expect(() => new MergeStage({ concurrency: 0 })).toThrow(/Invalid option `concurrency`: 0/);
  });

  it('reads an optional input complete in the scan, and leaves out one that is not complete', async () => {
    const scan = await scanWithOcr(root);
    const label = scan.stage('label', { schema: LabelPageSchema });
    const labelPage = unnumberedLabelPage(['CHAPTER_HEADING']);
    await label.savePage(1, labelPage, { pageNum: 1, processingTimeSeconds: 0, costUsd: 0 });
    const merge = scan.stage('merge', { schema: MergePageSchema });
    const bookInputs = async () => BookSchema.parse(JSON.parse(await readFile(merge.filePath('book.json'), 'utf8'))).inputs;

    // Label has a page but never completed: not read (and not refused, as a required input would be).
    await new Pipeline({ scan, config, logger: silentLogger, stages: [new MergeStage()] }).run();
    expect(await bookInputs()).toEqual({ correction: false, label: false });
    await expect(new Pipeline({ scan, config, logger: silentLogger, stages: [new MergeStage({ use: { label: true } })] }).run()).rejects.toThrow(
      /depends on "label", which is not in this pipeline and has not completed/,
    );

    await label.checkpoint.markStageComplete({});
    const result = await new Pipeline({ scan, config, logger: silentLogger, stages: [new MergeStage()] }).run();
    expect(result.ok).toBe(true);
    expect(await bookInputs()).toEqual({ correction: false, label: true });
    expect((await merge.loadPage<MergePage>(1)).blocks[0]!.classification).toBe('CHAPTER_HEADING');
  });

  it('OCR-only: a page per OCR page, continuation across the breaks, report.csv, book.json and book.md', async () => {
    const scan = await scanWithOcr(root);
    const events: PipelineEvent[] = [];
    await new Pipeline({
      scan,
      config,
      logger: silentLogger,
      stages: [new MergeStage({ use: { correction: false, label: false } })],
      onEvent: (e) => events.push(e),
    }).run();
    const merge = scan.stage('merge', { schema: MergePageSchema });
    expect(await merge.listPages()).toEqual([1, 2, 3]);
    const merged = await Promise.all([1, 2, 3].map((p) => merge.loadPage<MergePage>(p)));
    // Unlabelled, a heading would count as text; folios (no letter) never do.
    expect(merged.map((p) => p.continuation)).toEqual([
      { fromPrevious: false, toNext: true, endsWithHyphen: false },
      { fromPrevious: true, toNext: false, endsWithHyphen: false },
      { fromPrevious: false, toNext: false, endsWithHyphen: false },
    ]);
    const report = (await readFile(merge.filePath('report.csv'), 'utf8')).trim().split('\n');
    expect(report[0]).toBe(
      'pageNum,printedPageNumber,blocks,paragraphs,ocrWords,correctedParagraphs,blocksWithoutLabel,paragraphsWithoutCorrection,correctionRefused,fromPrevious,toNext',
    );
    expect(report[1]).toBe('1,,2,2,13,0,2,0,0,false,true');
    const book = BookSchema.parse(JSON.parse(await readFile(merge.filePath('book.json'), 'utf8')));
    expect(book.inputs).toEqual({ correction: false, label: false });
    expect(book.title).toBe('Stormy');
    const md = await readFile(merge.filePath('book.md'), 'utf8');
    expect(md).toContain('night; the rain fell in <a id="scan-page-2"></a>torrents, except at occasional intervals.');
    const bookEvent = events.find((e) => e.type === 'stage:event' && e.event.type === 'merge:book');
    expect(bookEvent).toMatchObject({ event: { bookMd: merge.filePath('book.md') } });
  });

  it('with labels: a missing label page leaves that page unlabelled and says so; the folio is left out of the text', async () => {
    const scan = await scanWithOcr(root);
    const label = scan.stage('label', { schema: LabelPageSchema });
    const labelPage = (printed: string, classes: LabelPage['blocks'][number]['classification'][]): LabelPage => ({
      printedPageNumber: printed,
      numberingStyle: 'arabic',
      pageNumberLocation: 'footer',
      pageNumberConfidence: 0.9,
      pageRegion: 'body',
      pageRegionConfidence: 0.6,
      blocks: classes.map((classification, index) => ({ blockNum: index + 1, classification, confidence: 0.9 })),
    });
    await label.savePage(2, labelPage('2', ['BODY', 'PAGE_NUMBER']), { pageNum: 2, processingTimeSeconds: 0, costUsd: 0 });
    await label.savePage(3, labelPage('3', ['BODY', 'PAGE_NUMBER']), { pageNum: 3, processingTimeSeconds: 0, costUsd: 0 });
    await label.writeFile(
      'page-numbers.json',
      JSON.stringify(
        [1, 2, 3].map((page) => ({
          page,
          printedPageNumber: String(page),
          numberingStyle: 'arabic',
          inferred: page === 1,
          read: page === 1 ? null : String(page),
          confidence: 0.9,
        })),
      ),
    );
    await label.checkpoint.markStageComplete({});

    await new Pipeline({ scan, config, logger: silentLogger, stages: [new MergeStage({ use: { correction: false } })] }).run();
    const merge = scan.stage('merge', { schema: MergePageSchema });
    const [one, two] = await Promise.all([1, 2].map((p) => merge.loadPage<MergePage>(p)));
    expect(one!.inputs.label).toBe('missing');
    expect(one!.blocks.every((b) => b.labelMissing && b.classification === 'BODY' && b.classConfidence === 0)).toBe(true);
    expect(one).toMatchObject({ printedPageNumber: '1', pageNumberInferred: true, pageNumberSource: 'label-book' });
    expect(two!.blocks.map((b) => b.classification)).toEqual(['BODY', 'PAGE_NUMBER']);
    const md = await readFile(merge.filePath('book.md'), 'utf8');
    expect(md).not.toMatch(/intervals\.\s*2/);
    const book = BookSchema.parse(JSON.parse(await readFile(merge.filePath('book.json'), 'utf8')));
    expect(book.pages[1]!.removed).toEqual([{ blockNum: 2, classification: 'PAGE_NUMBER', text: '2' }]);
  });

  it('a label page its journal holds as done but whose file is gone or invalid fails that page, naming the file and the stage to run again', async () => {
    const scan = await scanWithOcr(root);
    const label = scan.stage('label', { schema: LabelPageSchema });
    const labelPage = unnumberedLabelPage(['BODY']);
    for (const page of [1, 2, 3]) await label.savePage(page, labelPage, { pageNum: page, processingTimeSeconds: 0, costUsd: 0 });
    await label.checkpoint.markStageComplete({});
    // Damaged after the label stage completed: its journal still says every page is done.
    await rm(label.pagePath(2));
    await writeFile(label.pagePath(3), '{"printedPageNumber": 3}');

    const result = await new Pipeline({ scan, config, logger: silentLogger, stages: [new MergeStage({ use: { correction: false } })] }).run();
    expect(result.ok).toBe(false);
    expect(result.failedPages.map((f) => [f.page, f.stage])).toEqual([
      [2, 'merge'],
      [3, 'merge'],
    ]);
    const [two, three] = result.failedPages.map((f) => f.error);
    expect(two).toContain(`Page 2 of stage "label" in scan "book" is journalled as done, but its file ${label.pagePath(2)} is missing`);
    expect(three).toContain(`Page 3 of stage "label" in scan "book" is journalled as done, but its file ${label.pagePath(3)} is not a valid page`);
    for (const error of [two, three]) expect(error).toContain('Run the label stage again (it redoes that page), then the merge.');
    // No page merged from OCR text alone in their place; the book lists them as missing.
    const book = BookSchema.parse(JSON.parse(await readFile(scan.stage('merge').filePath('book.json'), 'utf8')));
    expect(book.missingPages.map((m) => m.page)).toEqual([2, 3]);
  });

  it('merges again when a label page missing at the last merge now exists (a page redone after failing)', async () => {
    const scan = await scanWithOcr(root);
    const label = scan.stage('label', { schema: LabelPageSchema });
    for (const page of [2, 3])
      await label.savePage(page, unnumberedLabelPage(['BODY', 'PAGE_NUMBER']), { pageNum: page, processingTimeSeconds: 0, costUsd: 0 });
    await label.checkpoint.markStageComplete({});
    const stage = () => new MergeStage({ use: { correction: false } });
    await new Pipeline({ scan, config, logger: silentLogger, stages: [stage()] }).run();
    const merge = scan.stage('merge', { schema: MergePageSchema });
    expect((await merge.loadPage<MergePage>(1)).inputs.label).toBe('missing');

    // Unchanged inputs: the complete merge is skipped.
    const again = await new Pipeline({ scan, config, logger: silentLogger, stages: [stage()] }).run();
    expect(again.stages.merge).toMatchObject({ status: 'skipped' });

    await label.savePage(1, unnumberedLabelPage(['CHAPTER_HEADING', 'BODY']), { pageNum: 1, processingTimeSeconds: 0, costUsd: 0 });
    const events: PipelineEvent[] = [];
    const redone = await new Pipeline({ scan, config, logger: silentLogger, stages: [stage()], onEvent: (e) => events.push(e) }).run();
    expect(redone.stages.merge).toMatchObject({ status: 'done', stats: { pagesProcessed: 3 } });
    expect(events.find((e) => e.type === 'stage:event' && e.event.type === 'merge:stale')).toMatchObject({
      event: { reason: 'page 1 was merged without its label page (missing), which now exists' },
    });
    expect((await merge.loadPage<MergePage>(1)).blocks[0]!.classification).toBe('CHAPTER_HEADING');
    expect(await readFile(merge.filePath('book.md'), 'utf8')).toContain('## CHAPTER ONE');
  });

  it('writes book.json and book.md again when a complete merge lost them, without merging the pages again', async () => {
    const scan = await scanWithOcr(root);
    const stage = () => new MergeStage({ use: { correction: false, label: false } });
    await new Pipeline({ scan, config, logger: silentLogger, stages: [stage()] }).run();
    const merge = scan.stage('merge', { schema: MergePageSchema });
    const bookMd = await readFile(merge.filePath('book.md'), 'utf8');
    const bookJson = await readFile(merge.filePath('book.json'), 'utf8');

    await rm(merge.filePath('book.md'));
    const events: PipelineEvent[] = [];
    const again = await new Pipeline({ scan, config, logger: silentLogger, stages: [stage()], onEvent: (e) => events.push(e) }).run();
    expect(again.stages.merge).toMatchObject({ status: 'skipped' });
    expect(events.filter((e) => e.type === 'page:done')).toEqual([]);
    expect(events.find((e) => e.type === 'stage:event' && e.event.type === 'merge:warning')).toMatchObject({
      event: { message: `${merge.filePath('book.md')} was missing: written again from the merge pages.` },
    });
    expect(await readFile(merge.filePath('book.md'), 'utf8')).toBe(bookMd);

    await rm(merge.filePath('book.md'));
    await rm(merge.filePath('book.json'));
    await new Pipeline({ scan, config, logger: silentLogger, stages: [stage()] }).run();
    expect(await readFile(merge.filePath('book.md'), 'utf8')).toBe(bookMd);
    expect(await readFile(merge.filePath('book.json'), 'utf8')).toBe(bookJson);
  });

  it('resumes with the missing pages only, and updates the continuation of a neighbour merged before', async () => {
    const scan = await scanWithOcr(root);
    const stage = () => new MergeStage({ use: { correction: false, label: false } });
    // The first run merges page 1 alone (page 2's OCR is "missing" at that point).
    const ocr = scan.stage('ocr');
    const page2 = await ocr.readFile('page_0002.json');
    await rm(ocr.pagePath(2));
    const first = await new Pipeline({ scan, config, logger: silentLogger, stages: [stage()] }).run();
    expect(first.stages.merge).toMatchObject({ status: 'done', stats: { pagesProcessed: 2, pagesFailed: 1 } });
    // The run resolves, but says the book has a hole and where.
    expect(first.ok).toBe(false);
    expect(first.failedPages).toEqual([
      { stage: 'merge', page: 2, error: expect.stringContaining('Page 2 of stage "ocr" is missing'), code: 'DEPENDENCY_MISSING' },
    ]);
    const merge = scan.stage('merge', { schema: MergePageSchema });
    expect((await merge.loadPage<MergePage>(1)).continuation.toNext).toBe(false);
    expect(await readFile(merge.filePath('book.md'), 'utf8')).toContain('<!-- page 2 of the scan is missing: Page 2 of stage "ocr" is missing');

    await ocr.savePage(2, JSON.parse(page2), { pageNum: 2, processingTimeSeconds: 0, costUsd: 0 });
    const second = await new Pipeline({ scan, config, logger: silentLogger, stages: [stage()] }).run();
    expect(second.stages.merge).toMatchObject({ status: 'done', stats: { pagesProcessed: 1, pagesSkipped: 2 } });
    expect([second.ok, second.failedPages]).toEqual([true, []]);
    expect((await merge.loadPage<MergePage>(1)).continuation.toNext).toBe(true);
    expect((await merge.loadPage<MergePage>(2)).continuation.fromPrevious).toBe(true);
  });

  it('resuming keeps the far side of a neighbour merged before (its other neighbour is read too), so the book equals an uninterrupted one', async () => {
    // Found by the crash matrix (packages/integration/src/crash): a run killed after saving pages 1-2 left
    // page 3 to the rerun, which recomputed page 2's continuation without page 1 and cleared fromPrevious.
    const scan = await scanWithOcr(root);
    const stage = () => new MergeStage({ use: { correction: false, label: false } });
    await new Pipeline({ scan, config, logger: silentLogger, stages: [stage()] }).run();
    const merge = scan.stage('merge', { schema: MergePageSchema });
    const page2 = await merge.readFile('page_0002.json');
    const bookMd = await readFile(merge.filePath('book.md'), 'utf8');
    expect((await merge.loadPage<MergePage>(2)).continuation.fromPrevious).toBe(true);

    await rm(merge.pagePath(3)); // as if the run had stopped before saving page 3
    const again = await new Pipeline({ scan, config, logger: silentLogger, stages: [stage()], resume: true }).run();
    expect(again.stages.merge).toMatchObject({ status: 'done', stats: { pagesProcessed: 1, pagesSkipped: 2 } });
    expect(await merge.readFile('page_0002.json')).toBe(page2);
    expect(await readFile(merge.filePath('book.md'), 'utf8')).toBe(bookMd);
  });

  it('refuses to start without OCR pages, naming the next step', async () => {
    const scan = openScan({ root, scanId: 'empty' });
    await scan.init();
    await scan.updateMetadata({ totalPages: 1 });
    await scan.stage('ocr').checkpoint.markStageComplete({});
    await expect(
      new Pipeline({ scan, config, logger: silentLogger, stages: [new MergeStage({ use: { correction: false, label: false } })] }).run(),
    ).rejects.toThrow(/Stage "merge" needs pages from stage "ocr" in scan "empty".*Run the ocr stage first/);
  });
});
