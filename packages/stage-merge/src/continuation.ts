/** How a page's body text begins: its first body paragraph, when the page begins with body text. */
export interface EdgeStart {
  text: string;
  /** The first letter is lower case: a sentence does not start there. */
  startsLowercase: boolean;
  /** The first line is indented against the paragraph's other lines; null when the paragraph has one line. */
  indented: boolean | null;
}

/** How a page's body text ends: its last body paragraph, when the page ends with body text. */
export interface EdgeEnd {
  text: string;
  /** The text stops without a sentence end (no . ! ? before closing quotes or brackets). */
  open: boolean;
  /** The last word is broken by a hyphen ("compo-"). */
  hyphen: boolean;
  /** The last line runs the paragraph's full width; null when the paragraph has one line. */
  lastLineFull: boolean | null;
}

/**
 * The ends of a page's body text, which decide continuation. `start` is null when the page has no body
 * text or begins with a heading (or a title page, a table...); `end` likewise at the other end.
 */
export interface PageEdge {
  start: EdgeStart | null;
  end: EdgeEnd | null;
}

/** A sentence end: . ! ? … possibly followed by closing quotes, brackets or a footnote mark. */
const SENTENCE_END = /[.!?…]["'”’»)\]*†‡¹²³⁴⁵⁶⁷⁸⁹⁰\d]{0,3}$/u;
/** A word broken at the line end: a letter then a hyphen (soft hyphen and ¬ included). */
const BROKEN_WORD = /\p{L}[-\u00AD\u00AC\u2010\u2011\u2E17]$/u;

/**
 * Whether the body text runs on from the page that ends with `end` to the page that begins with `start`:
 * - a word broken by a hyphen always runs on;
 * - text that stops without a sentence end runs on, unless the next page opens an indented paragraph with a capital;
 * - a finished sentence runs on when the next page starts in lower case, or when the last line runs the
 *   full width and the next page's first line is not indented (a sentence that happened to end at the page's end).
 * Anything else (no body text on either side, a heading in between) does not.
 */
export function continues(end: EdgeEnd | null, start: EdgeStart | null): boolean {
  if (end === null || start === null) return false;
  if (end.hyphen) return true;
  if (end.open) return !(start.indented === true && !start.startsLowercase);
  if (start.startsLowercase) return true;
  return end.lastLineFull === true && start.indented === false;
}

/** The start of body text held by an OCR paragraph whose reading text is `text`. */
export function edgeStart(text: string, paragraph: OcrParagraph): EdgeStart {
  const firstLetter = /\p{L}/u.exec(text)?.[0];
  return {
    text: text.slice(0, 80),
    startsLowercase: firstLetter !== undefined && firstLetter === firstLetter.toLowerCase() && firstLetter !== firstLetter.toUpperCase(),
    indented: firstLineIndented(paragraph),
  };
}

/** The end of body text held by an OCR paragraph whose reading text is `text`. */
export function edgeEnd(text: string, paragraph: OcrParagraph): EdgeEnd {
  const trimmed = text.trimEnd();
  return {
    text: trimmed.slice(-80),
    open: !SENTENCE_END.test(trimmed),
    hyphen: BROKEN_WORD.test(trimmed),
    lastLineFull: lastLineFull(paragraph),
  };
}

function linesWithText(paragraph: OcrParagraph) {
  return paragraph.lines.filter((line) => line.text.trim().length > 0);
}

/** Indented by more than half a line height against the leftmost of the other lines. */
function firstLineIndented(paragraph: OcrParagraph): boolean | null {
  const lines = linesWithText(paragraph);
  const [first, ...rest] = lines;
  if (!first || rest.length === 0) return null;
  const left = Math.min(...rest.map((line) => line.bbox.x));
  return first.bbox.x - left > 0.5 * first.bbox.height;
}

/** The last line ends within two line heights of the paragraph's right edge. */
function lastLineFull(paragraph: OcrParagraph): boolean | null {
  const lines = linesWithText(paragraph);
  const last = lines.at(-1);
  if (!last || lines.length < 2) return null;
  const right = Math.max(...lines.slice(0, -1).map((line) => line.bbox.x + line.bbox.width));
  return right - (last.bbox.x + last.bbox.width) < 2 * last.bbox.height;
}

/**
 * Continuation flags of a run of pages from their edges. Only consecutive scan pages are linked: across
 * a page that is missing (not OCR'd, failed) nothing runs on, since nothing is known of it.
 * `toNext` of a page always equals `fromPrevious` of the next.
 */
export function linkPages(pages: ReadonlyArray<{ pageNumber: number; edge: PageEdge }>): Map<number, { fromPrevious: boolean; toNext: boolean }> {
  const sorted = [...pages].sort((a, b) => a.pageNumber - b.pageNumber);
  const links = new Map(sorted.map((page) => [page.pageNumber, { fromPrevious: false, toNext: false }]));
  for (let index = 1; index < sorted.length; index += 1) {
    const previous = sorted[index - 1]!;
    const current = sorted[index]!;
    if (current.pageNumber !== previous.pageNumber + 1) continue;
    if (continues(previous.edge.end, current.edge.start)) {
      links.get(previous.pageNumber)!.toNext = true;
      links.get(current.pageNumber)!.fromPrevious = true;
    }
  }
  return links;
}

import type { OcrParagraph } from '@bookpipe/contracts';
