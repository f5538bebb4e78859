import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MARKED_PAGE, pageMark as mark, markedPagesTiff, tempDir } from '@bookpipe/testkit';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TiffPages } from './tiff-pages.js';

const { width: W, height: H } = MARKED_PAGE;

describe('TiffPages', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let big: string;
  beforeAll(async () => {
    tmp = await tempDir();
    big = join(tmp.dir, 'book-2000.tiff');
    await markedPagesTiff(big, 2000);
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
});
