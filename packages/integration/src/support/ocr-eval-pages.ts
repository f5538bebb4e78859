/**
 * Test support, not exported: OCR of real eval pages with the pipeline's own engine
 * (@bookpipe/stage-ocr), so the tests see exactly what the later stages are given.
 * Images become PNGs first (sharp), as the source stage writes them. Nothing is cached.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { OcrPage } from '@bookpipe/contracts';
import { createOcrEngine, type OcrEngineName } from '@bookpipe/stage-ocr';
import sharp from 'sharp';

/** The engine the eval uses: the pipeline's default unless BOOKPIPE_EVAL_OCR_ENGINE says `native`. */
export function evalEngine(): OcrEngineName {
  return process.env.BOOKPIPE_EVAL_OCR_ENGINE === 'native' ? 'native' : 'tesseract.js';
}

/** OCRs each image (any format sharp reads) as the given scan page number, two at a time. */
export async function ocrImages(images: ReadonlyArray<{ file: string; pageNumber: number }>): Promise<OcrPage[]> {
  const folder = await mkdtemp(path.join(tmpdir(), 'bookpipe-eval-'));
  const engine = await createOcrEngine({ engine: evalEngine(), maxWorkers: 2 });
  try {
    return await Promise.all(
      images.map(async ({ file, pageNumber }, index) => {
        // The list's index keeps names apart: two books' images can share a page number and a file name.
        const png = path.join(folder, `${index}_page_${String(pageNumber).padStart(4, '0')}_${path.basename(file)}.png`);
        await sharp(file).png().toFile(png);
        const { page } = await engine.recognize(png, pageNumber);
        return page;
      }),
    );
  } finally {
    await engine.destroy();
    await rm(folder, { recursive: true, force: true });
  }
}
