import { BasePageMetricsSchema } from '@bookpipe/contracts';
import { z } from 'zod';

/** Per-page metrics of the merge stage, journalled with each page. */
export const MergePageMetricsSchema = BasePageMetricsSchema.extend({
  blocks: z.number().int().nonnegative(),
  paragraphs: z.number().int().nonnegative(),
  ocrWords: z.number().int().nonnegative(),
  /** Paragraphs whose text comes from the correction stage. */
  correctedParagraphs: z.number().int().nonnegative(),
  /** Blocks with no label (0 when the label stage ran on every block). */
  blocksWithoutLabel: z.number().int().nonnegative(),
  /** Paragraphs with no correction entry while the correction stage was used. */
  paragraphsWithoutCorrection: z.number().int().nonnegative(),
  /** Paragraphs whose model text the correction stage refused and that keep the OCR text (0 in journals written before the check). */
  correctionRefused: z.number().int().nonnegative().default(0),
  printedPageNumber: z.string().nullable(),
  fromPrevious: z.boolean(),
  toNext: z.boolean(),
});
export type MergePageMetrics = z.infer<typeof MergePageMetricsSchema>;

/** The columns of `merge/report.csv`. */
export const MergeReportSchema = MergePageMetricsSchema.pick({
  pageNum: true,
  printedPageNumber: true,
  blocks: true,
  paragraphs: true,
  ocrWords: true,
  correctedParagraphs: true,
  blocksWithoutLabel: true,
  paragraphsWithoutCorrection: true,
  correctionRefused: true,
  fromPrevious: true,
  toNext: true,
});
