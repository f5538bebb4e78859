/**
 * Resource bound of the OCR stage: 200 pages with 2 workers (the stage's defaults otherwise:
 * tesseract.js, orientation detection, instances recycled after 100 pages) keep memory flat.
 *
 * The pages are 8 real pages of ../shared/eval (old-books and linn.png) repeated 25 times, as
 * bench/ocr does, downscaled by the real source stage (`maxPixels`) to about 1000 px wide so that the
 * run takes minutes on 2 cores rather than a quarter of an hour. Smaller pages make each page's
 * memory smaller, but a leak of something per page (an image, a result, a worker's state) still
 * shows as growth per page.
 *
 * RSS (the whole process: main thread, worker threads, their WebAssembly heaps) is sampled on every
 * page:done event. tesseract.js grows during its first pages (bench/ocr measured 297 -> 344 -> 358 ->
 * 359 -> 359 MiB at pages 10/50/100/150/200 on full-size pages), so the bound is on the second half:
 * the least-squares slope of RSS over pages 101..200 must be under 0.1 MiB a page, i.e. under 10 MiB
 * over those 100 pages. Noise: RSS moves by a few MiB as the allocator and garbage collector return
 * memory; 10 MiB is above that and well below what a per-page leak of a page image (about 1.4 MB
 * raw for these pages, so 140 MiB over 100 pages) would add. The main thread's own heap is checked
 * the same way after a forced garbage collection at 5 points, where noise is far smaller.
 */
import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { loadConfig, Pipeline, silentLogger } from '@bookpipe/core';
import { SourceStage } from '@bookpipe/source';
import { OcrStage } from '@bookpipe/stage-ocr';
import { openScan } from '@bookpipe/storage';
import { describe, expect, it } from 'vitest';
import { evalDir, hasEval, noteSkip } from '../support/fault-scan.js';

noteSkip('OCR memory over 200 pages');

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const PAGES = 200;
const MiB = 1024 * 1024;
/** About 1000 x 1414 px for the old-books pages (1850 x 2620 at 300 DPI). */
const MAX_PIXELS = 1000 * 1414;

/** Least-squares slope of y over x. */
function slope(points: ReadonlyArray<readonly [number, number]>): number {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return sxy / sxx;
}

async function realPages(): Promise<string[]> {
  const books = (await readdir(path.join(evalDir, 'old-books'))).filter((f) => f.endsWith('.tiff')).sort();
  // 7 pages spread over the seven books, and the two-column brochure page.
  const step = Math.floor(books.length / 7);
  return [...Array.from({ length: 7 }, (_, i) => path.join(evalDir, 'old-books', books[i * step]!)), path.join(evalDir, 'ocrmypdf-resources', 'linn.png')];
}

describe.skipIf(!hasEval)('OCR stage memory over 200 pages (2 workers)', () => {
  it('keeps RSS flat over the second half: slope under 0.1 MiB a page', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'bookpipe-ocr-memory-'));
    try {
      // 1. The real pages, downscaled by the source stage.
      const small = openScan({ root, scanId: 'small' });
      await new Pipeline({
        scan: small,
        config: loadConfig({}),
        logger: silentLogger,
        stages: [new SourceStage({ inputs: await realPages(), maxPixels: MAX_PIXELS })],
      }).run();
      const originals = (await small.stage('source', { pageFormat: 'png' }).listPages()).map((page) =>
        small.stage('source', { pageFormat: 'png' }).pagePath(page),
      );
      expect(originals).toHaveLength(8);

      // 2. 200 pages: those 8 repeated, in a folder the source stage reads in order.
      const folder = path.join(root, 'pages');
      await mkdir(folder);
      for (let i = 0; i < PAGES; i++) await copyFile(originals[i % originals.length]!, path.join(folder, `page_${String(i + 1).padStart(3, '0')}.png`));
      const scan = openScan({ root, scanId: 'book' });
      await new Pipeline({ scan, config: loadConfig({}), logger: silentLogger, stages: [new SourceStage({ inputs: [folder] })] }).run();

      // 3. OCR, sampling memory on each finished page.
      const rss: Array<[number, number]> = [];
      const heap: Array<[number, number]> = [];
      let done = 0;
      const t0 = performance.now();
      const result = await new Pipeline({
        scan,
        config: loadConfig({}),
        logger: silentLogger,
        stages: [new OcrStage({ maxWorkers: 2 })],
        onEvent: (event) => {
          if (event.type !== 'page:done' && event.type !== 'page:failed') return;
          done++;
          rss.push([done, process.memoryUsage.rss() / MiB]);
          // Progress on stderr: this test takes minutes, and a timeout should say how far it got.
          if (done % 25 === 0)
            console.error(`ocr memory: ${done}/${PAGES} pages, ${((performance.now() - t0) / 1000).toFixed(0)} s, RSS ${rss.at(-1)![1].toFixed(0)} MiB`);
          if (done % 50 === 0 || done === 10) {
            gc();
            heap.push([done, process.memoryUsage().heapUsed / MiB]);
          }
        },
      }).run();
      const seconds = (performance.now() - t0) / 1000;
      expect(result.stages.ocr).toMatchObject({ status: 'done', stats: { pagesProcessed: PAGES, pagesFailed: 0 } });
      expect(rss).toHaveLength(PAGES);

      const secondHalf = rss.filter(([page]) => page > PAGES / 2);
      const rssSlope = slope(secondHalf);
      const heapSlope = slope(heap.filter(([page]) => page >= PAGES / 2));
      const at = (page: number) => rss.find(([p]) => p === page)![1].toFixed(0);
      console.log(
        `OCR memory, ${PAGES} pages (~1000 px wide), 2 workers, ${seconds.toFixed(0)} s: RSS at pages 10/50/100/150/200: ` +
          `${[10, 50, 100, 150, 200].map(at).join(' / ')} MiB, min..max over pages 101..200 ${Math.min(...secondHalf.map(([, y]) => y)).toFixed(0)}..${Math.max(...secondHalf.map(([, y]) => y)).toFixed(0)} MiB; ` +
          `slope over pages 101..200: ${rssSlope.toFixed(4)} MiB/page; main heap after GC at ${heap.map(([p, y]) => `${p}: ${y.toFixed(1)}`).join(', ')} MiB (slope ${(heapSlope * 1024).toFixed(1)} KiB/page)`,
      );
      expect(rssSlope).toBeLessThan(0.1);
      // Nothing per page is kept on the main thread either: its heap after GC grows under 20 KiB a page.
      expect(heapSlope).toBeLessThan(20 / 1024);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }, 1_200_000);
});
