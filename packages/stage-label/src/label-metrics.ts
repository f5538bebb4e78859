import { BasePageMetricsSchema, type LabelPage, LlmPageMetricsSchema, NumberingStyleSchema, PageRegionSchema } from '@bookpipe/contracts';
import type { PageMetricsInput } from '@bookpipe/core';
import { z } from 'zod';

/**
 * What the label stage journals for each page: core's base metrics, the LLM bookkeeping when a
 * model labelled the page (absent for the deterministic labeller), and the quality fields.
 */
export const LabelPageMetricsSchema = BasePageMetricsSchema.extend({
  ...LlmPageMetricsSchema.omit({ pageNum: true, processingTimeSeconds: true, costUsd: true }).partial().shape,
  /** "llm" when a model labelled the page, "deterministic" for the layout labeller. */
  method: z.enum(['llm', 'deterministic']),
  blocks: z.number().int().nonnegative(),
  /** Mean block confidence; null for a page without blocks. */
  avgConfidence: z.number().min(0).max(1).nullable(),
  /** As read on the page (before the book-level reconciliation of `page-numbers.json`). */
  printedPageNumber: z.string().nullable(),
  numberingStyle: NumberingStyleSchema,
  pageRegion: PageRegionSchema,
  headers: z.number().int().nonnegative(),
  footers: z.number().int().nonnegative(),
  footnotes: z.number().int().nonnegative(),
});
export type LabelPageMetrics = z.infer<typeof LabelPageMetricsSchema>;

/** The columns of `label/report.csv`. */
export const LabelReportSchema = LabelPageMetricsSchema.pick({
  pageNum: true,
  method: true,
  printedPageNumber: true,
  numberingStyle: true,
  pageRegion: true,
  blocks: true,
  headers: true,
  footers: true,
  footnotes: true,
  avgConfidence: true,
  costUsd: true,
  attempts: true,
  model: true,
  promptTokens: true,
  completionTokens: true,
  processingTimeSeconds: true,
});

/** The quality fields of a label page's metrics. */
export function labelQuality(page: LabelPage, method: 'llm' | 'deterministic'): PageMetricsInput<LabelPageMetrics> {
  const count = (classification: string) => page.blocks.filter((block) => block.classification === classification).length;
  return {
    method,
    blocks: page.blocks.length,
    avgConfidence:
      page.blocks.length === 0 ? null : Math.round((page.blocks.reduce((sum, block) => sum + block.confidence, 0) / page.blocks.length) * 10000) / 10000,
    printedPageNumber: page.printedPageNumber,
    numberingStyle: page.numberingStyle,
    pageRegion: page.pageRegion,
    headers: count('HEADER'),
    footers: count('FOOTER'),
    footnotes: count('FOOTNOTE'),
  };
}
