import { NumberingStyleSchema } from '@bookpipe/stage-label';
import { z } from 'zod';

/** Name of the label stage's book-level file of reconciled printed page numbers. */
export const PAGE_NUMBERS_FILE = 'page-numbers.json';

/**
 * `label/page-numbers.json`, written by the label stage's `after()` once printed page numbers have been
 * reconciled across the whole book: one entry per page. It wins over the label page files, which
 * were written page by page (a resumed label run may have pages labelled before the reconciliation).
 */
export const PageNumbersFileSchema = z.array(
  z.object({
    page: z.number().int().positive(),
    printedPageNumber: z.string().min(1).nullable(),
    numberingStyle: NumberingStyleSchema,
    inferred: z.boolean(),
    reason: z.string().optional(),
  }),
);
export type PageNumbersFile = z.infer<typeof PageNumbersFileSchema>;
export type PageNumberEntry = PageNumbersFile[number];
