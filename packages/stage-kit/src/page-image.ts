import { SOURCE_STAGE } from '@bookpipe/contracts';
import { type BookStorage, openStageInput } from '@bookpipe/core';
import type { LlmImage } from '@bookpipe/llm-batch';
import sharp from 'sharp';

export interface PageImageOptions {
  /**
   * Longest side of the image sent, in pixels. A 300 DPI page (about 2500 x 3300 px) is reduced to
   * fit; a smaller image is sent at its own size. 1024 px keeps book text legible to current vision
   * models at a fraction of the tokens of the full scan.
   * @default 1024
   */
  maxSide?: number;
  /** JPEG quality, 1-100. @default 80 */
  quality?: number;
  /**
   * Degrees clockwise to turn the source image before sending it: the OCR page's `rotation`, so
   * that the image shows what the OCR boxes describe.
   * @default 0
   */
  rotation?: number;
}

/**
 * A source page as an LLM request image: the `source/page_NNNN.png` of the scan, turned upright,
 * reduced so its longer side is at most `maxSide` pixels, as JPEG. Loaded only when the request
 * starts (and dropped after), so a batch of thousands of pages holds only the images in flight.
 */
export function pageImage(scan: BookStorage, page: number, options: PageImageOptions = {}): LlmImage {
  return { mediaType: 'image/jpeg', load: () => pageImageJpeg(scan, page, options) };
}

/** The JPEG bytes `pageImage` sends. */
export async function pageImageJpeg(scan: BookStorage, page: number, options: PageImageOptions = {}): Promise<Uint8Array> {
  const maxSide = options.maxSide ?? 1024;
  const png = await openStageInput(scan, SOURCE_STAGE).loadBytes(page);
  const jpeg = await sharp(png)
    .rotate(options.rotation ?? 0)
    .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: options.quality ?? 80 })
    .toBuffer();
  return new Uint8Array(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength);
}

/** Checks image options at construction, with the value in the message. */
export function checkPageImageOptions(stage: string, options: PageImageOptions): void {
  const { maxSide, quality, rotation } = options;
  if (maxSide !== undefined && !(Number.isInteger(maxSide) && maxSide >= 64)) {
    throw new TypeError(`[${stage}] \`imageMaxSide\` must be an integer >= 64 (pixels), got ${maxSide}`);
  }
  if (quality !== undefined && !(Number.isInteger(quality) && quality >= 1 && quality <= 100)) {
    throw new TypeError(`[${stage}] \`imageQuality\` must be an integer in 1..100, got ${quality}`);
  }
  if (rotation !== undefined && !Number.isFinite(rotation)) throw new TypeError(`[${stage}] rotation must be a number of degrees, got ${rotation}`);
}
