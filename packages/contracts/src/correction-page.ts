import { z } from 'zod';

/**
 * One paragraph's correction. `text` is the full corrected paragraph, or null when the OCR text is right
 * as it stands: the model only says what changed, which keeps responses short and unchanged text exact.
 */
export const ParagraphCorrectionSchema = z.object({
  blockNum: z.number().int().positive(),
  parNum: z.number().int().positive(),
  text: z.string().nullable(),
  /** Why the text changed (or why it was left alone when doubtful); empty when nothing to say. */
  notes: z.string(),
  confidence: z.number().min(0).max(1),
});
export type ParagraphCorrection = z.infer<typeof ParagraphCorrectionSchema>;

/**
 * A correction page file: `correction/page_NNNN.json`. `paragraphs` has one entry per OCR paragraph, in
 * OCR order. Bookkeeping (`method`, `model`, timestamps) is added by the stage, never asked of a model.
 */
export const CorrectionPageSchema = z.object({
  pageNumber: z.number().int().positive(),
  /** "llm" when a model reviewed the page, "deterministic" for the word-list pass alone. */
  method: z.enum(['llm', 'deterministic']),
  model: z.string().nullable(),
  paragraphs: z.array(ParagraphCorrectionSchema),
  totals: z.object({
    paragraphs: z.number().int().nonnegative(),
    corrected: z.number().int().nonnegative(),
    /** Edit distance summed over the corrected paragraphs. */
    charactersChanged: z.number().int().nonnegative(),
  }),
  createdAt: z.string(),
});
export type CorrectionPage = z.infer<typeof CorrectionPageSchema>;
