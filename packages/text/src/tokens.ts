import type { OcrLine } from '@bookpipe/contracts';

/** Hyphens a printer sets at a line end, decided by the word list: the word may be a compound. */
const PLAIN_HYPHENS = new Set(['-', '\u2010', '\u2011', '\u2E17']);
/**
 * Marks that only ever mean "this word goes on on the next line": the soft hyphen U+00AD and
 * the "¬" (U+00AC) some old prints and their OCR use. Always joined, never kept.
 */
const BREAK_MARKS = new Set(['\u00AD', '\u00AC']);
/** Dashes are not hyphens: figure dash, en dash, em dash, horizontal bar. */
const DASHES = new Set(['\u2012', '\u2013', '\u2014', '\u2015']);

export type HyphenMark = 'plain' | 'break';

/** The kind of hyphen a token ends with, if it ends with one right after a letter or digit. */
export function trailingHyphen(token: string): HyphenMark | null {
  const chars = [...token];
  const mark = chars.at(-1);
  const before = chars.at(-2);
  if (mark === undefined || before === undefined || !/[\p{L}\p{N}]/u.test(before)) return null;
  if (BREAK_MARKS.has(mark)) return 'break';
  if (PLAIN_HYPHENS.has(mark)) return 'plain';
  return null;
}

/** True when the token ends with a dash set close to its word ("Energy—"), which takes no space after it. */
export function endsWithClosedDash(token: string): boolean {
  const chars = [...token];
  const last = chars.at(-1);
  return chars.length > 1 && last !== undefined && DASHES.has(last);
}

/** True when the token starts with a dash ("—but"), which takes no space before it. */
export function startsWithDash(token: string): boolean {
  const first = [...token][0];
  return first !== undefined && DASHES.has(first);
}

/**
 * The word inside a token, for look-ups: outer punctuation stripped (quotes, brackets, commas,
 * a trailing hyphen), typographic apostrophes made plain, lower case. Inner hyphens and
 * apostrophes stay ("to-day", "don't").
 */
export function wordCore(token: string): string {
  return token
    .replace(/[\u2018\u2019\u02BC]/g, "'")
    .replace(/^[^\p{L}\p{N}]+/u, '')
    .replace(/[^\p{L}\p{N}]+$/u, '')
    .toLowerCase();
}

/** The tokens of an OCR line: its words when the engine gave them, else its text split on spaces. */
export function lineTokens(line: OcrLine): string[] {
  const words = line.words.map((word) => word.text.trim()).filter((text) => text.length > 0);
  if (words.length > 0) return words;
  return line.text.split(/\s+/).filter((text) => text.length > 0);
}
