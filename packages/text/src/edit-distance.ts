import { distance } from 'fastest-levenshtein';

/**
 * Levenshtein distance between two strings: the least number of single-character insertions,
 * deletions and substitutions that turn `a` into `b`. Characters are UTF-16 code units, so a
 * character outside the Basic Multilingual Plane counts as two (rare in book text; normalise
 * both strings the same way, e.g. NFC, before comparing).
 */
export function editDistance(a: string, b: string): number {
  return distance(a, b);
}

/**
 * How much of the text survived a change: `1 - editDistance(a, b) / max(a.length, b.length)`,
 * in 0..1. Two empty strings are identical (1). Used for the correction stage's `similarity`
 * metric: 1 means the corrector changed nothing, 0.9 that a tenth of the characters changed.
 */
export function similarity(a: string, b: string): number {
  const longest = Math.max(a.length, b.length);
  if (longest === 0) return 1;
  return 1 - distance(a, b) / longest;
}
