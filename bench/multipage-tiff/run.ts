// Multi-page TIFF bench (issue 15 item 7): the source stage on one TIFF of 200, 800 and 2,000 pages.
//
// Each book is one LZW gray TIFF of 250 x 350 px pages (small pages, so that the directory walk, not the
// pixels, is what grows), turned into source/page_NNNN.png by the real SourceStage through Pipeline.
// Figures: total seconds and pages per second for each size; linear means pages/s stays flat.
//
// Baseline, measured in the same run: what one page costs when libvips opens it by path (the way the
// stage read every page before): sharp(path, { page: i }) at the first, middle and last page of the
// 2,000-page file. libvips counts every directory of the file (and walks the chain to page i) on each
// open, so each page costs O(n) and a whole book O(n²) (issue 15: 200 pages 3.3 s, 800 pages 38.9 s,
// 2,000 pages printed nothing in 300 s).
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pipeline, silentLogger } from '@bookpipe/core';
import { SourceStage } from '@bookpipe/source';
import { openScan } from '@bookpipe/storage';
import sharp from 'sharp';

const W = 250;
const H = 350;
const SIZES = [200, 800, 2000];

async function multiPageTiff(path: string, pages: number): Promise<void> {
  const data = Buffer.alloc(W * H * pages, 255);
  // A dark bar at a different height on every page: real content, every page different.
  for (let i = 0; i < pages; i++) data.fill(0, i * W * H + ((i * 7) % (H - 4)) * W, i * W * H + (((i * 7) % (H - 4)) + 3) * W);
  await sharp(data, { raw: { width: W, height: H * pages, channels: 1, pageHeight: H } })
    .toColourspace('b-w')
    .tiff({ compression: 'lzw' })
    .toFile(path);
}

const dir = await mkdtemp(join(tmpdir(), 'bookpipe-bench-tiff-'));
try {
  console.log(
    `load average: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const files = new Map<number, string>();
  for (const pages of SIZES) {
    const path = join(dir, `book-${pages}.tiff`);
    await multiPageTiff(path, pages);
    files.set(pages, path);
  }

  console.log('\nsource stage, one multi-page TIFF (this code: each page decoded from one shared buffer):');
  for (const pages of SIZES) {
    const scan = openScan({ root: join(dir, 'scans'), scanId: `tiff-${pages}` });
    const started = performance.now();
    const result = await new Pipeline({ scan, stages: [new SourceStage({ inputs: [files.get(pages)!] })], logger: silentLogger }).run();
    const seconds = (performance.now() - started) / 1000;
    if (!result.ok) throw new Error(`the ${pages}-page run failed: ${JSON.stringify(result.failedPages.slice(0, 3))}`);
    console.log(`  ${String(pages).padStart(5)} pages: ${seconds.toFixed(1).padStart(6)} s, ${(pages / seconds).toFixed(0).padStart(4)} pages/s`);
  }

  console.log('\nbaseline: one page opened by path (how every page was read before), 2,000-page file, median of 5:');
  const path = files.get(2000)!;
  for (const index of [0, 999, 1999]) {
    const times: number[] = [];
    for (let k = 0; k < 5; k++) {
      const t0 = performance.now();
      await sharp(path, { page: index }).metadata();
      await sharp(path, { page: index }).raw().toBuffer();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    console.log(`  page ${String(index + 1).padStart(4)}: ${times[2]!.toFixed(1).padStart(6)} ms`);
  }
  console.log('  (before, each page was opened this way three times: a verification pass, its header, its pixels)');
} finally {
  await rm(dir, { recursive: true, force: true });
}
