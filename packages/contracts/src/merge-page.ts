import { z } from 'zod';
import { BBoxSchema } from './base-schemas.js';
import { BlockClassSchema, FURNITURE_LINE_CLASSES, NumberingStyleSchema } from './label-page.js';

const confidence = z.number().min(0).max(1);

/** A furniture line (or words of a line) of an OCR paragraph, left out of its reading text: see `LineLabelSchema`. */
export const MergeFurnitureSchema = z.object({
  /** The line's rank in the OCR paragraph (1-based). */
  lineNum: z.number().int().positive(),
  /** First and last word's rank in the line (1-based) when only some words are furniture. */
  words: z.tuple([z.number().int().positive(), z.number().int().positive()]).optional(),
  classification: z.enum(FURNITURE_LINE_CLASSES),
  /** The furniture's text as OCR read it. */
  text: z.string(),
});
export type MergeFurniture = z.infer<typeof MergeFurnitureSchema>;

/**
 * A heading line the label stage found inside a text paragraph (a centred "§. VII." OCR read as the last
 * line of the paragraph before it): taken out of the paragraph's text and set apart as a heading, before
 * the text (`at: 'start'`, the paragraph's first lines) or after it (`at: 'end'`, its last lines).
 */
export const MergeHeadingLineSchema = z.object({
  /** The line's rank in the OCR paragraph (1-based). */
  lineNum: z.number().int().positive(),
  classification: z.enum(['CHAPTER_HEADING', 'SECTION_HEADING']),
  /** The heading as OCR read it. */
  text: z.string(),
  at: z.enum(['start', 'end']),
});
export type MergeHeadingLine = z.infer<typeof MergeHeadingLineSchema>;

/**
 * One OCR paragraph after merging. `text` is what a reader reads; `ocrText` is what OCR read, kept
 * whatever happened downstream, so that no OCR text is ever lost.
 */
export const MergeParagraphSchema = z.object({
  /** The OCR paragraph (1-based, as in `ocr/page_NNNN.json`). */
  parNum: z.number().int().positive(),
  bbox: BBoxSchema,
  /**
   * The paragraph as one line of reading text: the correction's text when it changed the paragraph,
   * else the OCR lines joined with line-end hyphens resolved (`paragraphText` of @bookpipe/stage-correction).
   */
  text: z.string(),
  /** Where `text` comes from: the correction stage's text, or the OCR text (unchanged, or no correction). */
  textSource: z.enum(['correction', 'ocr']),
  /** The paragraph exactly as OCR read it, lines separated by "\n". */
  ocrText: z.string(),
  /** Mean OCR word confidence of the paragraph. */
  ocrConfidence: confidence,
  /** Words OCR read in the paragraph. */
  ocrWords: z.number().int().nonnegative(),
  /** True when the correction stage was used but has nothing for this paragraph (no page, or no entry). */
  correctionMissing: z.boolean(),
  /** The corrector's confidence; null when there is no correction for the paragraph. */
  correctionConfidence: confidence.nullable(),
  /** The corrector's notes, when it left any. */
  correctionNotes: z.string().optional(),
  /**
   * Lines the label stage marked as furniture (running head, folio, catch-word...): left out of `text`,
   * kept here with their class. Absent when none.
   */
  furniture: z.array(MergeFurnitureSchema).optional(),
  /** Heading lines the label stage found at the paragraph's start or end: not in `text`, set apart as headings. Absent when none. */
  headings: z.array(MergeHeadingLineSchema).optional(),
});
export type MergeParagraph = z.infer<typeof MergeParagraphSchema>;

/** One OCR block after merging: its geometry, its class, its paragraphs. */
export const MergeBlockSchema = z.object({
  blockNum: z.number().int().positive(),
  bbox: BBoxSchema,
  /** The label stage's class; BODY (with confidence 0 and `labelMissing`) when there is none. */
  classification: BlockClassSchema,
  /** The label stage's confidence in the class; 0 when the class is missing. */
  classConfidence: confidence,
  /** True when no label was available for this block (label stage not used, page or block not labelled). */
  labelMissing: z.boolean(),
  paragraphs: z.array(MergeParagraphSchema),
});
export type MergeBlock = z.infer<typeof MergeBlockSchema>;

/**
 * Whether the body text runs across a page break: `toNext` on a page equals `fromPrevious` on the
 * next one. Decided on the body text only: running heads, feet, page numbers, footnotes and captions
 * are ignored.
 */
export const ContinuationSchema = z.object({
  /** The page's first body paragraph goes on from the previous page's last one. */
  fromPrevious: z.boolean(),
  /** The page's last body paragraph goes on on the next page. */
  toNext: z.boolean(),
  /** True when the page's body text ends with a word broken by a hyphen, to be joined with the next page's first word. */
  endsWithHyphen: z.boolean(),
});
export type Continuation = z.infer<typeof ContinuationSchema>;

/** What the merge had for a page, per input: used, missing (the stage ran but has no page), or not used. */
export const MergeInputStateSchema = z.enum(['used', 'missing', 'not-used']);
export type MergeInputState = z.infer<typeof MergeInputStateSchema>;

/**
 * One merged page: `merge/page_NNNN.json`. Geometry goes down to paragraphs; line and word boxes stay
 * in the OCR page of the same number (blocks and paragraphs keep their OCR numbers to find them).
 */
export const MergePageSchema = z.object({
  pageNumber: z.number().int().positive(),
  /** Size of the OCR'd image, in pixels (the unit of every bbox). */
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  /** The printed page number ("17", "xiv") after reconciliation across the book; null when the page shows none or labels are missing. */
  printedPageNumber: z.string().nullable(),
  numberingStyle: NumberingStyleSchema,
  /** True when the printed number was not read on the page but corrected or filled in from its neighbours. */
  pageNumberInferred: z.boolean(),
  /** Where the printed number comes from: the label stage's book-wide `page-numbers.json`, its page file, or nowhere. */
  pageNumberSource: z.enum(['label-book', 'label-page', 'none']),
  inputs: z.object({ correction: MergeInputStateSchema, label: MergeInputStateSchema }),
  continuation: ContinuationSchema,
  blocks: z.array(MergeBlockSchema),
});
export type MergePage = z.infer<typeof MergePageSchema>;
