import { wordCore } from './tokens.js';
import type { Vocabulary } from './vocabulary.js';

/**
 * Word counts of merged text, for hyphen decisions at page breaks (`decideHyphen` consults the book
 * before the word list: a book that prints "to-day" mid-line wants "to-" / "day" kept). Words are
 * counted lower case with their outer punctuation stripped; inner hyphens and apostrophes stay. The
 * halves of a broken word are never what is looked up (only the joined and hyphenated forms), so
 * counting them does no harm.
 */
export function textVocabulary(texts: Iterable<string>): Vocabulary {
  // Tokens are counted as written first and stripped once per distinct token: a book repeats its
  // words, and wordCore's three regular expressions per token were most of the time (400 pages:
  // 85,000 tokens, a tenth of them distinct).
  const tokens = new Map<string, number>();
  for (const text of texts) {
    for (const token of text.split(/\s+/)) tokens.set(token, (tokens.get(token) ?? 0) + 1);
  }
  const counts = new Map<string, number>();
  for (const [token, n] of tokens) {
    const core = wordCore(token);
    if (core) counts.set(core, (counts.get(core) ?? 0) + n);
  }
  return { count: (word) => counts.get(word.toLowerCase()) ?? 0 };
}
