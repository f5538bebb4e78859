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

/** Why a model's text for a paragraph was refused (see the correction stage's answer check). */
export const CorrectionRejectionSchema = z.enum([
  /** The answer emptied a paragraph that has text. */
  'empty',
  /** The answer changed more of the paragraph than `maxChangeShare` allows (a rewrite, not a correction). */
  'too_many_changes',
]);
export type CorrectionRejection = z.infer<typeof CorrectionRejectionSchema>;

/**
 * A paragraph whose model text was refused twice (first answer and the one retry): the paragraph kept
 * the text of the deterministic pass, and the page says so here.
 */
export const CorrectionFlagSchema = z.object({
  blockNum: z.number().int().positive(),
  parNum: z.number().int().positive(),
  reason: CorrectionRejectionSchema,
  /** The measure behind the reason, for a reader: "changed 64% of 212 characters (allowed 15%)". */
  detail: z.string(),
});
export type CorrectionFlag = z.infer<typeof CorrectionFlagSchema>;

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
  /**
   * Paragraphs where the model's text was refused and the deterministic text kept. Empty for a page
   * the model corrected cleanly and for the deterministic pass; absent in files written before the
   * check existed (read as empty).
   */
  flags: z.array(CorrectionFlagSchema).default([]),
  createdAt: z.string(),
});
export type CorrectionPage = z.infer<typeof CorrectionPageSchema>;
