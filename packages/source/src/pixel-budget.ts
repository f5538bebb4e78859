/**
 * Pixel limits of the source stage.
 *
 * - `maxPixels` (output budget, default 2^26 = 67,108,864 px, e.g. 8192 x 8192): the most pixels one
 *   page image may have. A 300 DPI page up to about 27 x 27 in (A1 is 23.4 x 33.1 in: 69.7 Mpx) fits;
 *   a larger page is rendered or resized to fit, at a lower effective DPI that the page's metrics record.
 *   An RGB page at the budget is 200 MB of raw pixels, which mupdf's WASM heap, sharp and the OCR
 *   stage's workers all handle; OCR gains nothing from more pixels than that.
 * - `maxInputPixels` (refusal limit, default 2^28 = 268,435,456 px, e.g. 16384 x 16384, about sharp's own
 *   default): a declared size beyond it is refused before anything is decoded. It applies to an image
 *   file's header (sharp's `limitInputPixels`), to a PDF page's size at the requested DPI, and to the
 *   images a PDF page declares (its `/Width` x `/Height`). A decompression bomb thus becomes an error
 *   or a downsample within the budget, never an out-of-memory crash.
 */
export const DEFAULT_MAX_PIXELS = 2 ** 26;
/** See {@link DEFAULT_MAX_PIXELS}. */
export const DEFAULT_MAX_INPUT_PIXELS = 2 ** 28;
/** Resolution PDF pages are rendered at. */
export const DEFAULT_DPI = 300;

/** The size a page gets within the budget, and the scale applied to reach it. */
export interface FittedSize {
  width: number;
  height: number;
  /** 1 when the page fits as it is; below 1 when it was scaled down to fit the budget. */
  scale: number;
  downsampled: boolean;
}

/**
 * Scales `width` x `height` down, keeping the aspect ratio, until it holds at most `maxPixels` pixels.
 * Dimensions are rounded down so the result never exceeds the budget; each side keeps at least 1 px.
 */
export function fitToBudget(width: number, height: number, maxPixels: number): FittedSize {
  if (width * height <= maxPixels) return { width, height, scale: 1, downsampled: false };
  let scale = Math.sqrt(maxPixels / (width * height));
  let w = Math.max(1, Math.floor(width * scale));
  let h = Math.max(1, Math.floor(height * scale));
  // Floating point can leave the product one row over; shrink until it fits.
  while (w * h > maxPixels) {
    scale *= 0.999;
    w = Math.max(1, Math.floor(width * scale));
    h = Math.max(1, Math.floor(height * scale));
  }
  return { width: w, height: h, scale, downsampled: true };
}

/** "67.1 Mpx" */
export function megapixels(pixels: number): string {
  return `${(pixels / 1e6).toFixed(1)} Mpx`;
}
