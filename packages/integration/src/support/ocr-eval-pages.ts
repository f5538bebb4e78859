/**
 * Test support, not exported: OCR of real eval pages with the pipeline's own engine
 * (@bookpipe/stage-ocr), so the tests see exactly what the later stages are given.
 * Images become PNGs first (sharp), as the source stage writes them. Nothing is cached unless
 * BOOKPIPE_EVAL_OCR_CACHE names a folder (a developer's loop on a loaded machine): then each page's
 * OCR is kept there, keyed on the image's path, size and time, the engine and the scan page number.
 */

import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type OcrPage, OcrPageSchema } from '@bookpipe/contracts';
import { createOcrEngine, type OcrEngineName } from '@bookpipe/stage-ocr';
import sharp from 'sharp';

/** The engine the eval uses: the pipeline's default unless BOOKPIPE_EVAL_OCR_ENGINE says `native`. */
export function evalEngine(): OcrEngineName {
  return process.env.BOOKPIPE_EVAL_OCR_ENGINE === 'native' ? 'native' : 'tesseract.js';
}

async function cacheFile(folder: string, file: string, pageNumber: number): Promise<string> {
  const { size, mtimeMs } = await stat(file);
  const key = createHash('sha256')
    .update(JSON.stringify([path.resolve(file), size, mtimeMs, evalEngine(), pageNumber]))
    .digest('hex')
    .slice(0, 24);
  return path.join(folder, `${key}.json`);
}

/** OCRs each image (any format sharp reads) as the given scan page number, two at a time. */
export async function ocrImages(images: ReadonlyArray<{ file: string; pageNumber: number }>): Promise<OcrPage[]> {
  const cache = process.env.BOOKPIPE_EVAL_OCR_CACHE;
  if (cache) await mkdir(cache, { recursive: true });
  const cached = async (file: string, pageNumber: number): Promise<OcrPage | null> => {
    if (!cache) return null;
    try {
      return OcrPageSchema.parse(JSON.parse(await readFile(await cacheFile(cache, file, pageNumber), 'utf8')));
    } catch {
      return null;
    }
  };
  const found = await Promise.all(images.map(({ file, pageNumber }) => cached(file, pageNumber)));
  if (found.every((page) => page !== null)) return found as OcrPage[];

  const folder = await mkdtemp(path.join(tmpdir(), 'bookpipe-eval-'));
  const engine = await createOcrEngine({ engine: evalEngine(), maxWorkers: 2 });
  try {
    return await Promise.all(
      images.map(async ({ file, pageNumber }, index) => {
        const hit = found[index];
        if (hit) return hit;
        // The list's index keeps names apart: two books' images can share a page number and a file name.
        const png = path.join(folder, `${index}_page_${String(pageNumber).padStart(4, '0')}_${path.basename(file)}.png`);
        await sharp(file).png().toFile(png);
        const { page } = await engine.recognize(png, pageNumber);
        if (cache) {
          const target = await cacheFile(cache, file, pageNumber);
          await writeFile(`${target}.tmp`, JSON.stringify(page));
          await rename(`${target}.tmp`, target);
        }
        return page;
      }),
    );
  } finally {
    await engine.destroy();
    await rm(folder, { recursive: true, force: true });
  }
}
