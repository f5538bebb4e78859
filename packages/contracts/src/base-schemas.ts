import { z } from 'zod';

/** A box in source-image pixels, origin at the top-left corner. */
export const BBoxSchema = z.object({
  x: z.number(),
  y: z.number(),
  width: z.number().nonnegative(),
  height: z.number().nonnegative(),
});
export type BBox = z.infer<typeof BBoxSchema>;

/** The smallest box holding every box of a non-empty list. */
export function boxAround(boxes: readonly BBox[]): BBox {
  const x = Math.min(...boxes.map((box) => box.x));
  const y = Math.min(...boxes.map((box) => box.y));
  return { x, y, width: Math.max(...boxes.map((box) => box.x + box.width)) - x, height: Math.max(...boxes.map((box) => box.y + box.height)) - y };
}

/** Metrics every stage journals for every finished page. */
export const BasePageMetricsSchema = z.object({
  pageNum: z.number().int().positive(),
  processingTimeSeconds: z.number().nonnegative(),
  /** null when the price is unknown; 0 only when the page really cost nothing. */
  costUsd: z.number().nonnegative().nullable(),
});
export type BasePageMetrics = z.infer<typeof BasePageMetricsSchema>;

/** Metrics of a page produced by an LLM request. */
export const LlmPageMetricsSchema = BasePageMetricsSchema.extend({
  attempts: z.number().int().nonnegative(),
  model: z.string(),
  provider: z.string(),
  promptTokens: z.number().int().nonnegative().nullable(),
  completionTokens: z.number().int().nonnegative().nullable(),
  queueSeconds: z.number().nonnegative(),
  executionSeconds: z.number().nonnegative(),
  ttftSeconds: z.number().nonnegative().optional(),
});
export type LlmPageMetrics = z.infer<typeof LlmPageMetricsSchema>;

const confidence = z.number().min(0).max(1);

export const OcrWordSchema = z.object({ text: z.string(), bbox: BBoxSchema, confidence });
export const OcrLineSchema = z.object({
  bbox: BBoxSchema,
  text: z.string(),
  confidence,
  words: z.array(OcrWordSchema),
});
export const OcrParagraphSchema = z.object({
  parNum: z.number().int().positive(),
  bbox: BBoxSchema,
  text: z.string(),
  confidence,
  lines: z.array(OcrLineSchema),
});
export const OcrBlockSchema = z.object({
  blockNum: z.number().int().positive(),
  bbox: BBoxSchema,
  paragraphs: z.array(OcrParagraphSchema),
  /**
   * `margin`: read by the OCR stage's margin pass (ink the page read left out at the head or foot of the
   * text: a folio, a catch-word). Evidence for the label stage; never reading text unless labelled furniture.
   */
  pass: z.literal('margin').optional(),
});

/**
 * One OCR page, as every downstream stage reads it. It lives in core (not in stage-ocr) because it is
 * the lingua franca of the pipeline: correction, label, merge and users' own stages read it without
 * depending on the OCR engine package. Numbers are 1-based, confidences 0..1, text as OCR read it.
 */
export const OcrPageSchema = z.object({
  pageNumber: z.number().int().positive(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  engine: z.object({
    name: z.string(),
    version: z.string(),
    language: z.string(),
    psm: z.number().int().nonnegative(),
  }),
  /** Mean word confidence on the page, 0 for a page with no words. */
  meanConfidence: confidence,
  /** Rotation in degrees (0, 90, 180, 270) applied to the source image to make it upright, if any. */
  rotation: z.number().int().optional(),
  blocks: z.array(OcrBlockSchema),
});
export type OcrWord = z.infer<typeof OcrWordSchema>;
export type OcrLine = z.infer<typeof OcrLineSchema>;
export type OcrParagraph = z.infer<typeof OcrParagraphSchema>;
export type OcrBlock = z.infer<typeof OcrBlockSchema>;
export type OcrPage = z.infer<typeof OcrPageSchema>;

/**
 * Where one metadata.json field's value came from. `deterministic` and `llm` are values a stage read
 * from the pages (the OCR stage's metadata reader); a field with a value and no source, or whose
 * value differs from its source's `value` (edited by hand since), or with `method: "user"`, is the
 * user's and is never overwritten by a stage.
 */
export const MetadataSourceSchema = z
  .object({
    method: z.enum(['deterministic', 'llm', 'user']),
    /** 0..1, as the reader rated it. */
    confidence: z.number().min(0).max(1).optional(),
    /** Book page the value was read on. */
    page: z.number().int().positive().optional(),
    /** The line of OCR text it was read from (or how it was decided, for the language). */
    line: z.string().optional(),
    /** The value written, to notice a later hand edit. */
    value: z.union([z.string(), z.number()]).nullable().optional(),
    /** The model, for `method: "llm"`. */
    model: z.string().optional(),
  })
  .loose();
export type MetadataSource = z.infer<typeof MetadataSourceSchema>;

/** Book-level metadata kept in `<scan>/metadata.json`. Unknown fields are kept, not dropped. */
export const ScanMetadataSchema = z
  .object({
    scanId: z.string(),
    title: z.string().nullable().optional(),
    author: z.string().nullable().optional(),
    year: z.number().int().nullable().optional(),
    publisher: z.string().nullable().optional(),
    isbn: z.string().nullable().optional(),
    language: z.string().nullable().optional(),
    totalPages: z.number().int().nonnegative().optional(),
    sourceFiles: z
      .array(
        z
          .object({
            path: z.string(),
            sha256: z.string(),
            sizeBytes: z.number().int().nonnegative(),
            pages: z.number().int().nonnegative(),
            firstPage: z.number().int().nonnegative(),
          })
          .loose(),
      )
      .optional(),
    /** Resolution PDFs were rendered at; images keep their own (see the source stage's per-page metrics). */
    dpi: z.number().positive().optional(),
    createdAt: z.string(),
    updatedAt: z.string().optional(),
    /** Where title, author, year, publisher, isbn and language came from, by field (see {@link MetadataSourceSchema}). */
    metadataSources: z.record(z.string(), MetadataSourceSchema).optional(),
  })
  .loose();
export type ScanMetadata = z.infer<typeof ScanMetadataSchema>;
