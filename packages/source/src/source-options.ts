import { BookpipeError, ErrorCode } from '@bookpipe/core';
import { z } from 'zod';
import type { GrayscaleOption } from './page-png.js';
import { DEFAULT_DPI, DEFAULT_MAX_INPUT_PIXELS, DEFAULT_MAX_PIXELS } from './pixel-budget.js';

export interface SourceStageOptions {
  /**
   * PDF files, image files (PNG, JPEG, TIFF including multi-page and JPEG-in-TIFF, WebP) or folders of
   * page images, in book order. A folder's images are taken in natural order (`page_2` before
   * `page_10`); pages are numbered 1..N continuously across all inputs.
   * @example ['scans/front-matter.pdf', 'scans/chapters/']
   */
  inputs: readonly string[];
  /**
   * Resolution PDF pages are rendered at. Images keep their own resolution (they are only ever
   * scaled down, to fit `maxPixels`).
   * @default 300
   */
  dpi?: number;
  /**
   * Most pixels one page image may have. Larger pages are rendered or resized to fit, at a lower
   * effective DPI recorded in the page's metrics.
   * @default 67108864 (2^26, e.g. 8192 x 8192: a 27 x 27 in page at 300 DPI)
   */
  maxPixels?: number;
  /**
   * Declared sizes beyond this are refused before anything is decoded: an image file's header, a PDF
   * page's size at `dpi`, and each image a PDF page declares. Protects against decompression bombs.
   * @default 268435456 (2^28, e.g. 16384 x 16384)
   */
  maxInputPixels?: number;
  /**
   * `'auto'` writes a page in grayscale when it has no colour beyond a single tint (black or brown ink
   * on white or yellowed paper), `true` always, `false` never (gray inputs stay gray).
   * @default 'auto'
   */
  grayscale?: GrayscaleOption;
  /**
   * Replace pages that came from other inputs (or other settings). This deletes the outputs of every
   * stage of the scan, since they were made from the old pages.
   * @default false
   */
  force?: boolean;
  /**
   * Pages in flight at once. With 2, the next page renders (mupdf, main thread) while the previous one
   * is PNG-encoded (sharp, libuv thread pool). Memory grows with it: up to ~3 bytes x `maxPixels` each.
   * @default 2
   */
  concurrency?: number;
}

export interface ResolvedSourceOptions {
  inputs: string[];
  dpi: number;
  maxPixels: number;
  maxInputPixels: number;
  grayscale: GrayscaleOption;
  force: boolean;
  concurrency: number;
}

const OptionsSchema = z.object({
  inputs: z.array(z.string().min(1, 'an input path is empty')).min(1, 'give at least one PDF, image or folder'),
  dpi: z.number().finite().min(10).max(2400).default(DEFAULT_DPI),
  maxPixels: z.number().int().min(1024).default(DEFAULT_MAX_PIXELS),
  maxInputPixels: z.number().int().min(1024).default(DEFAULT_MAX_INPUT_PIXELS),
  grayscale: z.union([z.literal('auto'), z.boolean()]).default('auto'),
  force: z.boolean().default(false),
  concurrency: z.number().int().min(1).max(16).default(2),
});

/** Applies defaults and validates. @throws BookpipeError CONFIG_INVALID naming each wrong option. */
export function resolveSourceOptions(options: SourceStageOptions): ResolvedSourceOptions {
  const parsed = OptionsSchema.safeParse({ ...options, inputs: options?.inputs ? [...options.inputs] : options?.inputs });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`).join('; ');
    throw new BookpipeError(ErrorCode.CONFIG_INVALID, `Invalid SourceStage options: ${problems}.`, { details: { options } });
  }
  return parsed.data;
}
