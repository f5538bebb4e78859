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
  const counts = new Map<string, number>();
  for (const text of texts) {
    for (const token of text.split(/\s+/)) {
      const core = wordCore(token);
      if (core) counts.set(core, (counts.get(core) ?? 0) + 1);
    }
  }
  return { count: (word) => counts.get(word.toLowerCase()) ?? 0 };
}
