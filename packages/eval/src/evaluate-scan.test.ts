import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BBox, type MergeBlock, type MergePage, MergePageSchema, type OcrPage, OcrPageSchema } from '@bookpipe/contracts';
import { openScan } from '@bookpipe/storage';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EvalResultSchema } from './eval-schema.js';
import { EVAL_FILE, EVAL_FOLDER, evaluateScan, readEvalResult } from './evaluate-scan.js';
import { formatEvalTable } from './format-table.js';

function ocrPage(pageNumber: number, lines: string[]): OcrPage {
  const bbox: BBox = { x: 100, y: 100, width: 800, height: 40 * lines.length };
  return {
    pageNumber,
    width: 1000,
    height: 1400,
    engine: { name: 'tesseract.js', version: 'test', language: 'eng', psm: 3 },
    meanConfidence: 0.9,
    blocks: [
      {
        blockNum: 1,
        bbox,
        paragraphs: [
          {
            parNum: 1,
            bbox,
            text: lines.join('\n'),
            confidence: 0.9,
            lines: lines.map((text, i) => ({
              bbox: { ...bbox, y: 100 + 40 * i, height: 40 },
              text,
              confidence: 0.9,
              words: text.split(' ').map((w) => ({ text: w, bbox, confidence: 0.9 })),
            })),
          },
        ],
      },
    ],
  };
}

const bbox: BBox = { x: 0, y: 0, width: 10, height: 10 };

/** A merged block of one OCR paragraph. */
function block(blockNum: number, classification: MergeBlock['classification'], text: string): MergeBlock {
  return {
    blockNum,
    bbox,
    classification,
    classConfidence: 0.9,
    labelMissing: false,
    paragraphs: [
      { parNum: 1, bbox, text, textSource: 'ocr', ocrText: text, ocrConfidence: 0.9, ocrWords: 1, correctionMissing: false, correctionConfidence: null },
    ],
  };
}

describe('evaluateScan and eval.json', () => {
  let root: string;
  let truth: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'bookpipe-eval-'));
    truth = path.join(root, 'truth');
    await mkdir(truth);
    const scan = openScan({ root, scanId: 'book' });
    await scan.init();
    await scan.updateMetadata({ totalPages: 1 });
    await scan
      .stage('ocr', { schema: OcrPageSchema })
      .savePage(1, ocrPage(1, ['a careful in-', 'vestigation']), { pageNum: 1, processingTimeSeconds: 0, costUsd: 0 });
    await writeFile(path.join(truth, 'page_0001.txt'), 'a careful investigation\n');
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('reports a blank truth page apart and leaves it out of the overall rates (its noise would be a rate of thousands of percent)', async () => {
    const scan = openScan({ root, scanId: 'book' });
    await scan.updateMetadata({ totalPages: 2 });
    await scan
      .stage('ocr', { schema: OcrPageSchema })
      .savePage(2, ocrPage(2, ['\u2019. ,ii; :l1 speckle noise']), { pageNum: 2, processingTimeSeconds: 0, costUsd: 0 });
    await writeFile(path.join(truth, 'page_0002.txt'), '');
    const result = await evaluateScan({ scan, truth, write: false });
    const blank = result.pages.find((p) => p.page === 2)!;
    expect(blank.text.ocr!.normalized.cer.referenceLength).toBe(0);
    expect(blank.text.ocr!.normalized.cer.rate).toBeGreaterThan(10);
    const overall = result.overall.ocr!;
    expect(overall.pages).toBe(1);
    expect(overall.blankPages).toMatchObject({ pages: 1, page: [2] });
    expect(overall.blankPages!.hypothesisChars).toBeGreaterThan(10);
    // The overall rate is page 1's alone.
    expect(overall.normalized.cer.rate).toBe(result.pages.find((p) => p.page === 1)!.text.ocr!.normalized.cer.rate);
    expect(formatEvalTable(result)).toMatch(/blank truth pages .*left out of the overall rates: OCR read \d+ characters on 1 \(page 2\)/);
  });

  it('matches page_NNNN truth, scores raw and normalised text, and writes eval.json that reads back through the schema', async () => {
    const scan = openScan({ root, scanId: 'book' });
    const result = await evaluateScan({ scan, truth, now: new Date('2026-01-02T03:04:05Z') });
    const page = result.pages[0]!;
    expect(page.truth).toMatchObject({ key: 'page_0001', matchedBy: 'page-number-name', scope: 'body', format: 'text' });
    expect(page.text.ocr?.normalized.cer.edits).toBe(0); // the line-end hyphen joined
    expect(page.text.ocr?.raw.cer).toMatchObject({ edits: 2, insertions: 2 }); // "in- vestigation"
    expect(page.text.corrected).toBeNull();
    expect(page.labels).toBeNull();
    expect(page.pageNumber).toBeNull();
    expect(result.createdAt).toBe('2026-01-02T03:04:05.000Z');
    expect(await readEvalResult(scan)).toEqual(result);
  });

  it('refuses an eval.json that does not match the schema, naming the file', async () => {
    const scan = openScan({ root, scanId: 'book' });
    const result = await evaluateScan({ scan, truth });
    await scan.stage(EVAL_FOLDER).writeFile(EVAL_FILE, JSON.stringify({ ...result, pages: [{ page: 0 }] }));
    await expect(readEvalResult(scan)).rejects.toMatchObject({
      code: 'FILE_CORRUPT',
      message: expect.stringContaining(path.join(root, 'book', 'eval', 'eval.json')),
    });
    expect(EvalResultSchema.safeParse({ ...result, overall: { ...result.overall, ocr: { pages: 1 } } }).success).toBe(false);
    expect(EvalResultSchema.safeParse({ ...result, schemaVersion: 2 }).success).toBe(false);
  });

  it('write: false leaves the scan alone; two truth pages for one scan page are refused', async () => {
    const scan = openScan({ root, scanId: 'book' });
    await evaluateScan({ scan, truth, write: false });
    expect(await scan.stageNames()).not.toContain('eval');
    await writeFile(path.join(truth, '1.txt'), 'another\n');
    await expect(evaluateScan({ scan, truth })).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      message: expect.stringContaining('Truth pages "1" and "page_0001" both match page 1 of scan "book"'),
    });
  });

  it('a plain-text page that holds the running head is scored as the whole page; one that does not, as the reading text', async () => {
    const scan = openScan({ root, scanId: 'book' });
    const merge: MergePage = {
      pageNumber: 1,
      width: 1000,
      height: 1400,
      printedPageNumber: '14',
      numberingStyle: 'arabic',
      pageNumberInferred: false,
      pageNumberSource: 'label-page',
      inputs: { correction: 'not-used', label: 'used' },
      continuation: { fromPrevious: false, toNext: false, endsWithHyphen: false },
      blocks: [block(1, 'HEADER', 'THE BOY APPRENTICED'), block(2, 'BODY', 'a careful investigation')],
    };
    await scan.stage('merge', { schema: MergePageSchema }).savePage(1, merge, { pageNum: 1, processingTimeSeconds: 0, costUsd: 0 });
    const body = await evaluateScan({ scan, truth, write: false });
    expect(body.pages[0]!.truth).toMatchObject({ scope: 'body', scopeDetected: false });
    expect(body.pages[0]!.text.merged).toMatchObject({ reference: 'body', normalized: { cer: { edits: 0 } } });

    await writeFile(path.join(truth, 'page_0001.txt'), 'THE BOY APPRENTICED\n\na careful investigation\n');
    const page = await evaluateScan({ scan, truth, write: false });
    expect(page.pages[0]!.truth).toMatchObject({ scope: 'page', scopeDetected: true });
    expect(page.pages[0]!.text.merged).toMatchObject({ reference: 'page', normalized: { cer: { edits: 0 } } });
    // Told the scope, no detection: the merged reading text lacks the head.
    const told = await evaluateScan({ scan, truth, write: false, plainTextScope: 'body' });
    expect(told.pages[0]!.text.merged?.normalized.cer.deletions).toBeGreaterThan(15);

    // The head marked as a furniture line inside the first text block (merge left it out of the text): detected all the same.
    const inline = block(1, 'BODY', 'a careful investigation');
    inline.paragraphs[0]!.furniture = [{ lineNum: 1, classification: 'HEADER', text: 'THE BOY APPRENTICED' }];
    await scan.stage('merge', { schema: MergePageSchema }).savePage(1, { ...merge, blocks: [inline] }, { pageNum: 1, processingTimeSeconds: 0, costUsd: 0 });
    const lined = await evaluateScan({ scan, truth, write: false });
    expect(lined.pages[0]!.truth).toMatchObject({ scope: 'page', scopeDetected: true });
    expect(lined.pages[0]!.text.merged).toMatchObject({ reference: 'page', normalized: { cer: { edits: 0 } } });

    // The head and its folio marked as two pieces of one line ("HATE", "3"): the truth keeps the line whole, "HATE 3".
    await writeFile(path.join(truth, 'page_0001.txt'), 'HATE 3\n\na careful investigation\n');
    const split = block(1, 'BODY', 'a careful investigation');
    split.paragraphs[0]!.furniture = [
      { lineNum: 1, words: [2, 2], classification: 'PAGE_NUMBER', text: '3' },
      { lineNum: 1, words: [1, 1], classification: 'HEADER', text: 'HATE' },
    ];
    await scan.stage('merge', { schema: MergePageSchema }).savePage(1, { ...merge, blocks: [split] }, { pageNum: 1, processingTimeSeconds: 0, costUsd: 0 });
    const pieces = await evaluateScan({ scan, truth, write: false });
    expect(pieces.pages[0]!.truth).toMatchObject({ scope: 'page', scopeDetected: true });
    // The head misread past matching, its folio read right: the truth's short first line ends with that folio.
    await writeFile(path.join(truth, 'page_0001.txt'), 'COLONIAL FLORIDA 3\n\na careful investigation\n');
    split.paragraphs[0]!.furniture = [
      { lineNum: 1, words: [1, 2], classification: 'HEADER', text: 'AEet wrmas' },
      { lineNum: 1, words: [3, 3], classification: 'PAGE_NUMBER', text: '3' },
    ];
    await scan.stage('merge', { schema: MergePageSchema }).savePage(1, { ...merge, blocks: [split] }, { pageNum: 1, processingTimeSeconds: 0, costUsd: 0 });
    expect((await evaluateScan({ scan, truth, write: false })).pages[0]!.truth).toMatchObject({ scope: 'page', scopeDetected: true });
    await writeFile(path.join(truth, 'page_0001.txt'), 'HATE 3\n\na careful investigation\n');
    // Head and folio read as two blocks side by side: the same.
    const head = block(1, 'HEADER', 'HATE');
    await scan
      .stage('merge', { schema: MergePageSchema })
      .savePage(
        1,
        { ...merge, blocks: [head, block(2, 'PAGE_NUMBER', '3'), block(3, 'BODY', 'a careful investigation')] },
        { pageNum: 1, processingTimeSeconds: 0, costUsd: 0 },
      );
    const blocks = await evaluateScan({ scan, truth, write: false });
    expect(blocks.pages[0]!.truth).toMatchObject({ scope: 'page', scopeDetected: true });
    expect(blocks.pages[0]!.text.merged).toMatchObject({ reference: 'page', normalized: { cer: { edits: 0 } } });
  });

  it('takes every page with furniture as the whole page when most pages of the book show their truth keeps it', async () => {
    const scan = openScan({ root, scanId: 'book' });
    await scan.updateMetadata({ totalPages: 4 });
    // Pages 1 and 2 keep "PREFACE vii" and "viii PREFACE" as read; page 3's head was misread; page 4 has no furniture.
    const heads = ['PREFACE vii', 'viii PREFACE', '. Riga wr ix', null];
    const truths = ['PREFACE vii', 'viii PREFACE', 'PREFACE ix', 'CHAPTER I'];
    for (const [index, head] of heads.entries()) {
      const page = index + 1;
      await scan.stage('ocr', { schema: OcrPageSchema }).savePage(page, ocrPage(page, ['the text']), { pageNum: page, processingTimeSeconds: 0, costUsd: 0 });
      const merge: MergePage = {
        pageNumber: page,
        width: 1000,
        height: 1400,
        printedPageNumber: null,
        numberingStyle: 'none',
        pageNumberInferred: false,
        pageNumberSource: 'none',
        inputs: { correction: 'not-used', label: 'used' },
        continuation: { fromPrevious: false, toNext: false, endsWithHyphen: false },
        blocks: [...(head ? [block(1, 'HEADER', head)] : []), block(2, 'BODY', 'the text')],
      };
      await scan.stage('merge', { schema: MergePageSchema }).savePage(page, merge, { pageNum: page, processingTimeSeconds: 0, costUsd: 0 });
      await writeFile(path.join(truth, `page_${String(page).padStart(4, '0')}.txt`), `${truths[index]}\n\nthe text\n`);
    }
    const result = await evaluateScan({ scan, truth, write: false });
    expect(result.pages.map((p) => p.truth.scopeDetected)).toEqual([true, true, true, false]);

    // One page alone that keeps its head says nothing of the others.
    await writeFile(path.join(truth, 'page_0002.txt'), 'the text\n');
    const alone = await evaluateScan({ scan, truth, write: false });
    expect(alone.pages.map((p) => p.truth.scopeDetected)).toEqual([true, false, false, false]);
  });
});
