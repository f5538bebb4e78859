import { stat } from 'node:fs/promises';
import { SOURCE_STAGE } from '@bookpipe/contracts';
import { type BookStorage, openStageInput } from '@bookpipe/core';
import type { LlmImage } from '@bookpipe/llm-batch';
import { type ImageSizeRule, imageSizeRule, imageTargetSize } from './image-size.js';
import type { ResolvedLlm } from './llm-settings.js';
import { pageImageCacheFor } from './page-image-cache.js';

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
  return encodePageImage(scan, page, { maxSide: options.maxSide ?? 1024 }, options.quality ?? 80, options.rotation ?? 0);
}

/**
 * A source page as an LLM request image at the size the stage's provider reads (`imageSizeRule`:
 * 1568 px long side for Anthropic, OpenAI's 2048 box and 768 px short side, else 1024 px; `maxSide`
 * overrides it), encoded once and shared through the client's `PageImageCache` by every stage and
 * every attempt that sends it.
 */
export function llmPageImage(llm: ResolvedLlm, scan: BookStorage, page: number, options: PageImageOptions = {}): LlmImage {
  const rule = imageSizeRule(llm.client.options.provider.name, options.maxSide);
  const quality = options.quality ?? 80;
  const rotation = options.rotation ?? 0;
  const key = [scan.dir, page, JSON.stringify(rule), quality, rotation].join('|');
  const cache = pageImageCacheFor(llm.client);
  return {
    mediaType: 'image/jpeg',
    // The source file's size and time are part of the key, read at each load: a client kept across runs (a
    // caller's own `llm: { client }`) never sends the image of a page the source stage has since replaced.
    load: async () => cache.get(`${key}|${await sourceVersion(scan, page)}`, () => encodePageImage(scan, page, rule, quality, rotation)),
  };
}

/** "size:mtime" of a source page file, or "" where the storage has no file to look at (another backend). */
export async function sourceVersion(scan: BookStorage, page: number): Promise<string> {
  try {
    const info = await stat(openStageInput(scan, SOURCE_STAGE).pagePath(page));
    return `${info.size}:${info.mtimeMs}`;
  } catch {
    return '';
  }
}

async function encodePageImage(scan: BookStorage, page: number, rule: ImageSizeRule, quality: number, rotation: number): Promise<Uint8Array> {
  // sharp is loaded on the first image, not with the kit: runs without an LLM never encode one.
  const { default: sharp } = await import('sharp');
  const png = await openStageInput(scan, SOURCE_STAGE).loadBytes(page);
  const meta = await sharp(png).metadata();
  // Sized after turning: a quarter turn swaps the sides.
  const quarter = Math.abs(Math.round(rotation / 90)) % 2 === 1;
  const [width, height] = quarter ? [meta.height, meta.width] : [meta.width, meta.height];
  const target = imageTargetSize(width, height, rule);
  const jpeg = await sharp(png)
    .rotate(rotation)
    .resize({ width: target.width, height: target.height, fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality })
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
