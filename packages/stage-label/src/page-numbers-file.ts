import type { StageContext } from '@bookpipe/core';
import { z } from 'zod';
import { LabelPageSchema, NumberingStyleSchema } from './label-schema.js';
import { reconcilePageNumbers, type PageNumberReading, type ReconcileOptions } from './reconcile-page-numbers.js';

/** Name of the label stage's book-level file of reconciled printed page numbers. */
export const PAGE_NUMBERS_FILE = 'page-numbers.json';

/**
 * `label/page-numbers.json`: one entry per page of the scan, the printed page numbers made
 * consistent across the book by `reconcilePageNumbers`. It wins over the label page files, which
 * hold what was read on each page alone.
 */
export const PageNumbersFileSchema = z.array(
  z.object({
    page: z.number().int().positive(),
    printedPageNumber: z.string().min(1).nullable(),
    numberingStyle: NumberingStyleSchema,
    /** True when `printedPageNumber` is not what was read on the page (corrected or filled in). */
    inferred: z.boolean(),
    reason: z.string().optional(),
    /** What the label page says was read (null: nothing read, or no label page). */
    read: z.string().nullable(),
    confidence: z.number().min(0).max(1),
  }),
);
export type PageNumbersFile = z.infer<typeof PageNumbersFileSchema>;

/**
 * Reads every label page of the scan, reconciles their printed page numbers and writes
 * `label/page-numbers.json`. A page with no valid label page (it failed) counts as a page where no
 * number was read, so the numbering of its neighbours still reaches it.
 */
export async function writePageNumbers(ctx: StageContext, options: ReconcileOptions = {}): Promise<PageNumbersFile> {
  const pages = await ctx.scan.pageNumbers();
  const labelled = new Set(await ctx.output.listPages());
  const readings: PageNumberReading[] = [];
  const missing = new Set<number>();
  for (const page of pages) {
    let label: z.infer<typeof LabelPageSchema> | undefined;
    if (labelled.has(page)) {
      try {
        label = await ctx.output.loadPage(page, LabelPageSchema);
      } catch (error) {
        ctx.logger.warn('label page left out of the page number reconciliation', { page, error });
      }
    }
    if (!label) missing.add(page);
    readings.push({
      pageIndex: page,
      printed: label?.printedPageNumber ?? null,
      style: label?.numberingStyle ?? 'none',
      confidence: label?.pageNumberConfidence ?? 0,
    });
  }
  const file: PageNumbersFile = reconcilePageNumbers(readings, options).map((entry) => ({
    page: entry.pageIndex,
    printedPageNumber: entry.printedPageNumber,
    numberingStyle: entry.printedPageNumber === null ? 'none' : entry.numberingStyle,
    inferred: entry.inferred,
    ...(missing.has(entry.pageIndex)
      ? { reason: `no label page${entry.reason ? `; ${entry.reason}` : ''}` }
      : entry.reason === undefined
        ? {}
        : { reason: entry.reason }),
    read: entry.printed,
    confidence: Math.round(entry.pageNumberConfidence * 100) / 100,
  }));
  await ctx.output.writeFile(PAGE_NUMBERS_FILE, JSON.stringify(PageNumbersFileSchema.parse(file), null, 2) + '\n');
  return file;
}
