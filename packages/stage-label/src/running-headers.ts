import { distance } from 'fastest-levenshtein';
import { parseRoman } from './page-number-text.js';

/**
 * The part of a running head or foot that repeats from page to page: letters only, lower case,
 * without the page number (digits, and a roman numeral at either end), so "2 THE CHILD OF THE
 * MOAT" and "THE CHILD OF THE MOAT. 4" compare equal.
 */
export function repeatingText(text: string): string {
  const tokens = text.split(/\s+/).filter(Boolean);
  const isNumber = (token: string | undefined) => token !== undefined && (/\d/.test(token) || parseRoman(token.replace(/[^\p{L}]/gu, '')) !== null);
  while (tokens.length > 1 && isNumber(tokens[0])) tokens.shift();
  while (tokens.length > 1 && isNumber(tokens.at(-1))) tokens.pop();
  return tokens
    .join(' ')
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^\p{L}]/gu, '');
}

/** Similarity of two repeating texts, 0..1 (1 - edit distance / longer length). */
export function repeatSimilarity(a: string, b: string): number {
  const longest = Math.max(a.length, b.length);
  return longest === 0 ? 0 : 1 - distance(a, b) / longest;
}

export interface RepeatCandidate {
  /** The page's scan number (1-based, consecutive across the book). */
  pageNumber: number;
  /** Its repeating text (see `repeatingText`). */
  key: string;
  /** Top of the block as a fraction of the page height. */
  top: number;
  /**
   * The number of the division the text names, if any (`divisionNumber`): two texts that both name
   * one and differ in it ("CHAPTER IV", "CHAPTER V") are two openings, not a repeat.
   */
  division?: string | null;
}

/**
 * How far apart (fraction of the page height) two heads may sit and still be the same running
 * head: a running head keeps its place, while a chapter title on an opening page that happens to
 * repeat it ("PREFACE") sits much lower.
 */
const SAME_PLACE = 0.04;

/**
 * For each candidate (a block above or below the body), the best similarity to a candidate of
 * another page at most `window` pages away, at about the same height. Running heads alternate between left and right pages
 * (book title / chapter title), so pages two apart count as much as neighbours.
 */
export function bestRepeats(candidates: readonly RepeatCandidate[], window: number, minLength = 3): number[] {
  return candidates.map((candidate) => {
    if (candidate.key.length < minLength) return 0;
    let best = 0;
    for (const other of candidates) {
      const gap = Math.abs(other.pageNumber - candidate.pageNumber);
      if (gap === 0 || gap > window || other.key.length < minLength || Math.abs(other.top - candidate.top) > SAME_PLACE) continue;
      if (candidate.division && other.division && candidate.division !== other.division) continue;
      best = Math.max(best, repeatSimilarity(candidate.key, other.key));
    }
    return best;
  });
}
