import { z } from 'zod';
import type { OcrPage } from './base-schemas.js';

/** Every class a block of a book page can get (DESIGN.md, "Label page"). BODY is the default. */
export const BLOCK_CLASSES = [
  'TITLE_PAGE',
  'COPYRIGHT',
  'DEDICATION',
  'TABLE_OF_CONTENTS',
  'PREFACE',
  'FOREWORD',
  'INTRODUCTION',
  'CHAPTER_HEADING',
  'SECTION_HEADING',
  'BODY',
  'QUOTE',
  'EPIGRAPH',
  'FOOTNOTE',
  'ENDNOTES',
  'BIBLIOGRAPHY',
  'REFERENCES',
  'INDEX',
  'EPILOGUE',
  'APPENDIX',
  'GLOSSARY',
  'ACKNOWLEDGMENTS',
  'HEADER',
  'FOOTER',
  'PAGE_NUMBER',
  'ILLUSTRATION_CAPTION',
  'CAPTION',
  'TABLE',
  'MAP_LABEL',
  'DIAGRAM_LABEL',
  'PHOTO_CREDIT',
  'OCR_ARTIFACT',
  'OTHER',
] as const;

export const BlockClassSchema = z.enum(BLOCK_CLASSES);
export type BlockClass = z.infer<typeof BlockClassSchema>;

export const NumberingStyleSchema = z.enum(['arabic', 'roman', 'none']);
export type NumberingStyle = z.infer<typeof NumberingStyleSchema>;

export const PageNumberLocationSchema = z.enum(['header', 'footer', 'none']);
export type PageNumberLocation = z.infer<typeof PageNumberLocationSchema>;

export const PageRegionSchema = z.enum(['front_matter', 'body', 'back_matter', 'toc_area', 'uncertain']);
export type PageRegion = z.infer<typeof PageRegionSchema>;

const confidence = z.number().min(0).max(1);

export const BlockLabelSchema = z.object({
  /** The OCR block this label is for (1-based, as in the OCR page). */
  blockNum: z.number().int().positive(),
  classification: BlockClassSchema,
  confidence,
});
export type BlockLabel = z.infer<typeof BlockLabelSchema>;

/**
 * Classes of a line (or of some words of a line) that is not text of its block's class. Page furniture:
 * the running head, the printed page number (folio), a running foot, the catch-word (the next page's
 * first word, printed at the foot), the signature mark (A2, B3, )( 2: the printer's gathering mark) and
 * a marginal note. Headings: a chapter or section heading set on a line of its own (a centred "§. VII."
 * or "II." between two paragraphs). OCR often puts such a line into a body block, so a block's class
 * alone cannot leave furniture out of the text nor set a heading apart.
 */
export const LINE_CLASSES = ['HEADER', 'PAGE_NUMBER', 'FOOTER', 'CATCHWORD', 'SIGNATURE_MARK', 'MARGINALIA', 'CHAPTER_HEADING', 'SECTION_HEADING'] as const;
export const LineClassSchema = z.enum(LINE_CLASSES);
export type LineClass = z.infer<typeof LineClassSchema>;

/** The line classes that are page furniture: left out of the reading text. */
export const FURNITURE_LINE_CLASSES = ['HEADER', 'PAGE_NUMBER', 'FOOTER', 'CATCHWORD', 'SIGNATURE_MARK', 'MARGINALIA'] as const;
export type FurnitureLineClass = (typeof FURNITURE_LINE_CLASSES)[number];
/** The line classes that set a line apart as a heading: kept in the reading text, as a heading. */
export type HeadingLineClass = Exclude<LineClass, FurnitureLineClass>;

/** Whether a line class is a heading (kept, set apart) rather than furniture (left out). */
export function isHeadingLine(classification: LineClass): classification is HeadingLineClass {
  return classification === 'CHAPTER_HEADING' || classification === 'SECTION_HEADING';
}

/**
 * A furniture or heading line of an OCR paragraph, by its numbers in the OCR page (all 1-based: `lineNum` is the
 * line's rank in its paragraph's `lines`, `words` the first and last word's rank in the line's
 * `words`). Without `words` the whole line is furniture; with it, only those words (a running head
 * and its folio on one OCR line get two entries). A line with no entry is text of its block's class.
 */
export const LineLabelSchema = z.object({
  blockNum: z.number().int().positive(),
  parNum: z.number().int().positive(),
  lineNum: z.number().int().positive(),
  words: z.tuple([z.number().int().positive(), z.number().int().positive()]).optional(),
  classification: LineClassSchema,
  confidence,
});
export type LineLabel = z.infer<typeof LineLabelSchema>;

/**
 * One label page (`label/page_NNNN.json`): the printed page number as printed ("17", "xiv"), how
 * and where it is printed, the part of the book the page belongs to, and a class for every OCR
 * block. A page with no printed number has `printedPageNumber: null`, style and location `none`.
 */
export const LabelPageSchema = z
  .object({
    printedPageNumber: z.string().min(1).nullable(),
    numberingStyle: NumberingStyleSchema,
    pageNumberLocation: PageNumberLocationSchema,
    /** Confidence in the printed number, its style and location together (for "none" too). */
    pageNumberConfidence: confidence,
    /** True when the number was not read on the page but inferred from its neighbours. */
    pageNumberInferred: z.boolean().optional(),
    pageRegion: PageRegionSchema,
    pageRegionConfidence: confidence,
    blocks: z.array(BlockLabelSchema),
    /** Furniture lines inside the blocks (absent: none marked, as from a labeller that labels blocks only). */
    lines: z.array(LineLabelSchema).optional(),
  })
  .superRefine((page, ctx) => {
    const none = page.printedPageNumber === null;
    if (none !== (page.numberingStyle === 'none')) {
      ctx.addIssue({ code: 'custom', path: ['numberingStyle'], message: 'numberingStyle is "none" exactly when printedPageNumber is null' });
    }
    if (none && page.pageNumberLocation !== 'none') {
      ctx.addIssue({ code: 'custom', path: ['pageNumberLocation'], message: 'pageNumberLocation must be "none" when printedPageNumber is null' });
    }
    const seen = new Set<number>();
    page.blocks.forEach((block, index) => {
      if (seen.has(block.blockNum)) {
        ctx.addIssue({ code: 'custom', path: ['blocks', index, 'blockNum'], message: `block ${block.blockNum} is labelled twice` });
      }
      seen.add(block.blockNum);
    });
    (page.lines ?? []).forEach((line, index) => {
      if (line.words && line.words[0] > line.words[1]) {
        ctx.addIssue({ code: 'custom', path: ['lines', index, 'words'], message: `words [${line.words.join(', ')}]: the first word comes after the last` });
      }
    });
  });
export type LabelPage = z.infer<typeof LabelPageSchema>;

/** Why a line label does not fit the OCR page (no such block, paragraph, line or words), or null when it fits. */
function lineLabelProblem(page: OcrPage, line: LineLabel): string | null {
  const where = `block ${line.blockNum} paragraph ${line.parNum} line ${line.lineNum}`;
  const block = page.blocks.find((entry) => entry.blockNum === line.blockNum);
  const paragraph = block?.paragraphs.find((entry) => entry.parNum === line.parNum);
  if (!paragraph)
    return `page ${page.pageNumber} has no ${block ? `paragraph ${line.parNum} in block ${line.blockNum}` : `block ${line.blockNum}`} (line label for ${where})`;
  const ocrLine = paragraph.lines[line.lineNum - 1];
  if (!ocrLine) return `page ${page.pageNumber} block ${line.blockNum} paragraph ${line.parNum} has ${paragraph.lines.length} lines, not ${line.lineNum}`;
  if (line.words && line.words[1] > ocrLine.words.length) return `${where} of page ${page.pageNumber} has ${ocrLine.words.length} words, not ${line.words[1]}`;
  return null;
}

/** Word ranks a line label covers (every word of the line without `words`). */
function wordsCovered(page: OcrPage, line: LineLabel): number[] {
  const ocrLine = page.blocks.find((b) => b.blockNum === line.blockNum)?.paragraphs.find((p) => p.parNum === line.parNum)?.lines[line.lineNum - 1];
  const [first, last] = line.words ?? [1, Math.max(1, ocrLine?.words.length ?? 1)];
  return Array.from({ length: last - first + 1 }, (_, index) => first + index);
}

/**
 * The label page schema for one OCR page: every block of that page labelled exactly once, no
 * other block; every line label names a line (and words) of that page, and no word is marked twice.
 * Use it to validate a labeller's (or a model's) answer for that page.
 */
export function labelPageSchemaFor(page: OcrPage) {
  const expected = page.blocks.map((block) => block.blockNum);
  return LabelPageSchema.superRefine((label, ctx) => {
    const marked = new Set<string>();
    (label.lines ?? []).forEach((line, index) => {
      const problem = lineLabelProblem(page, line);
      if (problem) {
        ctx.addIssue({ code: 'custom', path: ['lines', index], message: problem });
        return;
      }
      for (const word of wordsCovered(page, line)) {
        const key = `${line.blockNum}/${line.parNum}/${line.lineNum}/${word}`;
        if (marked.has(key)) {
          ctx.addIssue({
            code: 'custom',
            path: ['lines', index],
            message: `word ${word} of block ${line.blockNum} paragraph ${line.parNum} line ${line.lineNum} is marked twice`,
          });
        }
        marked.add(key);
      }
    });
    const got = new Set(label.blocks.map((block) => block.blockNum));
    const missing = expected.filter((blockNum) => !got.has(blockNum));
    const unknown = [...got].filter((blockNum) => !expected.includes(blockNum));
    if (missing.length > 0 || unknown.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['blocks'],
        message: `page ${page.pageNumber} has blocks [${expected.join(', ')}]; labels are missing for [${missing.join(', ')}] and given for unknown blocks [${unknown.join(', ')}]`,
      });
    }
  });
}
