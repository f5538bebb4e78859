import { z } from 'zod';
import { NumberingStyleSchema } from './label-page.js';

/** Name of the label stage's book-level file of reconciled printed page numbers (`label/page-numbers.json`). */
export const PAGE_NUMBERS_FILE = 'page-numbers.json';

/**
 * `label/page-numbers.json`: one entry per page of the scan, the printed page numbers made
 * consistent across the book. It wins over the label page files, which hold what was read on each
 * page alone.
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
