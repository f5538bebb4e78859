import type { OcrPage } from '@bookpipe/contracts';
import { lineTokens, trailingHyphen, wordCore } from './tokens.js';

/**
 * How often each word (lower case, outer punctuation stripped) is printed in a book away from a
 * line-end break. A book is its own best dictionary: if it prints "to-day" mid-line, a "to-" at a
 * line end followed by "day" is the same compound, whatever a modern word list says.
 */
export interface Vocabulary {
  count(word: string): number;
}

/**
 * Counts the words of the given pages, leaving out the two halves of every line-end hyphen (they
 * are what we want to decide, so they must not vote). Pass every page of a book for book-wide
 * evidence; `dehyphenate` falls back to the page it works on.
 */
export function buildVocabulary(pages: Iterable<OcrPage>): Vocabulary {
  const counts = new Map<string, number>();
  for (const page of pages) {
    for (const block of page.blocks) {
      for (const paragraph of block.paragraphs) {
        let skipFirst = false;
        for (const line of paragraph.lines) {
          const tokens = lineTokens(line);
          tokens.forEach((token, index) => {
            if (index === 0 && skipFirst) return;
            if (index === tokens.length - 1 && trailingHyphen(token)) return;
            const core = wordCore(token);
            if (core) counts.set(core, (counts.get(core) ?? 0) + 1);
          });
          const last = tokens.at(-1);
          skipFirst = last !== undefined && trailingHyphen(last) !== null;
        }
      }
    }
  }
  return { count: (word) => counts.get(word.toLowerCase()) ?? 0 };
}
