import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { evalFile, hasEval, noteSkip, tempDir } from '@bookpipe/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { discoverInputs } from './discover-inputs.js';

noteSkip('discover-inputs');

describe.skipIf(!hasEval)('discoverInputs', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => {
    tmp = await tempDir();
  });
  afterEach(() => tmp.remove());

  it("lists a folder in natural order, ignores non-images with a reason, and keeps the inputs' order", async () => {
    const folder = join(tmp.dir, 'pages');
    await mkdir(folder);
    // Real scans under page-like names (links, not copies).
    await symlink(evalFile('old-books', 'a006.tiff'), join(folder, 'page_10.tiff'));
    await symlink(evalFile('old-books', 'a013.tiff'), join(folder, 'page_2.tiff'));
    await symlink(evalFile('vd-sbb', 'baltdiss_77478492X', 'OCR-D-IMG_00000024.tif'), join(folder, 'page_1.TIF'));
    await symlink(evalFile('old-books', 'a006.txt'), join(folder, 'page_10.txt'));
    await symlink(evalFile('ocrmypdf-resources', 'linn.pdf'), join(folder, 'appendix.pdf'));
    await writeFile(join(folder, '.DS_Store'), 'junk');
    await mkdir(join(folder, 'thumbs'));

    const found = await discoverInputs([evalFile('ocrmypdf-resources', 'linn.pdf'), folder, evalFile('ocrmypdf-resources', 'typewriter.png')]);
    expect(found.files.map((f) => basename(f.path))).toEqual(['linn.pdf', 'page_1.TIF', 'page_2.tiff', 'page_10.tiff', 'typewriter.png']);
    expect(found.files.map((f) => f.kind)).toEqual(['pdf', 'tiff', 'tiff', 'tiff', 'png']);
    expect(Object.fromEntries(found.ignored.map((i) => [basename(i.path), i.reason]))).toEqual({
      '.DS_Store': 'hidden file',
      'appendix.pdf': 'a PDF inside a folder of images (pass the PDF itself as an input)',
      'page_10.txt': 'not an image file',
      thumbs: 'sub-folder (folders are not searched recursively)',
    });
  });

  it('keeps an explicit file that is empty or not a PDF/image in its place, refused with a reason naming it', async () => {
    const empty = join(tmp.dir, 'empty.pdf');
    const text = join(tmp.dir, 'notes.png');
    await writeFile(empty, '');
    await writeFile(text, 'These are my notes, not a scan.\n');
    const { files } = await discoverInputs([empty, text]);
    expect(files.map((f) => f.refused)).toEqual([
      `Input ${empty} is empty (0 bytes). Replace it with the real file or leave it out.`,
      expect.stringContaining(`Input ${text} is not a PDF or an image (PNG, JPEG, TIFF, WebP)`),
    ]);
  });

  it('keeps a bad page file of a folder in its place, refused: not an image, a symlink loop, a dangling link', async () => {
    const folder = join(tmp.dir, 'pages');
    await mkdir(folder);
    await symlink(evalFile('old-books', 'a006.tiff'), join(folder, 'p1.tiff'));
    await writeFile(join(folder, 'p2.png'), 'oops');
    await symlink(join(folder, 'p3.png'), join(folder, 'p3.png'));
    await symlink(join(tmp.dir, 'nowhere.png'), join(folder, 'p4.png'));
    const { files } = await discoverInputs([folder]);
    expect(files.map((f) => [basename(f.path), f.refused])).toEqual([
      ['p1.tiff', undefined],
      ['p2.png', expect.stringContaining(`Input ${join(folder, 'p2.png')} is not a PDF or an image`)],
      ['p3.png', expect.stringContaining(`Input ${join(folder, 'p3.png')} is a symbolic link that leads back to itself`)],
      [
        'p4.png',
        `Input ${join(folder, 'p4.png')} is a symbolic link to ${join(tmp.dir, 'nowhere.png')}, which does not exist. Replace it with the real file or leave it out.`,
      ],
    ]);
  });

  it('refuses a missing path and a folder without images', async () => {
    const missing = join(tmp.dir, 'nope.pdf');
    await expect(discoverInputs([missing])).rejects.toMatchObject({ code: 'INPUT_INVALID', message: expect.stringContaining(`${missing} does not exist`) });
    const folder = join(tmp.dir, 'texts');
    await mkdir(folder);
    await symlink(evalFile('old-books', 'a006.txt'), join(folder, 'a006.txt'));
    await expect(discoverInputs([folder])).rejects.toMatchObject({ message: expect.stringMatching(/holds no page images .*; it holds a006\.txt/) });
    await expect(discoverInputs([])).rejects.toMatchObject({ code: 'INPUT_INVALID' });
  });
});
