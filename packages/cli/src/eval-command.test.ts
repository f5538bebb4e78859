// Needs the `eval` command registered in program.ts (and @bookpipe/eval in packages/cli/package.json).

import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BBox, type OcrPage, OcrPageSchema } from '@bookpipe/contracts';
import { EvalResultSchema } from '@bookpipe/eval';
import { openScan } from '@bookpipe/storage';
import { memoryIo } from '@bookpipe/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from './program.js';

/** An OCR page of one block per text, one line each, stacked down the page. */
function ocrPage(pageNumber: number, texts: string[]): OcrPage {
  return {
    pageNumber,
    width: 1000,
    height: 1400,
    engine: { name: 'tesseract.js', version: 'test', language: 'eng', psm: 3 },
    meanConfidence: 0.9,
    blocks: texts.map((text, i) => {
      const bbox: BBox = { x: 100, y: 100 + i * 100, width: 800, height: 40 };
      const words = text.split(' ').map((word, w) => ({ text: word, bbox: { ...bbox, x: 100 + w * 90, width: 80 }, confidence: 0.9 }));
      return { blockNum: i + 1, bbox, paragraphs: [{ parNum: 1, bbox, text, confidence: 0.9, lines: [{ bbox, text, confidence: 0.9, words }] }] };
    }),
  };
}

describe('bookpipe eval (in process)', () => {
  let root: string;
  let truth: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'bookpipe-cli-eval-'));
    truth = join(root, 'truth');
    await mkdir(truth);
    const scan = openScan({ root, scanId: 'tiny' });
    await scan.init();
    // As the source stage records a folder of page images.
    await scan.updateMetadata({
      totalPages: 2,
      sourceFiles: [
        { path: '/books/p001.png', sha256: 'x', sizeBytes: 1, pages: 1, firstPage: 1 },
        { path: '/books/p002.png', sha256: 'y', sizeBytes: 1, pages: 1, firstPage: 2 },
      ],
    });
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  const saveOcr = async () => {
    const ocr = openScan({ root, scanId: 'tiny' }).stage('ocr', { schema: OcrPageSchema });
    await ocr.savePage(1, ocrPage(1, ['It was a dark and']), { pageNum: 1, processingTimeSeconds: 1, costUsd: 0 });
    await ocr.savePage(2, ocrPage(2, ['stormy niqht.']), { pageNum: 2, processingTimeSeconds: 1, costUsd: 0 });
  };

  it('scores the OCR pages, prints the table, writes eval.json; --json prints it', async () => {
    await saveOcr();
    await writeFile(join(truth, 'p001.txt'), 'It was a dark and\n');
    await writeFile(join(truth, 'p002.txt'), 'stormy night.\n');
    const io = memoryIo();
    expect(await main(['eval', 'tiny', '--truth', truth, '--root', root], io)).toBe(0);
    expect(io.out()).toMatch(/^1\s+p001\s+0\.0%\s+0\.0%/m);
    // "niqht" for "night": 1 of 13 characters, 1 of 2 words.
    expect(io.out()).toMatch(/^2\s+p002\s+7\.7%\s+50\.0%/m);
    expect(io.out()).toMatch(/^all\s+2 pages\s+3\.3%\s+14\.3%/m); // 1 / 30 characters, 1 / 7 words
    const file = join(root, 'tiny', 'eval', 'eval.json');
    expect(io.err()).toContain(`eval.json: ${file}`);
    const written = EvalResultSchema.parse(JSON.parse(await readFile(file, 'utf8')));
    expect(written.overall.ocr?.normalized.cer).toMatchObject({ edits: 1, referenceLength: 30 });
    expect(written.overall.corrected).toBeNull();

    const json = memoryIo();
    expect(await main(['eval', 'tiny', '--truth', truth, '--root', root, '--json'], json)).toBe(0);
    expect(EvalResultSchema.parse(JSON.parse(json.out())).pages.map((p) => p.truth.key)).toEqual(['p001', 'p002']);
    // --json writes eval.json too, and prints every figure it holds (blank truth pages included).
    expect(JSON.parse(json.out())).toEqual(JSON.parse(await readFile(file, 'utf8')));
    expect(JSON.parse(json.out()).overall.ocr.blankPages).toEqual({ pages: 0, hypothesisChars: 0, page: [] });
    expect(json.err()).toContain(`eval.json: ${file}`);
  });

  it('an unknown scan: says how to make it', async () => {
    const io = memoryIo();
    expect(await main(['eval', 'nope', '--truth', truth, '--root', root], io)).toBe(1);
    expect(io.err()).toContain(`There is no scan "nope" in ${root}. Run \`bookpipe run <pdf-or-folder> --scan-id nope\` first`);
  });

  it('a missing truth folder, and a scan with no stage output yet', async () => {
    const missing = memoryIo();
    expect(await main(['eval', 'tiny', '--truth', join(root, 'absent'), '--root', root], missing)).toBe(1);
    expect(missing.err()).toContain(`The truth folder ${join(root, 'absent')} does not exist`);
    await writeFile(join(truth, 'p001.txt'), 'It was a dark and\n');
    const early = memoryIo();
    expect(await main(['eval', 'tiny', '--truth', truth, '--root', root], early)).toBe(1);
    expect(early.err()).toContain('Scan "tiny" has no OCR output yet');
    expect(early.err()).toContain('Run `bookpipe run` first.');
  });

  it('truth pages that match no scan page are named; --ignore-unmatched scores the others; truth-pages.json maps them', async () => {
    await saveOcr();
    await writeFile(join(truth, 'p001.txt'), 'It was a dark and\n');
    await writeFile(join(truth, 'chapter-2.txt'), 'stormy night.\n');
    const io = memoryIo();
    expect(await main(['eval', 'tiny', '--truth', truth, '--root', root], io)).toBe(1);
    expect(io.err()).toContain('1 truth page(s) match no page of scan "tiny" (2 pages, from p001, p002): chapter-2.txt.');
    expect(io.err()).toContain('--ignore-unmatched');

    const partial = memoryIo();
    expect(await main(['eval', 'tiny', '--truth', truth, '--root', root, '--ignore-unmatched', '--json'], partial)).toBe(0);
    const result = EvalResultSchema.parse(JSON.parse(partial.out()));
    expect(result.unmatchedTruth).toEqual(['chapter-2']);
    expect(result.pagesWithoutTruth).toEqual([2]);

    await writeFile(join(truth, 'truth-pages.json'), JSON.stringify({ 'chapter-2': 2 }));
    const mapped = memoryIo();
    expect(await main(['eval', 'tiny', '--truth', truth, '--root', root, '--json'], mapped)).toBe(0);
    expect(EvalResultSchema.parse(JSON.parse(mapped.out())).pages.map((p) => [p.page, p.truth.matchedBy])).toEqual([
      [1, 'file-name'],
      [2, 'page-map'],
    ]);
  });
});
