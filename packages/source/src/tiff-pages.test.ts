import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openScan } from '@bookpipe/storage';
import { runStage, tempDir } from '@bookpipe/testkit';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { SourceStage } from './source-stage.js';
import { TiffPages } from './tiff-pages.js';

const W = 64;
const H = 40;

/**
 * A `pages`-page gray TIFF (LZW) whose page i is white with one black pixel at (i % W, floor(i / W) % H):
 * every page is told apart by its content.
 */
async function multiPageTiff(path: string, pages: number): Promise<void> {
  const data = Buffer.alloc(W * H * pages, 255);
  for (let i = 0; i < pages; i++) data[i * W * H + (Math.floor(i / W) % H) * W + (i % W)] = 0;
  await sharp(data, { raw: { width: W, height: H * pages, channels: 1, pageHeight: H } })
    .toColourspace('b-w')
    .tiff({ compression: 'lzw' })
    .toFile(path);
}

/** Where the black pixel of a decoded gray page is. */
function mark(pixels: Buffer): number {
  const at = pixels.indexOf(0);
  return (at % W) + Math.floor(at / W) * W;
}

describe('TiffPages', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let big: string;
  beforeAll(async () => {
    tmp = await tempDir();
    big = join(tmp.dir, 'book-2000.tiff');
    await multiPageTiff(big, 2000);
  });
  afterAll(() => tmp.remove());

  it('lists every directory of a 2,000-page TIFF once, and shows libvips each page as a one-page file', async () => {
    const tiff = (await TiffPages.open(big))!;
    expect(tiff.pageCount).toBe(2000);
    // One page per view is what makes each decode constant-time: libvips counts and walks one directory.
    for (const index of [0, 1, 999, 1998, 1999]) {
      const meta = await tiff.withPage(index, (onePage) => sharp(onePage).metadata());
      expect(meta.pages ?? 1).toBe(1);
      const pixels = await tiff.withPage(index, (onePage) => sharp(onePage).extractChannel(0).raw().toBuffer());
      expect(mark(pixels)).toBe(index % (W * H));
    }
    // The shared buffer is restored after each view: read whole again, it is still 2,000 pages.
    expect(TiffPages.fromBuffer(await readFile(big))!.pageCount).toBe(2000);
    await expect(tiff.withPage(2000, async () => 0)).rejects.toThrow(/TIFF page 2001 does not exist \(2000 pages\)/);
  });

  it('keeps concurrent views apart: each sees its own page', async () => {
    const tiff = (await TiffPages.open(big))!;
    const indexes = [5, 1500, 42, 777, 1999, 0];
    const marks = await Promise.all(indexes.map((i) => tiff.withPage(i, (onePage) => sharp(onePage).extractChannel(0).raw().toBuffer()).then(mark)));
    expect(marks).toEqual(indexes);
  });

  it('is not used for what is not a TIFF, or a file over the size cap', async () => {
    expect(TiffPages.fromBuffer(Buffer.from('%PDF-1.7 not a tiff at all'))).toBeUndefined();
    expect(TiffPages.fromBuffer(Buffer.from([0x49, 0x49, 42, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]))).toBeUndefined(); // no directory
    expect(await TiffPages.open(big, 1000)).toBeUndefined();
  });

  it('the source stage makes all 2,000 pages of one TIFF, each from its own directory', { timeout: 300_000 }, async () => {
    const scan = openScan({ root: join(tmp.dir, 'scans'), scanId: 'tiff-2000' });
    const stats = await runStage(scan, new SourceStage({ inputs: [big] }));
    expect(stats).toMatchObject({ pagesProcessed: 2000, pagesFailed: 0 });
    const source = scan.stage('source', { pageFormat: 'png' });
    for (const page of [1, 2, 1000, 2000]) {
      const pixels = await sharp(source.pagePath(page)).extractChannel(0).raw().toBuffer();
      expect(mark(pixels)).toBe((page - 1) % (W * H));
    }
  });
});
