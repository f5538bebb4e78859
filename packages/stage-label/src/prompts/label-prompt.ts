import { BLOCK_CLASSES, type BlockClass } from '@bookpipe/contracts';

/**
 * One line per block class: what it is, with an example. A `Record` over `BlockClass`, so a class
 * added to the contracts without a definition here does not compile: the model is never asked for a
 * class it was not told about.
 */
export const BLOCK_CLASS_DEFINITIONS: Record<BlockClass, string> = {
  TITLE_PAGE: 'the title page: title, author, publisher, place and year ("THE CHILD OF THE MOAT / A STORY / BY IAN MACLAREN / LONDON 1900").',
  COPYRIGHT: 'copyright, printing and edition notices ("Copyright, 1900, by Dodd, Mead & Company", "Printed in Great Britain").',
  DEDICATION: 'a dedication ("To my mother, this book is dedicated").',
  TABLE_OF_CONTENTS: 'a list of contents with page numbers ("CHAPTER III. The Siege . . . . 41"), also a list of illustrations.',
  PREFACE: 'the running text of a preface by the author ("In offering this little book to the public, I ...").',
  FOREWORD: 'the running text of a foreword by someone other than the author.',
  INTRODUCTION: 'the running text of an introduction set apart from the chapters (not a first chapter titled "Introduction").',
  CHAPTER_HEADING: 'the heading that opens a chapter or a front- or back-matter section ("CHAPTER IV", "THE SIEGE", "PREFACE"), all its lines.',
  SECTION_HEADING: 'a heading inside a chapter ("§ 3. Of the Roman Roads", "The Second Day").',
  BODY: 'the running text of the chapters ("It was late in the autumn when the travellers reached the moat ...").',
  QUOTE: 'a quotation set off from the text, indented or in smaller type (a letter, verse, a long citation).',
  EPIGRAPH: 'a short quotation at the head of a book or chapter, usually with its author ("Whither thou goest ... — Ruth i. 16").',
  FOOTNOTE: 'a note at the foot of the page, usually smaller, opening with a mark ("* See Appendix B.", "1 Ibid., p. 12.").',
  ENDNOTES: 'notes gathered at the end of a chapter or book ("NOTES / p. 17, l. 4. the moat: ...").',
  BIBLIOGRAPHY: 'a list of works, author by author ("Gibbon, E. The History of the Decline and Fall ... London, 1776.").',
  REFERENCES: 'numbered references cited in the text ("[12] Smith, J. (1901). On Moats. Nature 64, 3.").',
  INDEX: 'an alphabetical index with page numbers ("Moat, the, 14, 27-31; siege of, 88").',
  EPILOGUE: 'the running text of an epilogue or afterword after the last chapter.',
  APPENDIX: 'the running text of an appendix ("APPENDIX A. The text of the charter ...").',
  GLOSSARY: 'a list of terms and their meanings ("Bailey, the outer wall of a castle.").',
  ACKNOWLEDGMENTS: 'the running text of acknowledgments ("My thanks are due to ...").',
  HEADER:
    'a running head at the top of the page: the book, chapter or section title repeated page after page, with or without the page number ("12 THE CHILD OF THE MOAT").',
  FOOTER: 'a line below the text that is not a footnote: a catch-word, a signature mark ("B 2"), a running foot.',
  PAGE_NUMBER: 'a block that is only the printed page number ("17", "xiv", "- 17 -").',
  ILLUSTRATION_CAPTION: 'the caption of a picture or plate ("FIG. 3. The gate-house from the north.").',
  CAPTION: 'the caption or title of a table or other figure that is not a picture ("TABLE II. Rainfall by month.").',
  TABLE: 'a table: rows and columns of figures or words.',
  MAP_LABEL: 'words printed on a map (place names, a scale, a compass).',
  DIAGRAM_LABEL: 'words printed inside a diagram or drawing (labels, arrows, letters A, B, C).',
  PHOTO_CREDIT: 'the credit line of a picture ("Photo: Elliott & Fry").',
  OCR_ARTIFACT: 'not text at all: noise, a picture or ornament read as letters, bleed-through, the edge of the facing page.',
  OTHER: 'text that fits none of the above (use it only then).',
};

/**
 * The label stage's prompt. Kept apart from the code so that it can be read, reviewed and changed
 * as text; `labelUserPrompt` only places the page's JSON into it.
 */
export const LABEL_SYSTEM_PROMPT = `You label the layout of one scanned book page.

You get the page image and the page's OCR text blocks as JSON, numbered as the OCR engine found them, each with its position ("box": [left, top, right, bottom] in thousandths of the page width and height), its number of lines, its line height (thousandths of the page height) and its text (long blocks are cut short with "[...]"). A block with "margin": true is a small mark the OCR read apart, just above or below the text (a page number, a catch-word, a signature mark): it is page furniture or OCR_ARTIFACT, never text.
Then "edgeLines": pieces of lines at the top and foot of the page, beside the text column, and short centred lines that open or close a paragraph, each with an id ("line"), where it is (top, foot, margin, inside), its box and its text. OCR often reads a running head into the first text block, a catch-word into the last and a section heading into the paragraph before or after it, so page furniture and such headings are marked line by line there.

Answer:
- For every block, in the order given, its class, one of the following:
${BLOCK_CLASSES.map((name) => `  ${name}: ${BLOCK_CLASS_DEFINITIONS[name]}`).join('\n')}
- How the sections of the book relate: front matter (title page, copyright, dedication, contents, preface, foreword, introduction, acknowledgments) comes before the first chapter and usually has roman page numbers; the body (the chapters) follows; back matter (appendix, notes, glossary, bibliography, index, epilogue) comes after the last chapter. The running text of a front- or back-matter section takes that section's class (PREFACE, INTRODUCTION, APPENDIX...), not BODY, on every page of the section; its heading ("PREFACE") is a CHAPTER_HEADING. BODY is the running text of the chapters only. A page number printed inside a running head makes the block a HEADER.
- The page number printed on the page, exactly as printed ("17", "xiv"), with its style (arabic or roman) and where it is (header or footer); null, "none" and "none" when no page number is printed. Read it from the image: the OCR text may have misread it.
- The region of the book the page belongs to: front_matter, toc_area (table of contents), body, back_matter, or uncertain.
- Which edge lines are page furniture, by their id, with their class: HEADER (the running head), PAGE_NUMBER (the printed page number alone), FOOTER (a running foot), CATCHWORD (a lone word at the foot, flush right, that repeats the first word of the next page), SIGNATURE_MARK (a printer's mark at the foot such as "A2", "B 3", ")( 2", "* 4"), MARGINALIA (a note beside the text column); and which are headings set on a line of their own inside a text block ("§. VII.", "II.", "CAPUT III."): CHAPTER_HEADING or SECTION_HEADING. Leave out edge lines that are running text (the first or last line of a paragraph), and lines of a block you classed as a heading already.
- A confidence (0..1) for each answer.

Answer for every block given, once each, in the same order, with the same blockNum.`;

/** The user message: this page's blocks as JSON (the image is attached after it). */
export function labelUserPrompt(pageJson: string): string {
  return `OCR blocks of this page (the page image is attached):\n${pageJson}`;
}
