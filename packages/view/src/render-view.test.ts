import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CorrectionPage, CorrectionPageSchema, type LabelPage, LabelPageSchema, type OcrPage, OcrPageSchema } from '@bookpipe/contracts';
import type { FileFolder } from '@bookpipe/core';
import { openFolder, openScan } from '@bookpipe/storage';
import { blankPagePng, deadPid, scanWithSourcePages, smallPage } from '@bookpipe/testkit';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderView } from './render-view.js';

/** A page image with a dark bar where each OCR word is: enough for sharp to decode, resize and encode. */
async function pagePng(page: OcrPage): Promise<Buffer> {
  const words = page.blocks.flatMap((b) => b.paragraphs.flatMap((p) => p.lines.flatMap((l) => l.words)));
  const bars = words.map((w) => ({
    input: { create: { width: w.bbox.width, height: w.bbox.height, channels: 3 as const, background: '#111' } },
    left: w.bbox.x,
    top: w.bbox.y,
  }));
  return sharp({ create: { width: page.width, height: page.height, channels: 3, background: '#fff' } })
    .composite(bars)
    .png()
    .toBuffer();
}

const llmMetrics = (page: number, costUsd: number | null) => ({
  pageNum: page,
  processingTimeSeconds: 1,
  costUsd,
  attempts: 1,
  model: 'gpt-test',
  provider: 'openai',
  promptTokens: 1000,
  completionTokens: 100,
  queueSeconds: 0,
  executionSeconds: 1,
  method: 'llm',
});

describe('renderView on a scan in real storage', () => {
  let root: string;
  const pages = [
    smallPage(1, [[['CHAPTER I']], [['The qnick brown fox', 'jumps over the']]], { qnick: 0.3 }),
    smallPage(2, [[['lazy dog. <script>alert(1)</script>']]]),
    smallPage(3, [[['The end']]]),
  ];

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'bookpipe-view-'));
    const scan = openScan({ root, scanId: 'book' });
    await scan.init();
    await scan.updateMetadata({ totalPages: 3, title: 'A <b>Title</b>' });
    const source = scan.stage('source', { pageFormat: 'png' });
    const ocr = scan.stage('ocr', { schema: OcrPageSchema });
    for (const page of pages) {
      await source.savePage(page.pageNumber, await pagePng(page), { pageNum: page.pageNumber, processingTimeSeconds: 0.1, costUsd: 0 });
      await ocr.savePage(page.pageNumber, page, {
        pageNum: page.pageNumber,
        processingTimeSeconds: 1,
        costUsd: 0,
        engine: 'tesseract 5.3.0',
        model: 'eng-fast',
      });
    }
    const correction = scan.stage('correction', { schema: CorrectionPageSchema });
    const fix = (pageNumber: number, paragraphs: CorrectionPage['paragraphs']): CorrectionPage => ({
      pageNumber,
      method: 'llm',
      model: 'gpt-test',
      paragraphs,
      totals: { paragraphs: paragraphs.length, corrected: 1, charactersChanged: 1 },
      flags: [],
      createdAt: '2026-11-29T00:00:00Z',
    });
    await correction.savePage(
      1,
      fix(1, [
        { blockNum: 1, parNum: 1, text: null, notes: '', confidence: 0.9 },
        { blockNum: 2, parNum: 1, text: 'The quick brown fox jumps over the', notes: 'qnick -> quick', confidence: 0.9 },
      ]),
      llmMetrics(1, 0.0125),
    );
    await correction.savePage(3, fix(3, [{ blockNum: 1, parNum: 1, text: null, notes: '', confidence: 0.9 }]), llmMetrics(3, null));
    await correction.checkpoint.markFailed(2, 'openai: 429 rate limited after 5 attempts');
    const label = scan.stage('label', { schema: LabelPageSchema });
    const labels: LabelPage = {
      printedPageNumber: '1',
      numberingStyle: 'arabic',
      pageNumberLocation: 'footer',
      pageNumberConfidence: 0.9,
      pageRegion: 'body',
      pageRegionConfidence: 0.9,
      blocks: [
        { blockNum: 1, classification: 'CHAPTER_HEADING', confidence: 0.9 },
        { blockNum: 2, classification: 'BODY', confidence: 0.9 },
      ],
    };
    await label.savePage(1, labels, { pageNum: 1, processingTimeSeconds: 1, costUsd: 0, method: 'deterministic' });
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('writes index.html, a page per page and two images per page, and says which stage is missing', async () => {
    // Small images keep the test fast; the image sizes of real pages are the slow suite's.
    const result = await renderView({ scan: openScan({ root, scanId: 'book' }), imageWidth: 400, now: () => new Date('2026-11-29T12:00:00Z') });
    expect(result).toMatchObject({ dir: join(root, 'book', 'view'), pages: 3, missingStages: ['merge'], imagesWritten: 3, failedPages: [2] });
    expect((await readdir(join(result.dir, 'pages'))).sort()).toEqual(['page_0001.html', 'page_0002.html', 'page_0003.html']);
    expect((await readdir(join(result.dir, 'images'))).sort()).toEqual([
      'page_0001.jpg',
      'page_0001.thumb.jpg',
      'page_0002.jpg',
      'page_0002.thumb.jpg',
      'page_0003.jpg',
      'page_0003.thumb.jpg',
    ]);
    const thumb = await sharp(join(result.dir, 'images', 'page_0001.thumb.jpg')).metadata();
    expect([thumb.width, thumb.height]).toEqual([240, 360]);

    const index = await readFile(result.indexPath, 'utf8');
    expect(index).toContain('<h1>A &lt;b&gt;Title&lt;/b&gt;</h1>');
    expect(index).toContain('Stages not run on this scan: <strong>merge</strong>.');
    // Correction: one known cost, one unknown, one failed page linked with its error.
    expect(index).toMatch(
      /<th scope="row">correction<\/th>\n<td class="num">2\/3<\/td>\n<td>not complete<\/td>\n<td class="num">1<\/td>\n<td><span title="openai: 429 rate limited after 5 attempts"><a href="pages\/page_0002.html">2<\/a><\/span><\/td>\n<td>llm, openai gpt-test<\/td>\n<td class="num">\$0\.0125 \+ unknown for 1 pages<\/td>\n<td class="num">2000 in \/ 200 out<\/td>/,
    );
    expect(index).toMatch(/<th scope="row">ocr<\/th>[\s\S]*?<td>tesseract 5\.3\.0, eng-fast<\/td>\n<td class="num">no LLM<\/td>/);
    expect(index).toContain('<dt>LLM cost</dt><dd>$0.0125 + unknown (see the stages)</dd>');
    expect(index).toContain('<dt>low-confidence words</dt><dd>1 under 0.60 (7.1%)</dd>');
    expect(index).toContain('<dt>paragraphs changed</dt><dd>1 of 4</dd>');
    expect(index).toContain('<img src="images/page_0001.thumb.jpg" width="240" height="360" loading="lazy" alt="Page 1">');
    expect(index).toContain('<span class="swatch c-unlabelled"></span>no label <span class="muted">(2)</span>');
    expect(index).toContain('<span class="swatch c-CHAPTER_HEADING"></span>chapter heading <span class="muted">(1)</span>');

    const page1 = await readFile(join(result.dir, 'pages', 'page_0001.html'), 'utf8');
    expect(page1).toContain(
      '<del title="read by OCR, not in the final text"><mark class="low" title="OCR confidence 0.30">qnick</mark></del> <ins title="not read by OCR">quick</ins>',
    );
    expect(page1).toContain('<image href="../images/page_0001.jpg"');
    const page2 = await readFile(join(result.dir, 'pages', 'page_0002.html'), 'utf8');
    expect(page2).toContain('<strong>correction</strong> failed: openai: 429 rate limited after 5 attempts');
    expect(page2).toContain('lazy dog. &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page2).not.toMatch(/<script/i);
  });

  it('a second render keeps the images that are newer than their inputs; --out writes elsewhere and leaves the scan folder alone', async () => {
    await renderView({ scan: openScan({ root, scanId: 'book' }), imageWidth: 400 });
    const again = await renderView({ scan: openScan({ root, scanId: 'book' }), imageWidth: 400 });
    expect(again.imagesWritten).toBe(0);
    const elsewhere = await renderView({ scan: openScan({ root, scanId: 'book' }), out: openFolder(join(root, 'report')), imageWidth: 400 });
    expect(elsewhere.indexPath).toBe(join(root, 'report', 'index.html'));
    expect(elsewhere.imagesWritten).toBe(3);
    // The view folder is not taken for a stage.
    expect(elsewhere.missingStages).toEqual(['merge']);
  });

  it('keeps the images of pages that have no OCR page yet, and removes the temp files a killed view left', async () => {
    // Issue 15: a page without OCR was given an unknown input, so it was never up to date and every
    // view (every rerun after a killed one) encoded it again.
    const png = await blankPagePng(join(root, 'blank.png'), 300, 400);
    const scan = await scanWithSourcePages(openScan({ root, scanId: 'source-only' }), [{ png }, { png }]);
    const first = await renderView({ scan, imageWidth: 200 });
    expect(first.imagesWritten).toBe(2);
    const before = await stat(join(first.dir, 'images', 'page_0001.jpg'));
    const leftover = join(first.dir, 'images', `.page_0002.jpg.${deadPid()}.0123abcd.tmp`);
    await writeFile(leftover, 'half an image');
    const again = await renderView({ scan: openScan({ root, scanId: 'source-only' }), imageWidth: 200 });
    expect(again.imagesWritten).toBe(0);
    const after = await stat(join(first.dir, 'images', 'page_0001.jpg'));
    expect({ ino: after.ino, mtimeMs: after.mtimeMs }).toEqual({ ino: before.ino, mtimeMs: before.mtimeMs });
    expect((await readdir(join(first.dir, 'images'))).sort()).toEqual(['page_0001.jpg', 'page_0001.thumb.jpg', 'page_0002.jpg', 'page_0002.thumb.jpg']);
  });

  it('writes WebP when asked; a view in the other format replaces the page images, leaving none of the old ones', async () => {
    const png = await blankPagePng(join(root, 'blank.png'), 300, 400);
    const scan = await scanWithSourcePages(openScan({ root, scanId: 'formats' }), [{ png }]);
    const webp = await renderView({ scan, imageWidth: 200, imageFormat: 'webp' });
    expect((await readdir(join(webp.dir, 'images'))).sort()).toEqual(['page_0001.thumb.webp', 'page_0001.webp']);
    expect((await sharp(join(webp.dir, 'images', 'page_0001.webp')).metadata()).format).toBe('webp');
    const jpeg = await renderView({ scan, imageWidth: 200 });
    expect(jpeg.imagesWritten).toBe(1);
    expect((await readdir(join(jpeg.dir, 'images'))).sort()).toEqual(['page_0001.jpg', 'page_0001.thumb.jpg']);
    expect((await sharp(join(jpeg.dir, 'images', 'page_0001.jpg')).metadata()).format).toBe('jpeg');
    expect(await readFile(join(jpeg.dir, 'pages', 'page_0001.html'), 'utf8')).toContain('<image href="../images/page_0001.jpg"');
    await expect(renderView({ scan, imageFormat: 'gif' as never })).rejects.toThrow('`imageFormat` must be "jpeg" or "webp", got "gif"');
  });

  it('writes every file of the report through its `out` folder (view needs no filesystem code of its own)', async () => {
    const folder = openFolder(join(root, 'report'));
    const written: string[] = [];
    const out: FileFolder = {
      dir: folder.dir,
      filePath: (name) => folder.filePath(name),
      writeFile: (name, content) => {
        written.push(name);
        return folder.writeFile(name, content);
      },
    };
    const result = await renderView({ scan: openScan({ root, scanId: 'book' }), out, imageWidth: 400 });
    expect(result.indexPath).toBe(join(root, 'report', 'index.html'));
    expect(written.sort()).toEqual([
      'images/page_0001.jpg',
      'images/page_0001.thumb.jpg',
      'images/page_0002.jpg',
      'images/page_0002.thumb.jpg',
      'images/page_0003.jpg',
      'images/page_0003.thumb.jpg',
      'index.html',
      'pages/page_0001.html',
      'pages/page_0002.html',
      'pages/page_0003.html',
    ]);
    expect((await readdir(join(root, 'book'))).sort()).toEqual(['correction', 'label', 'metadata.json', 'ocr', 'source']);
  });

  it('refuses an unknown scan and a scan with nothing to show, naming the next step', async () => {
    await expect(renderView({ scan: openScan({ root, scanId: 'nope' }) })).rejects.toThrow(
      /There is no scan "nope" in .*bookpipe run <pdf-or-folder> --scan-id nope/,
    );
    const empty = openScan({ root, scanId: 'empty' });
    await empty.init();
    await expect(renderView({ scan: empty })).rejects.toThrow(
      /Scan "empty" has no page images .* and no OCR pages yet: nothing to view\. Run `bookpipe run` on it first\./,
    );
    await expect(renderView({ scan: empty, imageWidth: 0 })).rejects.toThrow('`imageWidth` must be an integer from 1, got 0');
  });
});
