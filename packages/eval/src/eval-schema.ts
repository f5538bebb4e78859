import { z } from 'zod';
import { SCORED_CLASSES } from './label-scores.js';
import { LINE_KINDS } from './line-scores.js';

const count = z.number().int().nonnegative();
const ratio = z.number().nonnegative();

/** Edit counts and the rate they give (edits / referenceLength). */
export const ErrorRateSchema = z.object({
  rate: ratio,
  referenceLength: count,
  hypothesisLength: count,
  edits: count,
  substitutions: count,
  deletions: count,
  insertions: count,
});

/** Character and word error rates of one text, in one form. */
export const TextScoresSchema = z.object({ cer: ErrorRateSchema, wer: ErrorRateSchema });

/** One stage's text on one page against the truth: raw and normalised. */
export const PageTextScoreSchema = z.object({
  /** What the truth text compared covers: the whole page, or the reading text only (see README.md). */
  reference: z.enum(['page', 'body']),
  raw: TextScoresSchema,
  normalized: TextScoresSchema,
});

/** The texts scored: OCR, after correction, after merge. */
export const TEXT_STAGES = ['ocr', 'corrected', 'merged'] as const;
export const TextStageSchema = z.enum(TEXT_STAGES);
export type TextStage = z.infer<typeof TextStageSchema>;

export const ClassCountsSchema = z.object({ predicted: count, correct: count, regions: count, found: count });
export const ScoredClassSchema = z.enum(SCORED_CLASSES);
const perClass = <T extends z.ZodType>(schema: T) =>
  z.object(Object.fromEntries(SCORED_CLASSES.map((c) => [c, schema])) as Record<(typeof SCORED_CLASSES)[number], T>);
export const LineKindSchema = z.enum(LINE_KINDS);
const perLineKind = <T extends z.ZodType>(schema: T) =>
  z.object(Object.fromEntries(LINE_KINDS.map((c) => [c, schema])) as Record<(typeof LINE_KINDS)[number], T>);

export const EvalPageSchema = z.object({
  /** Scan page number (1-based). */
  page: z.number().int().positive(),
  truth: z.object({
    key: z.string(),
    files: z.array(z.string()),
    format: z.enum(['text', 'page-xml', 'regions-jsonl']),
    scope: z.enum(['page', 'body']),
    /** True when a plain-text page was found to hold the running head or page number (scope set to `page`). */
    scopeDetected: z.boolean(),
    /** How the truth page was matched to the scan page. */
    matchedBy: z.enum(['page-map', 'image-name', 'file-name', 'page-number-name']),
    /** Private-use characters in the truth text (MUFI glyphs): counted as errors, see README.md. */
    privateUseChars: count,
  }),
  /** Per stage; null when the stage has no page file for this page (not run, or the page failed). */
  text: z.object({ ocr: PageTextScoreSchema.nullable(), corrected: PageTextScoreSchema.nullable(), merged: PageTextScoreSchema.nullable() }),
  /** Label counts per class; null when the truth has no typed regions or the page has no label. */
  labels: perClass(ClassCountsSchema).nullable(),
  /**
   * Furniture counts line by line (running head, page number, foot, catch-word, signature mark, marginal
   * note: the label page's line labels and furniture blocks' lines against typed truth regions); null as
   * `labels`. Absent in files written before.
   */
  lineLabels: perLineKind(ClassCountsSchema).nullable().optional(),
  /** Printed page number; null when the truth transcribes none for this page. */
  pageNumber: z.object({ truth: z.string(), predicted: z.string().nullable(), correct: z.boolean() }).nullable(),
});
export type EvalPage = z.infer<typeof EvalPageSchema>;

/**
 * A stage's text over all its scored pages: total edits over total reference length. Pages whose truth
 * text is empty (a blank page: reference length 0) are left out of `pages` and the rates (any text read
 * there would count as an error rate of thousands of percent) and counted in `blankPages` instead.
 */
export const OverallTextScoreSchema = z.object({
  pages: count,
  raw: TextScoresSchema,
  normalized: TextScoresSchema,
  /** Pages whose normalised truth text is empty, and the characters the stage read on them (noise). Absent in files written before. */
  blankPages: z.object({ pages: count, hypothesisChars: count, page: z.array(z.number().int().positive()) }).optional(),
});

export const ClassScoreSchema = ClassCountsSchema.extend({ precision: ratio.nullable(), recall: ratio.nullable() });

/** `eval.json`: a scan scored against ground truth. */
export const EvalResultSchema = z.object({
  schemaVersion: z.literal(1),
  scanId: z.string(),
  /** Absolute path of the truth folder. */
  truthFolder: z.string(),
  createdAt: z.string(),
  /** The normalisation of the `normalized` scores, in words. */
  normalization: z.string(),
  /** Which stage's output each text comes from (the label stage's or the merge's block classes and page numbers). */
  sources: z.object({ labels: z.enum(['merge', 'label', 'none']), pageNumbers: z.enum(['merge', 'label', 'none']) }),
  pages: z.array(EvalPageSchema),
  overall: z.object({
    ocr: OverallTextScoreSchema.nullable(),
    corrected: OverallTextScoreSchema.nullable(),
    merged: OverallTextScoreSchema.nullable(),
    labels: perClass(ClassScoreSchema).nullable(),
    /** Line-level furniture precision and recall per kind (see the page's `lineLabels`). Absent in files written before. */
    lineLabels: perLineKind(ClassScoreSchema).nullable().optional(),
    pageNumbers: z.object({ pages: count, correct: count, wrong: count, missing: count, rate: ratio.nullable() }).nullable(),
  }),
  /** Truth pages left out because they match no scan page (with `ignoreUnmatched`). */
  unmatchedTruth: z.array(z.string()),
  /** Scan pages with no truth (not scored). */
  pagesWithoutTruth: z.array(z.number().int().positive()),
  /** Truth pages whose page file is missing in a stage that ran: `{ stage: [pages] }`. */
  missingPages: z.record(z.string(), z.array(z.number().int().positive())),
});
export type EvalResult = z.infer<typeof EvalResultSchema>;
