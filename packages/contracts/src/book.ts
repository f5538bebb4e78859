import { z } from 'zod';
import { BlockClassSchema, LineClassSchema, NumberingStyleSchema } from './label-page.js';

/** Where a piece of book text comes from: an OCR paragraph of a page. `start`/`end` are offsets in the item's `text`. */
export const BookTextPartSchema = z.object({
  page: z.number().int().positive(),
  blockNum: z.number().int().positive(),
  parNum: z.number().int().positive(),
  start: z.number().int().nonnegative(),
  end: z.number().int().nonnegative(),
});
export type BookTextPart = z.infer<typeof BookTextPartSchema>;

/** A paragraph joined across a page break: how the last word of one page met the first of the next. */
export const PageBreakJoinSchema = z.object({
  /** The page the paragraph goes on to. */
  page: z.number().int().positive(),
  /** "joined": a word broken by a hyphen made whole; "kept": a compound's hyphen kept; "space": two words. */
  how: z.enum(['joined', 'kept', 'space']),
  /** The two tokens at the break as OCR or the corrector gave them, when a hyphen was decided. */
  left: z.string().optional(),
  right: z.string().optional(),
  /** Why the hyphen was joined or kept (`decideHyphen` of @bookpipe/stage-correction). */
  reason: z.string().optional(),
});
export type PageBreakJoin = z.infer<typeof PageBreakJoinSchema>;

/** A reference to a footnote from body text: the note's id and where its mark is in the text (length 0 when no mark was found). */
export const FootnoteRefSchema = z.object({
  footnote: z.string(),
  at: z.number().int().nonnegative(),
  length: z.number().int().nonnegative(),
});
export type FootnoteRef = z.infer<typeof FootnoteRefSchema>;

export const BookHeadingSchema = z.object({
  type: z.literal('heading'),
  /** 2 for a section heading (the chapter title is the chapter's), kept for renderers. */
  level: z.number().int().min(1).max(6),
  classification: BlockClassSchema,
  text: z.string(),
  parts: z.array(BookTextPartSchema),
});

export const BookParagraphSchema = z.object({
  type: z.literal('paragraph'),
  /** The class of the block it starts in: BODY, QUOTE, CAPTION, TITLE_PAGE... */
  classification: BlockClassSchema,
  text: z.string(),
  /** Scan pages the paragraph is printed on, in order (more than one when it runs across a page break). */
  pages: z.array(z.number().int().positive()),
  parts: z.array(BookTextPartSchema),
  joins: z.array(PageBreakJoinSchema),
  footnoteRefs: z.array(FootnoteRefSchema),
});

export const BookItemSchema = z.discriminatedUnion('type', [BookHeadingSchema, BookParagraphSchema]);
export type BookHeading = z.infer<typeof BookHeadingSchema>;
export type BookParagraph = z.infer<typeof BookParagraphSchema>;
export type BookItem = z.infer<typeof BookItemSchema>;

/** A chapter, opened by a CHAPTER_HEADING block; the text before the first one is a chapter with no title. */
export const BookChapterSchema = z.object({
  title: z.string().nullable(),
  /** Scan page of the heading; of the first text for the untitled chapter (null when it is empty). */
  page: z.number().int().positive().nullable(),
  printedPageNumber: z.string().nullable(),
  content: z.array(BookItemSchema),
});
export type BookChapter = z.infer<typeof BookChapterSchema>;

/** A footnote, kept with the page it is printed on. */
export const BookFootnoteSchema = z.object({
  /** "p12-1": scan page and rank on the page. */
  id: z.string(),
  page: z.number().int().positive(),
  printedPageNumber: z.string().nullable(),
  /** The mark that opens the note ("1", "*", "†"), as read; null when it starts with none. */
  marker: z.string().nullable(),
  /** The note's text, without its mark. */
  text: z.string(),
  /** Index in `chapters` of the chapter it belongs to. */
  chapter: z.number().int().nonnegative(),
  /** Whether its mark was found in the page's body text (else the reference is put at the end of the page's text). */
  markerFound: z.boolean(),
  parts: z.array(BookTextPartSchema),
});
export type BookFootnote = z.infer<typeof BookFootnoteSchema>;

export const BookPageSchema = z.object({
  page: z.number().int().positive(),
  printedPageNumber: z.string().nullable(),
  numberingStyle: NumberingStyleSchema,
  pageNumberInferred: z.boolean(),
  /** The id of the page's anchor in book.md (`page-12`, or `scan-page-3` when no number is printed). */
  anchor: z.string(),
  fromPrevious: z.boolean(),
  toNext: z.boolean(),
  /**
   * Running heads, feet, page numbers, catch-words, signature marks, marginal notes and OCR noise left
   * out of the text, so nothing is lost: a whole block (no `parNum`), or a furniture line of a paragraph
   * (`parNum`, `lineNum`, and `words` when only some words of the line).
   */
  removed: z.array(
    z.object({
      blockNum: z.number().int().positive(),
      parNum: z.number().int().positive().optional(),
      lineNum: z.number().int().positive().optional(),
      words: z.tuple([z.number().int().positive(), z.number().int().positive()]).optional(),
      classification: z.union([BlockClassSchema, LineClassSchema]),
      text: z.string(),
    }),
  ),
});
export type BookPage = z.infer<typeof BookPageSchema>;

/** `merge/book.json`: the whole book as structured text, every piece traced back to its page, block and paragraph. */
export const BookSchema = z.object({
  format: z.literal('bookpipe.book'),
  version: z.literal(1),
  scanId: z.string(),
  title: z.string().nullable(),
  author: z.string().nullable(),
  year: z.number().int().nullable(),
  language: z.string().nullable(),
  /** Whether corrections and labels were used on any page. */
  inputs: z.object({ correction: z.boolean(), label: z.boolean() }),
  pages: z.array(BookPageSchema),
  /** Pages of the scan with no merge page (their OCR failed or is missing), with the reason when known. */
  missingPages: z.array(z.object({ page: z.number().int().positive(), reason: z.string() })),
  chapters: z.array(BookChapterSchema),
  footnotes: z.array(BookFootnoteSchema),
  stats: z.object({
    pages: z.number().int().nonnegative(),
    chapters: z.number().int().nonnegative(),
    paragraphs: z.number().int().nonnegative(),
    words: z.number().int().nonnegative(),
    footnotes: z.number().int().nonnegative(),
    pageBreakJoins: z.number().int().nonnegative(),
  }),
});
export type Book = z.infer<typeof BookSchema>;

/** The merge stage's book-level files, in its folder (`merge/book.json`, `merge/book.md`). */
export const BOOK_JSON = 'book.json';
export const BOOK_MD = 'book.md';
