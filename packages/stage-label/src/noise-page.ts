import type { OcrBlock, OcrPage, OcrWord } from '@bookpipe/contracts';

const inked = (words: readonly OcrWord[]) => words.filter((word) => /[\p{L}\p{N}]/u.test(word.text));
const wordsOf = (block: OcrBlock) => block.paragraphs.flatMap((paragraph) => paragraph.lines.flatMap((line) => line.words));

/** A word read with confidence and shaped like one: two letters or more, at most punctuation around them. */
const wordLike = (word: OcrWord) => word.confidence >= 0.6 && /^[^\p{L}\p{N}]*\p{L}{2,}[^\p{L}\p{N}]*$/u.test(word.text.trim());

/**
 * Whether OCR read a page with no text on it: a blank leaf, a plate, the speckles of a picture. Text,
 * even a half-title of two words, is read as confident word shapes; speckles are read as short marks,
 * digits and broken letters with little confidence. The page is noise when fewer than 8 words, and
 * under 30% of what was read, are confident word shapes, and what was read is mostly not letters or
 * read with a mean confidence under 0.5.
 */
export function isNoisePage(page: OcrPage): boolean {
  const words = inked(page.blocks.flatMap(wordsOf));
  if (words.length === 0) return false;
  const good = words.filter(wordLike).length;
  const text = words.map((word) => word.text.trim()).join('');
  const letters = (text.match(/\p{L}/gu) ?? []).length;
  const mean = words.reduce((sum, word) => sum + word.confidence, 0) / words.length;
  return good < 8 && good < 0.3 * words.length && (mean < 0.5 || letters < 0.5 * text.length);
}

/**
 * On a page of noise, whether a block is text all the same (a caption under a picture, a plate's
 * title): at least two confident word shapes, and most of its words.
 */
export function isTextAmidNoise(block: OcrBlock): boolean {
  const words = inked(wordsOf(block));
  const good = words.filter(wordLike).length;
  return good >= 2 && good >= 0.5 * words.length;
}
