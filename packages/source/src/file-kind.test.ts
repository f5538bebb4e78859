import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { evalFile, hasEval, noteSkip, tempDir } from '@bookpipe/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kindOfBytes, sniffFileKind } from './file-kind.js';

noteSkip('file-kind');

describe.skipIf(!hasEval)('sniffFileKind on real files', () => {
  it('recognises PDFs, PNG, 1-bit TIFF and JPEG-in-TIFF by content', async () => {
    expect(await sniffFileKind(evalFile('ocrmypdf-resources', 'linn.pdf'))).toBe('pdf');
    expect(await sniffFileKind(evalFile('ocrmypdf-resources', 'invalid.pdf'))).toBe('pdf');
    expect(await sniffFileKind(evalFile('ocrmypdf-resources', 'typewriter.png'))).toBe('png');
    expect(await sniffFileKind(evalFile('old-books', 'a006.tiff'))).toBe('tiff');
    expect(await sniffFileKind(evalFile('vd-sbb', 'baltdiss_77478492X', 'OCR-D-IMG_00000024.tif'))).toBe('tiff');
    expect(await sniffFileKind(evalFile('old-books', 'a006.txt'))).toBeUndefined();
  });
});

describe('sniffFileKind on what is not a page', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    tmp = await tempDir();
  });
  afterAll(() => tmp.remove());

  it('returns undefined for an empty file and for text named .png', async () => {
    await writeFile(join(tmp.dir, 'empty.png'), '');
    await writeFile(join(tmp.dir, 'text.png'), 'This is not an image\n');
    expect(await sniffFileKind(join(tmp.dir, 'empty.png'))).toBeUndefined();
    expect(await sniffFileKind(join(tmp.dir, 'text.png'))).toBeUndefined();
  });

  it('knows JPEG, WebP and big-endian TIFF signatures', () => {
    expect(kindOfBytes(Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0, 0x10))).toBe('jpeg');
    expect(kindOfBytes(Buffer.from('RIFF\x10\x00\x00\x00WEBPVP8 ', 'latin1'))).toBe('webp');
    expect(kindOfBytes(Buffer.from('MM\x00*\x00\x00\x00\x08', 'latin1'))).toBe('tiff');
    expect(kindOfBytes(Buffer.from('junk before the header %PDF-1.4', 'latin1'))).toBe('pdf');
  });
});
