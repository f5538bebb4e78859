import { BLOCK_CLASSES } from '@bookpipe/contracts';

/**
 * The label stage's prompt. Kept apart from the code so that it can be read, reviewed and changed
 * as text; `labelUserPrompt` only places the page's JSON into it.
 */
export const LABEL_SYSTEM_PROMPT = `You label the layout of one scanned book page.

You get the page image and the page's OCR text blocks as JSON, numbered as the OCR engine found them, each with its position ("box": [left, top, right, bottom] in thousandths of the page width and height), its number of lines, its line height (thousandths of the page height) and its text (long blocks are cut short with "[...]").

Answer:
- For every block, in the order given, its class, one of: ${BLOCK_CLASSES.join(', ')}. HEADER is a running head at the top of the page (book or chapter title repeated on every page), FOOTER a line below the text that is not a footnote (catch-word, signature mark, running foot), PAGE_NUMBER a block that is only the printed page number. A page number printed inside a running head makes the block a HEADER. CHAPTER_HEADING and SECTION_HEADING are headings within the text; FOOTNOTE is a note below the text, usually smaller and often starting with a mark (*, †, 1). OCR_ARTIFACT is a block that is not text (noise, a picture's edge, bleed-through). BODY is running text. Use OTHER only when nothing else fits.
- The page number printed on the page, exactly as printed ("17", "xiv"), with its style (arabic or roman) and where it is (header or footer); null, "none" and "none" when no page number is printed. Read it from the image: the OCR text may have misread it.
- The region of the book the page belongs to: front_matter (title, copyright, dedication, preface... usually roman page numbers), toc_area (table of contents), body, back_matter (appendix, notes, bibliography, index), or uncertain.
- A confidence (0..1) for each answer.

Answer for every block given, once each, in the same order, with the same blockNum.`;

/** The user message: this page's blocks as JSON (the image is attached after it). */
export function labelUserPrompt(pageJson: string): string {
  return `OCR blocks of this page (the page image is attached):\n${pageJson}`;
}
