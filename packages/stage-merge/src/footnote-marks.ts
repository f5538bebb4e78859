/**
 * Footnote marks: the figure, star or dagger that opens a note and calls it from the text. OCR reads
 * a superscript figure as a figure, a letter-less sign ("!", "'") or drops it; so the mark is taken
 * as the note shows it and looked for, the same, right after a word of the page's text.
 */

/** Punctuation that also ends words and sentences: as a mark it must follow other punctuation ("left.!"). */
const SENTENCE_MARKS = new Set(['.', ',', ';', ':', '!', '?', "'", '"', '’', '”']);

/**
 * Splits the opening mark off a note's text: a token of at most 3 characters with no letter ("1",
 * "1.", "(2)", "*", "†", "¹", "!"), followed by the note. Returns a null mark when the note has none.
 */
export function splitMarker(text: string): { marker: string | null; rest: string } {
  const match = /^\s*(\S{1,3})\s+(.*)$/su.exec(text);
  if (!match) return { marker: null, rest: text.trim() };
  const token = match[1]!;
  if (/\p{L}/u.test(token)) return { marker: null, rest: text.trim() };
  // "(2)", "[2]" and "2." call the note from the text as "2".
  const bare = token.replace(/^[([]|[)\].]$/gu, '') || token;
  return { marker: bare, rest: match[2]!.trim() };
}

/**
 * Where `marker` calls a note in `text` between `from` and `to`: right after a letter or punctuation
 * (never inside a number), followed by a space, punctuation or the end. A mark that is also sentence
 * punctuation must follow other punctuation. Returns -1 when it is not there, or `exclude` holds it.
 */
export function findMarker(text: string, marker: string, from: number, to: number, exclude: ReadonlySet<number> = new Set()): number {
  let at = text.indexOf(marker, from);
  while (at >= 0 && at + marker.length <= to) {
    const before = text[at - 1];
    const after = text[at + marker.length];
    const afterOk = after === undefined || /[\s\p{P}]/u.test(after);
    const beforeOk = before !== undefined && (SENTENCE_MARKS.has(marker) ? /\p{P}/u.test(before) : /[\p{L}\p{P}]/u.test(before));
    if (afterOk && beforeOk && !exclude.has(at) && !(/^\d+$/.test(marker) && after !== undefined && /\d/.test(after))) return at;
    at = text.indexOf(marker, at + 1);
  }
  return -1;
}
