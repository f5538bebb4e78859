/**
 * The correction and label stages without a model (no API key, no base URL: deterministic mode),
 * run by a real Pipeline after the real source and OCR stages on the sample book, which has a title
 * page, a copyright page, chapter openings, running heads with the page number at their outer end,
 * line-end hyphens and footnotes. Correction and label run concurrently, as they do in the CLI.
 */

import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  type CorrectionPage,
  CorrectionPageSchema,
  type LabelPage,
  LabelPageSchema,
  labelPageSchemaFor,
  type OcrPage,
  OcrPageSchema,
  type PageNumbersFile,
  PageNumbersFileSchema,
} from '@bookpipe/contracts';
import { loadConfig, Pipeline, type PipelineEvent, silentLogger } from '@bookpipe/core';
import { SourceStage } from '@bookpipe/source';
import { CorrectionStage } from '@bookpipe/stage-correction';
import { LabelStage } from '@bookpipe/stage-label';
import { OcrStage } from '@bookpipe/stage-ocr';
import { openScan } from '@bookpipe/storage';
import { generateSampleBook } from '@bookpipe/testkit/sample-book';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('correction and label stages in deterministic mode, through Pipeline on the sample book', () => {
  let dir: string;
  let scan: ReturnType<typeof openScan>;
  let events: PipelineEvent[];
  let ocr: OcrPage[];
  let corrections: CorrectionPage[];
  let labels: LabelPage[];
  let pageNumbers: PageNumbersFile;
  const config = loadConfig({}); // no key, no base URL: no LLM

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bookpipe-stages-'));
    const { path: pdf } = await generateSampleBook(path.join(dir, 'sample.pdf'));
    scan = openScan({ root: path.join(dir, 'scans'), scanId: 'sample' });
    events = [];
    const stages = [new SourceStage({ inputs: [pdf] }), new OcrStage({ maxWorkers: 2 }), new CorrectionStage(), new LabelStage()];
    const result = await new Pipeline({ scan, stages, config, logger: silentLogger, onEvent: (e) => events.push(e) }).run();
    expect(Object.values(result.stages).map((o) => o.status)).toEqual(['done', 'done', 'done', 'done']);
    const pages = await scan.pageNumbers();
    ocr = await Promise.all(pages.map((p) => scan.stage('ocr').loadPage(p, OcrPageSchema)));
    corrections = await Promise.all(pages.map((p) => scan.stage('correction').loadPage(p, CorrectionPageSchema)));
    labels = await Promise.all(pages.map((p) => scan.stage('label').loadPage(p, LabelPageSchema)));
    pageNumbers = PageNumbersFileSchema.parse(JSON.parse(await readFile(scan.stage('label').filePath('page-numbers.json'), 'utf8')));
  }, 300_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('correction: every OCR paragraph has an entry; line-end hyphens are resolved and nothing else changes', () => {
    let joined = 0;
    for (const [index, page] of corrections.entries()) {
      const source = ocr[index]!;
      expect(page.method).toBe('deterministic');
      expect(page.model).toBeNull();
      expect(page.paragraphs.map((p) => [p.blockNum, p.parNum])).toEqual(source.blocks.flatMap((b) => b.paragraphs.map((p) => [b.blockNum, p.parNum])));
      for (const paragraph of page.paragraphs) {
        if (paragraph.text === null) continue;
        joined += 1;
        // Only line ends changed: the same words, a hyphen and a space fewer per join.
        expect(paragraph.notes).toMatch(/line-end/);
        const ocrText = source.blocks
          .find((b) => b.blockNum === paragraph.blockNum)!
          .paragraphs.find((p) => p.parNum === paragraph.parNum)!
          .lines.map((l) => l.text.trim())
          .join(' ');
        expect(paragraph.text.replace(/[\s-]/g, '')).toBe(ocrText.replace(/[\s-]/g, ''));
      }
    }
    expect(joined).toBeGreaterThan(0);
  });

  it('label: every OCR block labelled once; title and copyright pages, chapter headings, running heads, footnotes; page numbers read or inferred', () => {
    for (const [index, label] of labels.entries()) {
      expect(() => labelPageSchemaFor(ocr[index]!).parse(label)).not.toThrow();
    }
    const classesOf = (index: number) => labels[index]!.blocks.map((block) => block.classification);
    const textOf = (index: number, classification: string) =>
      labels[index]!.blocks.filter((block) => block.classification === classification).map((block) =>
        ocr[index]!.blocks.find((b) => b.blockNum === block.blockNum)!
          .paragraphs.map((p) => p.text)
          .join(' '),
      );
    // Pages 1-2: title page (its imprint's year is no page number) and copyright page.
    expect(new Set(classesOf(0))).toEqual(new Set(['TITLE_PAGE']));
    expect(classesOf(1)).toEqual(['COPYRIGHT']);
    // Chapter openings (pages 3, 6, 8): "CHAPTER n" over the title, both the chapter heading; page 3 ends with its footnote.
    for (const index of [2, 5, 7]) expect(textOf(index, 'CHAPTER_HEADING').join(' | ')).toMatch(/^CHAPTER I+ \| \S/);
    expect(classesOf(2).at(-1)).toBe('FOOTNOTE');
    // Every other page has its running head, the page number at its outer end.
    for (const index of [3, 4, 6]) expect(classesOf(index)[0]).toBe('HEADER');
    // Folios: read in the heads, inferred on the openings (a lone one-digit drop folio is lost by OCR), none before the text.
    // The label pages hold what each page shows; page-numbers.json reconciles the book.
    expect(labels.map((label) => label.printedPageNumber)).toEqual([null, null, null, '2', '3', null, '5', null]);
    expect(pageNumbers.map((entry) => entry.page)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(pageNumbers.map((entry) => entry.read)).toEqual(labels.map((label) => label.printedPageNumber));
    expect(pageNumbers.map((entry) => entry.printedPageNumber)).toEqual([null, null, '1', '2', '3', '4', '5', '6']);
    expect(pageNumbers.map((entry) => entry.inferred)).toEqual([false, false, true, false, false, true, false, true]);
  });

  it('report.csv of both stages has one row per page; a rerun redoes nothing', async () => {
    for (const stage of ['correction', 'label']) {
      const rows = (await readFile(scan.stage(stage).filePath('report.csv'), 'utf8')).trim().split('\n');
      expect(rows).toHaveLength(9);
      expect(rows[0]).toMatch(/^pageNum,method,/);
      expect(rows.slice(1).every((row) => row.includes(',deterministic,'))).toBe(true);
    }
    const stages = [new CorrectionStage(), new LabelStage()];
    const again = await new Pipeline({ scan, stages, config, logger: silentLogger }).run();
    expect(Object.values(again.stages).map((o) => o.status)).toEqual(['skipped', 'skipped']);
  });
});

const evalDir = path.resolve(import.meta.dirname, '../../../../../shared/eval/old-books');
const haveEval = existsSync(evalDir);
if (!haveEval) console.warn(`Skipping the old-books pipeline test: ${evalDir} is absent (see /work/shared/eval/README.md).`);

describe.skipIf(!haveEval)('correction and label stages in deterministic mode, through Pipeline on six consecutive old-books pages (c015-c020)', () => {
  let dir: string;
  let scan: ReturnType<typeof openScan>;
  const files = [15, 16, 17, 18, 19, 20].map((n) => path.join(evalDir, `c0${n}.tiff`));
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bookpipe-stages-old-'));
    scan = openScan({ root: dir, scanId: 'old-books-c' });
    const stages = [new SourceStage({ inputs: files }), new OcrStage({ maxWorkers: 2 }), new CorrectionStage(), new LabelStage()];
    await new Pipeline({ scan, stages, config: loadConfig({}), logger: silentLogger }).run();
  }, 300_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('label: running heads on the five pages after the opening, a chapter heading on the opening, folios 11-16 after reconciliation', async () => {
    const labels = await Promise.all([1, 2, 3, 4, 5, 6].map((p) => scan.stage('label').loadPage(p, LabelPageSchema)));
    const pageNumbers = PageNumbersFileSchema.parse(JSON.parse(await readFile(scan.stage('label').filePath('page-numbers.json'), 'utf8')));
    console.log('old-books c015-c020 labels:', JSON.stringify(labels.map((l) => [l.printedPageNumber, l.blocks.map((b) => b.classification)])));
    expect(labels[0]!.blocks.map((b) => b.classification)).toContain('CHAPTER_HEADING');
    for (const label of labels.slice(1)) expect(label.blocks[0]!.classification).toBe('HEADER');
    expect(pageNumbers.map((entry) => entry.printedPageNumber)).toEqual(['11', '12', '13', '14', '15', '16']);
  });

  it('correction: every word joined at a line end is a word of the Gutenberg text of its page', async () => {
    let joins = 0;
    let inTruth = 0;
    const misses: string[] = [];
    for (const [index, file] of files.entries()) {
      const truth = new Set((await readFile(file.replace(/\.tiff$/, '.txt'), 'utf8')).toLowerCase().match(/\p{L}+/gu) ?? []);
      const page = await scan.stage('correction').loadPage(index + 1, CorrectionPageSchema);
      for (const paragraph of page.paragraphs) {
        for (const [, joined] of paragraph.notes.matchAll(/-> "([^"]+)" \(joined/g)) {
          joins += 1;
          const word =
            joined!
              .toLowerCase()
              .match(/\p{L}+/gu)
              ?.join('') ?? '';
          if (truth.has(word)) inTruth += 1;
          else misses.push(joined!);
        }
      }
    }
    console.log(`old-books c015-c020: ${inTruth}/${joins} line-end joins are words of the truth text; misses: ${JSON.stringify(misses)}`);
    expect(joins).toBeGreaterThan(0);
    expect(inTruth / joins).toBeGreaterThanOrEqual(0.9);
  });
});
