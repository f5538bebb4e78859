import { stat } from 'node:fs/promises';
import { SOURCE_STAGE } from '@bookpipe/contracts';
import { type BookStorage, openStageInput } from '@bookpipe/core';
import type { LlmImage } from '@bookpipe/llm-batch';
import { type ImageSizeRule, imageSizeRule, imageTargetSize } from './image-size.js';
import type { ResolvedLlm } from './llm-settings.js';
import { pageImageCacheFor } from './page-image-cache.js';
import { preparedImagePath, readPreparedImage, writePreparedImage } from './prepared-image-file.js';

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
 * reduced so its longer side is at most `maxSide` pixels, as JPEG. Loaded only when needed (by the
 * client when an attempt starts, or by `runLlmPages` when the page comes up) and dropped after, so a
 * batch of thousands of pages holds only the images of the requests or pages in flight.
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
  const recipe = [JSON.stringify(rule), quality, rotation].join('|');
  const cache = pageImageCacheFor(llm.client);
  const encode = () => encodePageImage(scan, page, rule, quality, rotation);
  return {
    mediaType: 'image/jpeg',
    // The source file's identity is part of the key, read at each load: a client kept across runs (a
    // caller's own `llm: { client }`) never sends the image of a page the source stage has since replaced.
    load: async () => {
      const source = await sourceFile(scan, page);
      if (!source) return cache.get(`${scan.dir}|${page}|${recipe}|`, encode);
      return cache.get(`${scan.dir}|${page}|${recipe}|${source.version}`, async () => {
        // Made once per scan: the JPEG is kept beside the source pages and read back by later runs.
        const file = preparedImagePath(source.path, page, `${recipe}|${source.version}`);
        const kept = await readPreparedImage(file);
        if (kept) {
          cache.stats.fromDisk += 1;
          return kept;
        }
        const made = await encode();
        await writePreparedImage(file, page, made);
        return made;
      });
    },
  };
}

/**
 * The local file of a source page and its identity ("ino:size:mtime"), or undefined where the storage
 * has no file to look at (another backend). Every source page is written as temp file + rename, so a
 * page written again is another inode with another time: the identity changes whenever the content
 * may have, without reading and hashing the whole image (the storage trusts a checked page by the same
 * stamp).
 */
async function sourceFile(scan: BookStorage, page: number): Promise<{ path: string; version: string } | undefined> {
  const path = openStageInput(scan, SOURCE_STAGE).pagePath(page);
  try {
    const info = await stat(path);
    return { path, version: `${info.ino}:${info.size}:${info.mtimeMs}` };
  } catch {
    return undefined;
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
