import type { OcrPage } from '@bookpipe/contracts';
import { findMarginPieces, marginWords, stackPieces, withMarginBlocks } from './margin-pass.js';
import type { TsvRow } from './tsv.js';

/**
 * Runs the margin pass on a page read from `image` (the pixels the page's boxes refer to: the turned
 * image when the page was turned): decodes it once in greyscale, finds the ink left at the head and
 * foot of the text, and has `read` (the engine, in block mode, PSM 6) read the stacked pieces as PNG.
 * A page with no leftover piece costs the decode only.
 */
export async function readMargins(image: Uint8Array, page: OcrPage, read: (png: Buffer) => Promise<TsvRow[]>): Promise<OcrPage> {
  const { default: sharp } = await import('sharp');
  const { data, info } = await sharp(image).flatten({ background: '#ffffff' }).greyscale().raw().toBuffer({ resolveWithObject: true });
  // A page read at another size than the image (it never is) would put boxes on the wrong pixels.
  if (info.channels !== 1 || info.width !== page.width || info.height !== page.height) return page;
  const pieces = findMarginPieces({ data, width: info.width, height: info.height }, page);
  if (pieces.length === 0) return page;
  const stack = stackPieces(pieces);
  const png = await sharp(stack.image.data, { raw: { width: stack.image.width, height: stack.image.height, channels: 1 } })
    .png({ compressionLevel: 1 })
    .toBuffer();
  return withMarginBlocks(page, marginWords(await read(png), stack));
}
