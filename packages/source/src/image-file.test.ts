import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { evalFile, hasEval, noteSkip, tempDir, truncatedCopy } from '@bookpipe/testkit';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImagePage, probeImageFile } from './image-file.js';
import { DEFAULT_MAX_INPUT_PIXELS, DEFAULT_MAX_PIXELS } from './pixel-budget.js';

noteSkip('image-file');

const limits = { maxPixels: DEFAULT_MAX_PIXELS, maxInputPixels: DEFAULT_MAX_INPUT_PIXELS };

/** A PNG whose header declares `width` x `height` but holds no pixel data worth the name. */
function pngDeclaring(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // gray
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(1024))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function crc32(bytes: Buffer): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

describe.skipIf(!hasEval)('image files', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    tmp = await tempDir();
  });
  afterAll(() => tmp.remove());

  it('reads the vd-sbb JPEG-in-TIFF scans (which tesseract.js cannot) with sharp', async () => {
    const path = evalFile('vd-sbb', 'baltdiss_77478492X', 'OCR-D-IMG_00000024.tif');
    expect(await probeImageFile(path, 'tiff', limits)).toEqual({ pages: 1 });
    const page = await decodeImagePage(path, 0, 1, limits);
    expect(page.pixels).toMatchObject({ width: 1770, height: 2464, channels: 3 });
    expect(page.dpi).toBe(300);
  });

  it('reads the old-books 1-bit TIFFs as one 8-bit gray channel', async () => {
    const page = await decodeImagePage(evalFile('old-books', 'a006.tiff'), 0, 1, limits);
    expect(page.pixels).toMatchObject({ width: 1850, height: 2621, channels: 1 });
    expect(page.pixels.data.length).toBe(1850 * 2621);
    expect(new Set(page.pixels.data)).toEqual(new Set([0, 255]));
    expect(page.dpi).toBeNull(); // the file declares no resolution
  });

  it('reads each page of a multi-page TIFF', async () => {
    const path = join(tmp.dir, 'two-pages.tiff');
    // Two real 1-bit pages stacked into one TIFF with two directories.
    const [a, b] = await Promise.all(
      ['a006.tiff', 'a013.tiff'].map((f) => sharp(evalFile('old-books', f)).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true })),
    );
    const { width, height } = a!.info;
    await sharp(Buffer.concat([a!.data, b!.data]), { raw: { width, height: 2 * height, channels: 1, pageHeight: height } })
      .toColourspace('b-w')
      .tiff({ compression: 'lzw' })
      .toFile(path);
    const { pages } = await probeImageFile(path, 'tiff', limits);
    expect(pages).toBe(2);
    const second = await decodeImagePage(path, 1, pages, limits);
    const original = await decodeImagePage(evalFile('old-books', 'a013.tiff'), 0, 1, limits);
    expect(second.pixels).toMatchObject({ width: original.pixels.width, height: original.pixels.height, channels: 1 });
    expect(second.pixels.data.equals(original.pixels.data)).toBe(true);
    const first = await decodeImagePage(path, 0, pages, limits);
    expect(first.pixels.data.equals(second.pixels.data)).toBe(false);
  });

  it('applies EXIF orientation: a page stored sideways comes out upright', async () => {
    const path = join(tmp.dir, 'sideways.jpg');
    // The real page turned a quarter, tagged with orientation 6 ("rotate 90 CW to view").
    await sharp(evalFile('old-books', 'a006.tiff')).rotate(-90).withMetadata({ orientation: 6 }).jpeg().toFile(path);
    const page = await decodeImagePage(path, 0, 1, limits);
    expect(page.orientation).toBe(6);
    expect([page.pixels.width, page.pixels.height]).toEqual([1850, 2621]);
  });

  it('reads WebP', async () => {
    const path = join(tmp.dir, 'page.webp');
    await sharp(evalFile('old-books', 'a006.tiff')).webp({ quality: 90 }).toFile(path);
    const page = await decodeImagePage(path, 0, 1, limits);
    expect([page.pixels.width, page.pixels.height]).toEqual([1850, 2621]);
  });

  it('flattens a gray image with transparency onto white', async () => {
    const path = join(tmp.dir, 'half-transparent.png');
    // The real page at 50% opacity: black ink becomes mid-gray on white, white stays white.
    await sharp(evalFile('old-books', 'a006.tiff')).toColourspace('b-w').ensureAlpha(0.5).png().toFile(path);
    const page = await decodeImagePage(path, 0, 1, limits);
    expect(page.pixels.channels).toBe(1);
    const levels = new Set(page.pixels.data);
    expect(levels.has(255)).toBe(true);
    expect(levels.has(0)).toBe(false);
    expect([...levels].some((v) => v > 100 && v < 160)).toBe(true);
  });

  it('downsamples an image over the pixel budget to fit, scaling its declared DPI', async () => {
    // typewriter.png is 4000 x 2864 (11.5 Mpx); a 4 Mpx budget exercises the real resize path.
    const page = await decodeImagePage(evalFile('ocrmypdf-resources', 'typewriter.png'), 0, 1, { ...limits, maxPixels: 4_000_000 });
    expect(page.downsampled).toBe(true);
    expect(page.pixels.width * page.pixels.height).toBeLessThanOrEqual(4_000_000);
    expect(page.pixels.width / page.pixels.height).toBeCloseTo(4000 / 2864, 2);
  });

  it('refuses an image whose header declares more than the input limit, before decoding', async () => {
    const path = join(tmp.dir, 'bomb.png');
    await writeFile(path, pngDeclaring(60000, 60000));
    await expect(probeImageFile(path, 'png', limits)).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      message: expect.stringContaining(`${path}: the image is 60000 x 60000 px (3600.0 Mpx), over the input limit of 268.4 Mpx`),
    });
  });

  it('finds a truncated PNG and a truncated JPEG-in-TIFF when decoding, naming the file', async () => {
    const linn = evalFile('ocrmypdf-resources', 'linn.png');
    const png = await truncatedCopy(linn, join(tmp.dir, 'linn-cut.png'), Math.floor((await readFile(linn)).length / 2));
    expect(await probeImageFile(png, 'png', limits)).toEqual({ pages: 1 }); // the header is intact
    await expect(decodeImagePage(png, 0, 1, limits)).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      message: expect.stringMatching(new RegExp(`${png}: cannot decode the image \\(.+\\)\\. The file may be truncated or corrupt`)),
    });
    const tif = evalFile('vd-sbb', 'borrdisc_689809840', 'OCR-D-IMG_00000018.tif');
    const cutTif = await truncatedCopy(tif, join(tmp.dir, 'cut.tif'), 40_000);
    await expect(probeImageFile(cutTif, 'tiff', limits).then(() => decodeImagePage(cutTif, 0, 1, limits))).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      message: expect.stringContaining(cutTif),
    });
  });
});
