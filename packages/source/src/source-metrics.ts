import { BasePageMetricsSchema } from '@bookpipe/contracts';
import { z } from 'zod';

/** What the source stage journals for each page, and the columns of source/report.csv. */
export const SourcePageMetricsSchema = BasePageMetricsSchema.extend({
  /** Absolute path of the input file the page comes from. */
  sourceFile: z.string(),
  /** 1-based page within that file (a PDF page, a TIFF directory; 1 for a single image). */
  sourcePage: z.number().int().positive(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  /**
   * Effective resolution of the page image: the render DPI for a PDF page (lower when downsampled to
   * the pixel budget), the declared density for an image, null when an image declares none (or the
   * 72/96 DPI defaults of image tools, which say nothing about the scan).
   */
  dpi: z.number().positive().nullable(),
  /** True when the page was scaled down to fit `maxPixels`. */
  downsampled: z.boolean(),
  /** True when the PNG is single-channel gray. */
  grayscale: z.boolean(),
  /** The PDF page's /Rotate (0, 90, 180, 270), applied by the renderer; null for images. */
  pdfRotate: z.number().int().nullable(),
  /** The EXIF orientation (1-8) applied to an image; null for PDF pages. */
  exifOrientation: z.number().int().nullable(),
  /** Size of the PNG written. */
  pngBytes: z.number().int().nonnegative(),
});
export type SourcePageMetrics = z.infer<typeof SourcePageMetricsSchema>;
