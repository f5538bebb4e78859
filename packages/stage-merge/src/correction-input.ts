import { z } from 'zod';

/**
 * The part of a correction page (`correction/page_NNNN.json`) the merge reads: per paragraph the
 * corrected text (null: unchanged), notes and confidence. Other fields of the page are allowed and
 * ignored, so the merge keeps reading pages of a correction stage that adds fields.
 */
export const CorrectionInputSchema = z.object({
  pageNumber: z.number().int().positive(),
  paragraphs: z.array(
    z.object({
      blockNum: z.number().int().positive(),
      parNum: z.number().int().positive(),
      text: z.string().nullable(),
      notes: z.string(),
      confidence: z.number().min(0).max(1),
    }),
  ),
});
export type CorrectionInput = z.infer<typeof CorrectionInputSchema>;
