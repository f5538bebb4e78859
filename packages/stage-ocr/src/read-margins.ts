import type { OcrPage } from '@bookpipe/contracts';
import { findMarginPieces, marginWords, stackPieces, withMarginBlocks } from './margin-pass.js';
import type { TsvRow } from './tsv.js';

/**
 * Runs the margin pass on a page read from `image` (the pixels the page's boxes refer to: the turned
 * image when the page was turned): decodes it once in greyscale, finds the ink left at the head and
 * foot of the text, and has `read` (the engine, in block mode, PSM 6) read the stacked pieces as PNG.
 * A page with no leftover piece costs the decode only. It never fails the page: on any error but an
 * abort, the page is returned as it was read.
 */
export async function readMargins(image: Uint8Array, page: OcrPage, read: (png: Buffer) => Promise<TsvRow[]>, signal?: AbortSignal): Promise<OcrPage> {
  try {
    const { default: sharp } = await import('sharp');
    // 8 bits whatever the file holds (a 16-bit PNG would give two bytes a pixel).
    const { data, info } = await sharp(image).flatten({ background: '#ffffff' }).greyscale().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    // A page read at another size than the image (it never is) would put boxes on the wrong pixels.
    if (info.channels !== 1 || info.width !== page.width || info.height !== page.height || data.length !== info.width * info.height) return page;
    const pieces = findMarginPieces({ data, width: info.width, height: info.height }, page);
    if (pieces.length === 0) return page;
    const stack = stackPieces(pieces);
    const png = await sharp(stack.image.data, { raw: { width: stack.image.width, height: stack.image.height, channels: 1 } })
      .png({ compressionLevel: 1 })
      .toBuffer();
    return withMarginBlocks(page, marginWords(await read(png), stack));
  } catch {
    if (signal?.aborted) throw signal.reason;
    // The pass only adds evidence: when it fails (an engine that died on the stack, a decode error), the page
    // as read stands, and a dead engine is replaced on the next page as after any failure.
    return page;
  }
}
