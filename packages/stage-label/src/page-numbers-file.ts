import { LabelPageSchema, PAGE_NUMBERS_FILE, type PageNumbersFile, PageNumbersFileSchema } from '@bookpipe/contracts';
import type { StageContext } from '@bookpipe/core';
import type { z } from 'zod';
import { type PageNumberReading, type ReconcileOptions, reconcilePageNumbers } from './reconcile-page-numbers.js';

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
  await ctx.output.writeFile(PAGE_NUMBERS_FILE, `${JSON.stringify(PageNumbersFileSchema.parse(file), null, 2)}\n`);
  return file;
}
