/**
 * The correction stage's prompt. Kept apart from the code so that it can be read, reviewed and
 * changed as text; `correctionMessages` only places the page's JSON into it.
 */
export const CORRECTION_SYSTEM_PROMPT = `You proofread the OCR text of one scanned book page against the image of that page.

You get the page image and the OCR result as JSON: blocks of text, each with paragraphs, numbered as the OCR engine found them, with their position on the page ("box": [left, top, right, bottom] in thousandths of the page width and height), the OCR engine's confidence (0..1), and the words it was least sure of. Line-end hyphens have already been resolved: words broken across lines are joined, compounds keep their hyphen.

For every paragraph, compare the text with the image and answer:
- "edits": the corrections, each {"find": ..., "replace": ...}. "find" is copied character for character from the paragraph's given text and must occur in it exactly once: when the wrong word occurs twice, quote a neighbouring word with it. "replace" is what is printed there. [] when the paragraph is right as it stands. Never send the whole paragraph: only the spans that change.
- "notes": what you corrected and why, in a few words ("rn read as m", "missing comma"); "" when there is nothing to say.
- "confidence": how sure you are, 0..1, that the paragraph (with your edits, or as given when none) reads exactly as printed.

Worked examples (given text, then the answer for that paragraph):
- "The modem world began in l9l4, when tbe war came." -> {"edits": [{"find": "modem", "replace": "modern"}, {"find": "l9l4", "replace": "1914"}, {"find": "tbe", "replace": "the"}], "notes": "rn read as m; l for 1; b for h", "confidence": 0.9}
- "He saw tbe man and tbe dog." -> {"edits": [{"find": "saw tbe", "replace": "saw the"}, {"find": "and tbe", "replace": "and the"}], "notes": "b for h, twice", "confidence": 0.9} ("tbe" occurs twice, so each find quotes the word before it)
- "It was the best of times, it was the worst of times." -> {"edits": [], "notes": "", "confidence": 0.95}
- "fome of the moft learned men" (an old print with long s) -> {"edits": [{"find": "fome", "replace": "ſome"}, {"find": "moft", "replace": "moſt"}], "notes": "long s read as f", "confidence": 0.85}
- "| and so it ended." (a stray mark at the margin) -> {"edits": [{"find": "| and", "replace": "and"}], "notes": "stray mark", "confidence": 0.9}

Correct only what the OCR engine got wrong: misread letters, digits and punctuation, words wrongly split or run together, stray marks read as characters, missing accents. Keep everything else exactly as printed: the author's spelling (old or unusual spellings stay), grammar, capitals, italic words' letters, footnote marks, and the order of the text. Never rephrase, modernise, translate, summarise or add text that is not printed. Do not move text between paragraphs, and do not drop a paragraph: when a paragraph is not text at all (noise from a picture or an edge), return it with no edits and a note saying so.

Typical OCR confusions, as "OCR text" -> "printed text" (check the image before changing anything; when the image shows the OCR text, keep it):
- "rn" and "m": "modem" -> "modern", "comer" -> "corner"; "m" read as "rn": "rnore" -> "more".
- Long s (ſ) read as "f" in old prints: "fome" -> "ſome", "moft" -> "moſt". Write the long s as printed, never a modern "s", and never change a real "f".
- "ii", "ll" or "u" for an umlaut or an accent: "fiir" -> "für", "Ubung" -> "Übung", "cafe" -> "café".
- "1" and "l", "0" and "O", "5" and "S": "1ife" -> "life", "l9l4" -> "1914", "0f" -> "of".
- "tl" or "cl" for "d", "li" for "h", "vv" for "w": "tlie" -> "the", "olcl" -> "old", "vvhich" -> "which".
- "c" and "e", "h" and "b": "tbe" -> "the", "tho" -> "the" only when the image shows "the".
- A word split or run together: "some times" -> "sometimes" (when printed as one word), "inthe" -> "in the".
- A stray mark read as a character (".", "'", "|") at a line end or in a margin: drop it when the image shows nothing there.

Answer for every block and every paragraph given, in the same order, with the same blockNum and parNum.`;

/** What is known of the book, for the model to read its spelling and language right. */
export interface BookFacts {
  title?: string | null;
  author?: string | null;
  year?: number | null;
  language?: string | null;
}

/** One line naming the book, or "" when nothing is known of it. */
export function bookLine(book: BookFacts): string {
  const parts = [
    book.title ? `"${book.title}"` : '',
    book.author ? `by ${book.author}` : '',
    book.year ? `printed ${book.year}` : '',
    book.language ? `language: ${book.language}` : '',
  ].filter((part) => part !== '');
  if (parts.length === 0) return '';
  const old = book.year && book.year < 1850 ? ' Its spelling and letter forms are of its time: keep them.' : '';
  return `The book: ${parts.join(', ')}.${old}\n`;
}

/** The user message: what is known of the book, then this page's OCR JSON (the image is attached after it). */
export function correctionUserPrompt(pageJson: string, book: BookFacts = {}, partNote?: string): string {
  return `${bookLine(book)}OCR of this page (the page image is attached):\n${pageJson}${partNote ? `\n${partNote}` : ''}`;
}

/** A paragraph of an answer that was refused (or one of its edits), as the retry's prompt states it. */
export interface RefusedParagraph {
  blockNum: number;
  parNum: number;
  reason: string;
  detail: string;
}

/** How the retry prompt words each reason a paragraph's answer was refused for. */
const REFUSAL_WORDS: Record<string, string> = {
  empty: 'the edits emptied the paragraph',
  too_many_changes: 'too much was changed',
  not_found: 'an edit\'s "find" is not in the given text',
  ambiguous: 'an edit\'s "find" occurs more than once',
  overlap: 'two edits overlap',
  empty_find: 'an edit has an empty "find"',
};

/**
 * The user message of the one retry of a page whose answer emptied or rewrote paragraphs, or held
 * edits that could not be placed: the same
 * page, with what was refused and why, after the page JSON (its line stays the first after the
 * "attached" line, where tools read it).
 */
export function correctionRetryPrompt(pageJson: string, book: BookFacts, refused: readonly RefusedParagraph[]): string {
  const lines = refused.map((r) => `- block ${r.blockNum} paragraph ${r.parNum}: ${REFUSAL_WORDS[r.reason] ?? r.reason} (${r.detail})`);
  return `${correctionUserPrompt(pageJson, book)}

Your previous answer for this page was refused for these paragraphs:
${lines.join('\n')}
Answer again for the whole page. Correct only characters the OCR engine misread; answer "edits": [] for a paragraph that is right as it stands, never an edit that deletes or rewrites a paragraph. Each "find" must be copied exactly from the given text and occur in it once.`;
}
