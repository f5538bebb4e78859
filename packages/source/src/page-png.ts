import { COLOUR_CHECK_SIZE, checkColour } from './colour.js';
import type { RawPixels } from './raw-pixels.js';
import { loadSharp } from './sharp-loader.js';

/** `'auto'` removes colour only from pages that have none beyond a tint; `true` always; `false` never. */
export type GrayscaleOption = 'auto' | boolean;

export interface PagePng {
  png: Buffer;
  width: number;
  height: number;
  grayscale: boolean;
  /** Share of bright pixels departing from the dominant hue (`'auto'` on an RGB page only), else null. */
  colouredShare: number | null;
}

/**
 * Encodes a page as PNG with sharp (faster than mupdf's encoder, and off the main thread), in
 * grayscale when asked or, with `'auto'`, when the page has no real colour. The resolution is written
 * into the PNG (pHYs) when known.
 */
export async function encodePagePng(pixels: RawPixels, grayscale: GrayscaleOption, dpi: number | null): Promise<PagePng> {
  const sharp = await loadSharp();
  const raw = { raw: { width: pixels.width, height: pixels.height, channels: pixels.channels } } as const;
  let toGray = pixels.channels === 1;
  let colouredShare: number | null = null;
  if (pixels.channels === 3 && grayscale === 'auto') {
    const thumb = await sharp(pixels.data, raw)
      .resize(COLOUR_CHECK_SIZE, COLOUR_CHECK_SIZE, { fit: 'inside', withoutEnlargement: true })
      .raw()
      .toBuffer({ resolveWithObject: true });
    const check = checkColour(thumb.data, thumb.info.channels);
    colouredShare = check.colouredShare;
    toGray = !check.coloured;
  } else if (pixels.channels === 3 && grayscale === true) {
    toGray = true;
  }
  let pipeline = sharp(pixels.data, raw);
  // Also for one-channel input: sharp would otherwise write raw gray samples out as sRGB.
  if (toGray) pipeline = pipeline.toColourspace('b-w');
  if (dpi !== null) pipeline = pipeline.withDensity(Math.round(dpi * 100) / 100);
  const png = await pipeline.png({ compressionLevel: 6 }).toBuffer();
  return { png, width: pixels.width, height: pixels.height, grayscale: toGray, colouredShare };
}
