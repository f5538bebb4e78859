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

  it('refuses an explicit file that is empty or not a PDF/image, naming it', async () => {
    const empty = join(tmp.dir, 'empty.pdf');
    const text = join(tmp.dir, 'notes.png');
    await writeFile(empty, '');
    await writeFile(text, 'These are my notes, not a scan.\n');
    await expect(discoverInputs([empty])).rejects.toMatchObject({ code: 'INPUT_INVALID', message: expect.stringContaining(`${empty} is empty (0 bytes)`) });
    await expect(discoverInputs([text])).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      message: expect.stringContaining(`${text} is not a PDF or an image (PNG, JPEG, TIFF, WebP)`),
    });
    await expect(discoverInputs([evalFile('old-books', 'a006.txt')])).rejects.toMatchObject({ code: 'INPUT_INVALID' });
  });

  it('refuses a file named as an image inside a folder when it is not one, instead of losing the page', async () => {
    const folder = join(tmp.dir, 'pages');
    await mkdir(folder);
    await symlink(evalFile('old-books', 'a006.tiff'), join(folder, 'p1.tiff'));
    await writeFile(join(folder, 'p2.png'), 'oops');
    await expect(discoverInputs([folder])).rejects.toMatchObject({ code: 'INPUT_INVALID', message: expect.stringContaining(join(folder, 'p2.png')) });
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
