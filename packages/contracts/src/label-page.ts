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
  });
export type LabelPage = z.infer<typeof LabelPageSchema>;

/**
 * The label page schema for one OCR page: every block of that page labelled exactly once, no
 * other block. Use it to validate a labeller's (or a model's) answer for that page.
 */
export function labelPageSchemaFor(page: OcrPage) {
  const expected = page.blocks.map((block) => block.blockNum);
  return LabelPageSchema.superRefine((label, ctx) => {
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
