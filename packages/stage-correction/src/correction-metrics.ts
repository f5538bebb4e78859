import { BasePageMetricsSchema, LlmPageMetricsSchema } from '@bookpipe/contracts';
import { z } from 'zod';

/**
 * What the correction stage journals for each page: core's base metrics, the LLM bookkeeping when
 * a model reviewed the page (absent for the deterministic pass), and the quality fields.
 */
export const CorrectionPageMetricsSchema = BasePageMetricsSchema.extend({
  ...LlmPageMetricsSchema.omit({ pageNum: true, processingTimeSeconds: true, costUsd: true }).partial().shape,
  /** "llm" when a model reviewed the page, "deterministic" for the de-hyphenation pass alone. */
  method: z.enum(['llm', 'deterministic']),
  paragraphs: z.number().int().nonnegative(),
  /** Paragraphs whose final text differs from the OCR text (de-hyphenation included). */
  corrections: z.number().int().nonnegative(),
  /** Paragraphs the model changed (0 for the deterministic pass). */
  modelCorrections: z.number().int().nonnegative(),
  /** Mean paragraph confidence: the model's, or the OCR engine's for the deterministic pass; null for a page without text. */
  avgConfidence: z.number().min(0).max(1).nullable(),
  /** 1 - charactersChanged / length of the longer of the page's OCR text and its final text (paragraphs joined by a line break). */
  similarity: z.number().min(0).max(1),
  /** Levenshtein distance between OCR and final text, summed over the paragraphs. */
  charactersChanged: z.number().int().nonnegative(),
  hyphensJoined: z.number().int().nonnegative(),
  hyphensKept: z.number().int().nonnegative(),
  /**
   * Paragraphs whose model text was refused twice (emptied, or changed beyond `maxChangeShare`) and
   * that kept their OCR text; absent for the deterministic pass.
   */
  rejectedParagraphs: z.number().int().nonnegative().optional(),
  /**
   * The model's edits that could not be placed (a `find` not in the paragraph, found twice, empty or
   * overlapping another) and were left out; the paragraph's notes name each. Absent for the deterministic pass.
   */
  rejectedEdits: z.number().int().nonnegative().optional(),
  /** Those paragraphs and reasons, "kept OCR text: b2p1 empty"; "" when none; absent for the deterministic pass. */
  flag: z.string().optional(),
});
export type CorrectionPageMetrics = z.infer<typeof CorrectionPageMetricsSchema>;

/** The columns of `correction/report.csv`. */
export const CorrectionReportSchema = CorrectionPageMetricsSchema.pick({
  pageNum: true,
  method: true,
  paragraphs: true,
  corrections: true,
  modelCorrections: true,
  avgConfidence: true,
  similarity: true,
  charactersChanged: true,
  hyphensJoined: true,
  rejectedParagraphs: true,
  rejectedEdits: true,
  flag: true,
  costUsd: true,
  attempts: true,
  model: true,
  promptTokens: true,
  completionTokens: true,
  processingTimeSeconds: true,
});
