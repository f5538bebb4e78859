/**
 * Failures an engine must report clearly, naming the file, the page and the next step, without a
 * worker lost: missing files, files that are no image, damaged images, a missing tesseract program.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BookpipeError } from '@bookpipe/core';
import { hasEval, noteSkip, ocrmypdf } from '@bookpipe/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOcrEngine } from './create-ocr-engine.js';

noteSkip('engine-errors.test.ts (damaged image)');

async function rejection(p: Promise<unknown>): Promise<BookpipeError> {
  try {
    await p;
  } catch (error) {
    if (BookpipeError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('engine errors', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'stage-ocr-errors-'));
  });
  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('native: says how to install tesseract when the program is missing', async () => {
    const error = await rejection(createOcrEngine({ engine: 'native', tesseractPath: join(tmp, 'no-tesseract-here') }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toMatch(/was not found\. Install tesseract-ocr .* or use engine 'tesseract\.js'/);
  });

  it('names the language package to install', async () => {
    const error = await rejection(createOcrEngine({ language: 'eng+qqq' }));
    expect(error.message).toContain('npm install @tesseract.js-data/qqq');
  });

  it.each(['tesseract.js', 'native'] as const)('%s: a missing file, a file that is no image and a damaged PNG fail their page only', async (engineName) => {
    const engine = await createOcrEngine({ engine: engineName, maxWorkers: 1, detectOrientation: false });
    try {
      const missing = await rejection(engine.recognize(join(tmp, 'page_0009.png'), 9));
      expect(missing.code).toBe('INPUT_INVALID');
      expect(missing.message).toBe(`OCR of page 9: the image ${join(tmp, 'page_0009.png')} does not exist. Run the source stage for this page first.`);

      // Text where an image should be: never handed to tesseract, which would read it as a list of files.
      const list = join(tmp, 'list.png');
      await writeFile(list, `${ocrmypdf('typewriter.png')}\n`);
      const notImage = await rejection(engine.recognize(list, 4));
      expect(notImage.message).toMatch(new RegExp(`OCR of page 4: ${list} is not a readable image \\(unknown format, first bytes [0-9a-f ]+\\)`));

      if (hasEval) {
        const png = await readFile(ocrmypdf('typewriter.png'));
        const damaged = join(tmp, `damaged-${engineName}.png`);
        await writeFile(damaged, png.subarray(0, 4000));
        const error = await rejection(engine.recognize(damaged, 5));
        expect(error.code).toBe('INPUT_INVALID');
        expect(error.message).toContain(`OCR of page 5: ${damaged} is not a readable image`);
        expect(error.details).toMatchObject({ page: 5, file: damaged });
      }
    } finally {
      await engine.destroy();
    }
  });
});
