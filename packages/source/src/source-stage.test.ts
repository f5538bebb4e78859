import { mkdir, readFile, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Pipeline, type PipelineEvent, silentLogger } from '@bookpipe/core';
import { openScan } from '@bookpipe/storage';
import { evalFile, hasEval, noteSkip, pdfWithBrokenPage, runStage, tempDir, truncatedCopy } from '@bookpipe/testkit';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SourcePageMetrics } from './source-metrics.js';
import { SourceStage } from './source-stage.js';

noteSkip('source-stage');

const pdf = (name: string) => evalFile('ocrmypdf-resources', name);

describe.skipIf(!hasEval)('SourceStage', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let root: string;
  beforeEach(async () => {
    tmp = await tempDir();
    root = join(tmp.dir, 'scans');
  });
  afterEach(() => tmp.remove());

  /** A folder mixing old-books 1-bit TIFFs and vd-sbb JPEG-in-TIFFs under page-like names, plus a note. */
  async function mixedFolder(): Promise<string> {
    const folder = join(tmp.dir, 'images');
    await mkdir(folder);
    await symlink(evalFile('old-books', 'a006.tiff'), join(folder, 'page_1.tiff'));
    await symlink(evalFile('vd-sbb', 'borrdisc_689809840', 'OCR-D-IMG_00000018.tif'), join(folder, 'page_2.tif'));
    await symlink(evalFile('old-books', 'a013.tiff'), join(folder, 'page_10.tiff'));
    await writeFile(join(folder, 'README.txt'), 'scanned on the library scanner\n');
    return folder;
  }

  it('numbers mixed inputs continuously: PDFs, a folder of TIFFs in natural order, a PNG', async () => {
    const scan = openScan({ root, scanId: 'mixed' });
    const folder = await mixedFolder();
    const events: PipelineEvent[] = [];
    const pipeline = new Pipeline({
      scan,
      stages: [new SourceStage({ inputs: [pdf('cardinal.pdf'), folder, pdf('linn.pdf'), pdf('typewriter.png')] })],
      logger: silentLogger,
      onEvent: (e) => events.push(e),
    });
    const result = await pipeline.run();
    expect(result.stages.source).toMatchObject({ status: 'done', stats: { pagesProcessed: 9, pagesFailed: 0 } });

    const source = scan.stage('source', { pageFormat: 'png' });
    expect(await source.listPages()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const metrics = (await source.checkpoint.metrics()) as Map<number, SourcePageMetrics>;
    const origin = [...metrics.values()].map((m) => `${basename(m.sourceFile)}#${m.sourcePage}`);
    expect(origin).toEqual([
      'cardinal.pdf#1',
      'cardinal.pdf#2',
      'cardinal.pdf#3',
      'cardinal.pdf#4',
      'page_1.tiff#1',
      'page_2.tif#1',
      'page_10.tiff#1',
      'linn.pdf#1',
      'typewriter.png#1',
    ]);

    // Each PNG is what its metrics say, and the JPEG-in-TIFF became a PNG tesseract.js can read.
    for (const [page, m] of metrics) {
      const meta = await sharp(source.pagePath(page)).metadata();
      expect(meta.format).toBe('png');
      expect([meta.width, meta.height]).toEqual([m.width, m.height]);
      expect(meta.channels, `page ${page}`).toBe(m.grayscale ? 1 : 3);
      expect(m.costUsd).toBe(0);
    }
    expect(metrics.get(1)).toMatchObject({ width: 2550, height: 3300, dpi: 300, downsampled: false, pdfRotate: 0, exifOrientation: null, grayscale: true });
    expect(metrics.get(2)).toMatchObject({ width: 3300, height: 2550 });
    expect(metrics.get(5)).toMatchObject({ width: 1850, height: 2621, dpi: null, pdfRotate: null, exifOrientation: 1, grayscale: true });
    expect(metrics.get(6)).toMatchObject({ width: 1315, height: 2113, dpi: 300, grayscale: true }); // yellowed colour scan
    expect(metrics.get(9)).toMatchObject({ width: 4000, height: 2864, dpi: null }); // declares the 72 DPI default

    const metadata = await scan.readMetadata();
    expect(metadata.totalPages).toBe(9);
    expect(metadata.dpi).toBe(300);
    expect(metadata.sourceFiles!.map((f) => [basename(f.path), f.pages, f.firstPage])).toEqual([
      ['cardinal.pdf', 4, 1],
      ['page_1.tiff', 1, 5],
      ['page_2.tif', 1, 6],
      ['page_10.tiff', 1, 7],
      ['linn.pdf', 1, 8],
      ['typewriter.png', 1, 9],
    ]);
    const linn = metadata.sourceFiles![4]!;
    expect(linn.sizeBytes).toBe((await stat(pdf('linn.pdf'))).size);
    expect(linn.sha256).toMatch(/^[0-9a-f]{64}$/);

    // The note in the folder was ignored, and said so.
    expect(events).toContainEqual({
      type: 'stage:event',
      stage: 'source',
      event: { type: 'source:ignored', file: join(folder, 'README.txt'), reason: 'not an image file' },
    });
    const report = await source.readFile('report.csv');
    expect(report.split('\n')[0]).toBe(
      'pageNum,processingTimeSeconds,costUsd,sourceFile,sourcePage,width,height,dpi,downsampled,grayscale,pdfRotate,exifOrientation,pngBytes',
    );
    expect(report.trim().split('\n')).toHaveLength(10);
  });

  it('resumes after a partial run, redoing exactly the missing pages with the same numbers', async () => {
    const scan = openScan({ root, scanId: 'resume' });
    const inputs = [pdf('cardinal.pdf'), pdf('linn.pdf')];
    // A run stopped after its second page (as a kill or Ctrl-C would).
    const controller = new AbortController();
    const first = new SourceStage({ inputs, concurrency: 1 });
    let saved = 0;
    const source = scan.stage('source', { pageFormat: 'png' });
    const stopAfterTwo = async () => {
      while (saved < 2 && !controller.signal.aborted) {
        saved = (await source.listPages()).length;
        await new Promise((r) => setTimeout(r, 5));
      }
      controller.abort();
    };
    const [stats] = await Promise.all([runStage(scan, first, { signal: controller.signal }), stopAfterTwo()]);
    expect(stats.aborted).toBe(true);
    const done = await source.listPages();
    expect(done.length).toBeGreaterThanOrEqual(2);
    expect(done.length).toBeLessThan(5);
    const before = new Map(await Promise.all(done.map(async (p) => [p, (await stat(source.pagePath(p))).mtimeMs] as const)));

    // Lose one finished page as well: the next run must redo it and the never-made ones, nothing else.
    await unlink(source.pagePath(1));
    const second = await runStage(scan, new SourceStage({ inputs }));
    expect(second).toMatchObject({ aborted: false, pagesFailed: 0, pagesSkipped: done.length - 1, pagesProcessed: 5 - done.length + 1 });
    expect(await source.listPages()).toEqual([1, 2, 3, 4, 5]);
    for (const p of done.filter((p) => p !== 1)) expect((await stat(source.pagePath(p))).mtimeMs).toBe(before.get(p));
    const metrics = (await source.checkpoint.metrics()) as Map<number, SourcePageMetrics>;
    expect(metrics.get(5)).toMatchObject({ sourcePage: 1, width: 2550 });
    expect(basename(metrics.get(5)!.sourceFile)).toBe('linn.pdf');

    // Nothing left: a third run does nothing.
    expect(await runStage(scan, new SourceStage({ inputs }))).toMatchObject({ pagesProcessed: 0, pagesSkipped: 5 });
  });

  it('refuses other inputs for a scan that holds pages, and replaces them (and downstream outputs) with force', async () => {
    const scan = openScan({ root, scanId: 'reingest' });
    await runStage(scan, new SourceStage({ inputs: [pdf('linn.pdf'), pdf('blank.pdf')] }));
    // A downstream stage made something from those pages.
    const ocr = scan.stage('ocr');
    await ocr.savePage(1, { text: 'from the old page 1' }, { pageNum: 1 });

    await expect(runStage(scan, new SourceStage({ inputs: [pdf('cardinal.pdf')] }))).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      message: `Scan "reingest" holds source pages that do not match the inputs given: its pages come from 2 file(s) (linn.pdf, blank.pdf), and 1 were given (cardinal.pdf); pass force to replace them (this deletes the downstream stages' outputs).`,
    });
    // The same files in another order are other inputs too.
    await expect(runStage(scan, new SourceStage({ inputs: [pdf('blank.pdf'), pdf('linn.pdf')] }))).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    // Other settings would mix two kinds of page.
    await expect(runStage(scan, new SourceStage({ inputs: [pdf('linn.pdf'), pdf('blank.pdf')], dpi: 200 }))).rejects.toThrow(
      /other settings \(dpi 300 -> 200\)/,
    );
    expect(await ocr.listPages()).toEqual([1]);

    const stats = await runStage(scan, new SourceStage({ inputs: [pdf('cardinal.pdf')], force: true }));
    expect(stats).toMatchObject({ pagesProcessed: 4, pagesSkipped: 0 });
    const source = scan.stage('source', { pageFormat: 'png' });
    expect(await source.listPages()).toEqual([1, 2, 3, 4]);
    expect(await ocr.listPages()).toEqual([]);
    const metadata = await scan.readMetadata();
    expect(metadata.totalPages).toBe(4);
    expect(metadata.sourceFiles!.map((f) => basename(f.path))).toEqual(['cardinal.pdf']);
    // Same inputs again: a resume, not a conflict, even from a new path to the same content.
    const moved = join(tmp.dir, 'renamed.pdf');
    await symlink(pdf('cardinal.pdf'), moved);
    expect(await runStage(scan, new SourceStage({ inputs: [moved] }))).toMatchObject({ pagesProcessed: 0, pagesSkipped: 4 });
  });

  it('an input whose contents changed under the same name is named as such, not as "other inputs"', async () => {
    // Issue 15 item 8: this read "holds pages from p1.png, p2.png, not from the inputs given (p1.png, p2.png)".
    const folder = join(tmp.dir, 'same-names');
    await mkdir(folder);
    const linnPng = evalFile('ocrmypdf-resources', 'linn.png');
    await writeFile(join(folder, 'p1.png'), await sharp(linnPng).resize(300).png().toBuffer());
    await writeFile(join(folder, 'p2.png'), await sharp(linnPng).resize(200).png().toBuffer());
    const scan = openScan({ root, scanId: 'same-names' });
    await runStage(scan, new SourceStage({ inputs: [folder] }));
    await writeFile(join(folder, 'p2.png'), await sharp(linnPng).resize(250).png().toBuffer());
    await expect(runStage(scan, new SourceStage({ inputs: [folder] }))).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      message: `Scan "same-names" holds source pages that do not match the inputs given: p2.png has other contents (or page counts) than when its pages were made; pass force to replace them (this deletes the downstream stages' outputs).`,
    });
  });

  it('through Pipeline, a completed scan given other inputs is refused, not skipped; force replaces them', async () => {
    const scan = openScan({ root, scanId: 'reingest-pipeline' });
    const run = (stage: SourceStage) => new Pipeline({ scan, stages: [stage], logger: silentLogger }).run();
    await run(new SourceStage({ inputs: [pdf('linn.pdf')] }));
    await expect(run(new SourceStage({ inputs: [pdf('cardinal.pdf')] }))).rejects.toMatchObject({
      code: 'STAGE_FAILED',
      message: expect.stringContaining('holds source pages that do not match the inputs given: its pages come from linn.pdf, not from cardinal.pdf'),
    });
    expect(await run(new SourceStage({ inputs: [pdf('linn.pdf')] }))).toMatchObject({ stages: { source: { status: 'skipped' } } });
    const replaced = await run(new SourceStage({ inputs: [pdf('cardinal.pdf')], force: true }));
    expect(replaced).toMatchObject({ stages: { source: { status: 'done', stats: { pagesProcessed: 4 } } } });
    expect((await scan.readMetadata()).totalPages).toBe(4);
  });

  it('refuses each bad input alone, naming all of them in one run, and makes every other page', async () => {
    const folder = join(tmp.dir, 'pages');
    await mkdir(folder);
    const linnPng = evalFile('ocrmypdf-resources', 'linn.png');
    await symlink(evalFile('old-books', 'a006.tiff'), join(folder, 'p01.tiff'));
    await writeFile(join(folder, 'p02.png'), ''); // zero bytes
    await truncatedCopy(linnPng, join(folder, 'p03.png'), Math.floor((await readFile(linnPng)).length * 0.6));
    await writeFile(join(folder, 'p04.png'), 'not an image\n');
    await symlink(join(folder, 'p05.png'), join(folder, 'p05.png')); // a loop
    await symlink(join(tmp.dir, 'gone.png'), join(folder, 'p06.png')); // dangling
    await symlink(evalFile('old-books', 'a013.tiff'), join(folder, 'p07.tiff'));
    const scan = openScan({ root, scanId: 'bad-inputs' });
    const stats = await runStage(scan, new SourceStage({ inputs: [folder, pdf('invalid.pdf'), pdf('linn.pdf')] }));
    expect(stats).toMatchObject({ pagesProcessed: 3, pagesFailed: 6 });
    const file = (name: string) => join(folder, name);
    // Pages run two at a time: order the failures by page.
    expect([...stats.failures].sort((a, b) => a.page - b.page)).toEqual([
      { page: 2, code: 'INPUT_INVALID', error: `Book page 2: Input ${file('p02.png')} is empty (0 bytes). Replace it with the real file or leave it out.` },
      { page: 3, code: 'INPUT_INVALID', error: expect.stringMatching(/^Book page 3: .*p03\.png: cannot decode the image .*truncated or corrupt/) },
      { page: 4, code: 'INPUT_INVALID', error: expect.stringContaining(`Input ${file('p04.png')} is not a PDF or an image`) },
      { page: 5, code: 'INPUT_INVALID', error: expect.stringContaining(`Input ${file('p05.png')} is a symbolic link that leads back to itself`) },
      {
        page: 6,
        code: 'INPUT_INVALID',
        error: expect.stringContaining(`Input ${file('p06.png')} is a symbolic link to ${join(tmp.dir, 'gone.png')}, which does not exist`),
      },
      { page: 8, code: 'INPUT_INVALID', error: expect.stringMatching(/^Book page 8: .*invalid\.pdf is not a readable PDF/) },
    ]);
    const source = scan.stage('source', { pageFormat: 'png' });
    expect(await source.listPages()).toEqual([1, 7, 9]);
    expect((await source.checkpoint.status()).failedPages.map((f) => f.page)).toEqual([2, 3, 4, 5, 6, 8]);
    const metadata = await scan.readMetadata();
    expect(metadata.totalPages).toBe(9);
    // p03's header is fine: it is refused only when decoded, and recorded as a readable file.
    const refused = (metadata.sourceFiles as Array<{ refused?: string }>).map((f) => f.refused !== undefined);
    expect(refused).toEqual([false, true, false, true, true, true, false, true, false]);

    // Fixed since: the empty page becomes a real image; the rerun makes it, with the same numbers.
    await writeFile(join(folder, 'p02.png'), await sharp(linnPng).resize(200).png().toBuffer());
    const again = await runStage(scan, new SourceStage({ inputs: [folder, pdf('invalid.pdf'), pdf('linn.pdf')] }));
    expect(again.pagesProcessed).toBe(1);
    expect(again.failures.map((f) => f.page).sort((a, b) => a - b)).toEqual([3, 4, 5, 6, 8]);
    expect(await source.listPages()).toEqual([1, 2, 7, 9]);
  });

  it('fails in before(), naming every file, when no input can be read at all: nothing is written', async () => {
    const empty = join(tmp.dir, 'empty.png');
    await writeFile(empty, '');
    const text = join(tmp.dir, 'notes.png');
    await writeFile(text, 'not an image\n');
    const scan = openScan({ root, scanId: 'all-bad' });
    await expect(runStage(scan, new SourceStage({ inputs: [empty, text, pdf('invalid.pdf')] }))).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      message: expect.stringMatching(
        /empty\.png is empty \(0 bytes\)[\s\S]*\n.*notes\.png is not a PDF or an image[\s\S]*\n.*invalid\.pdf is not a readable PDF/,
      ),
    });
    expect(await scan.exists()).toBe(false);
  });

  it('writes a page for blank.pdf and no_contents.pdf: valid files with nothing on the page', async () => {
    const scan = openScan({ root, scanId: 'blank' });
    const stats = await runStage(scan, new SourceStage({ inputs: [pdf('blank.pdf'), pdf('no_contents.pdf')] }));
    expect(stats).toMatchObject({ pagesProcessed: 2, pagesFailed: 0 });
    const source = scan.stage('source', { pageFormat: 'png' });
    for (const page of [1, 2]) {
      const { channels, isOpaque } = await sharp(source.pagePath(page)).stats();
      expect(channels[0]!.min).toBe(255); // all white
      expect(isOpaque).toBe(true);
    }
  });

  it('fails one broken PDF page alone, naming file and page; the other pages keep their numbers', async () => {
    const broken = await pdfWithBrokenPage(join(tmp.dir, 'cardinal-broken.pdf'), 2);
    const scan = openScan({ root, scanId: 'broken-page' });
    const stats = await runStage(scan, new SourceStage({ inputs: [broken, pdf('linn.pdf')] }));
    expect(stats.pagesProcessed).toBe(4);
    expect(stats.failures).toEqual([
      { page: 2, error: expect.stringMatching(new RegExp(`^Book page 2: ${broken}, page 2: mupdf could not draw all of the page`)), code: 'INPUT_INVALID' },
    ]);
    const source = scan.stage('source', { pageFormat: 'png' });
    expect(await source.listPages()).toEqual([1, 3, 4, 5]);
    const metrics = (await source.checkpoint.metrics()) as Map<number, SourcePageMetrics>;
    expect(basename(metrics.get(5)!.sourceFile)).toBe('linn.pdf');
    expect((await source.checkpoint.status()).failedPages.map((f) => f.page)).toEqual([2]);
  });

  it("refuses hugemono.pdf's 35000 x 35000 px page as a page failure, with the numbers", async () => {
    const scan = openScan({ root, scanId: 'hugemono' });
    const stats = await runStage(scan, new SourceStage({ inputs: [pdf('linn.pdf'), pdf('hugemono.pdf')] }));
    expect(stats.pagesProcessed).toBe(1);
    expect(stats.failures).toEqual([
      {
        page: 2,
        error: expect.stringContaining(
          'hugemono.pdf, page 1: the page is 116.7 x 116.7 in; at 300 DPI that is 35000 x 35000 px (1225.0 Mpx), over the input limit of 268.4 Mpx',
        ),
        code: 'INPUT_INVALID',
      },
    ]);
  });

  it('downsamples a page over the pixel budget and records the effective DPI', async () => {
    const scan = openScan({ root, scanId: 'budget' });
    // linn.pdf at 300 DPI is 8.4 Mpx; a 2 Mpx budget exercises the same path as enormous.pdf does
    // at the default budget (see the slow suite), in a fraction of the time.
    await runStage(scan, new SourceStage({ inputs: [pdf('linn.pdf')], maxPixels: 2_000_000 }));
    const metrics = (await scan.stage('source').checkpoint.metrics()) as Map<number, SourcePageMetrics>;
    const m = metrics.get(1)!;
    expect(m.downsampled).toBe(true);
    expect(m.width * m.height).toBeLessThanOrEqual(2_000_000);
    expect(m.dpi).toBeCloseTo(300 * Math.sqrt(2_000_000 / (2551 * 3301)), 0);
    expect(m.width / m.height).toBeCloseTo(2550 / 3300, 2);
  });

  it('validates its options', () => {
    expect(() => new SourceStage({ inputs: [] })).toThrow(/inputs: give at least one PDF, image or folder/);
    expect(() => new SourceStage({ inputs: ['a.pdf'], dpi: 0 })).toThrow(/CONFIG|dpi/);
    expect(() => new SourceStage({ inputs: ['a.pdf'], grayscale: 'yes' as never })).toThrow(/grayscale/);
    expect(new SourceStage({ inputs: ['a.pdf'] }).options).toMatchObject({
      dpi: 300,
      maxPixels: 2 ** 26,
      maxInputPixels: 2 ** 28,
      grayscale: 'auto',
      force: false,
    });
  });
});
