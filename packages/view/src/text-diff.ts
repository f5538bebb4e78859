import type { OcrParagraph } from '@bookpipe/contracts';
import { diffArrays } from 'diff';

/** One word of a paragraph as the view shows it. */
export interface TextToken {
  /** same: in the OCR and in the shown text; removed: OCR only; added: shown text only. */
  kind: 'same' | 'removed' | 'added';
  text: string;
  /** OCR word confidence 0..1; null for a word OCR did not read (added). */
  confidence: number | null;
}

interface OcrToken {
  text: string;
  confidence: number | null;
}

/** The OCR words of a paragraph, in reading order, each with its confidence. */
export function ocrTokens(paragraph: OcrParagraph): OcrToken[] {
  const tokens: OcrToken[] = [];
  for (const line of paragraph.lines) {
    for (const word of line.words) {
      // Tesseract words hold no space, but a word list from another engine might: keep tokens whole-word.
      for (const part of word.text.split(/\s+/u)) if (part !== '') tokens.push({ text: part, confidence: word.confidence });
    }
  }
  return tokens;
}

/**
 * Word-level diff of what OCR read against the text shown for the paragraph (the correction's or the
 * merge's), with the `diff` package's array diff over whitespace-separated words. Words are compared
 * exactly, so a joined line-end hyphen ("in-" "vestigate" -> "investigate") and a fixed letter both show.
 * Kept and removed words carry their OCR confidence, so low-confidence marks survive the diff.
 * Without `shown` (no correction, no merge) the OCR words are returned as they are.
 */
export function diffParagraph(paragraph: OcrParagraph, shown?: string): TextToken[] {
  const before = ocrTokens(paragraph);
  if (shown === undefined) return before.map((token) => ({ kind: 'same', ...token }));
  const after: OcrToken[] = shown
    .split(/\s+/u)
    .filter(Boolean)
    .map((text) => ({ text, confidence: null }));
  const changes = diffArrays(before, after, { comparator: (a, b) => a.text === b.text });
  const tokens: TextToken[] = [];
  let i = 0; // index in `before`
  let j = 0; // index in `after`
  for (const change of changes) {
    const count = change.count;
    if (change.added) {
      for (const token of after.slice(j, j + count)) tokens.push({ kind: 'added', text: token.text, confidence: null });
      j += count;
    } else if (change.removed) {
      for (const token of before.slice(i, i + count)) tokens.push({ kind: 'removed', ...token });
      i += count;
    } else {
      // A common run: the diff hands back the new side's tokens; the OCR side has the confidences.
      for (const token of before.slice(i, i + count)) tokens.push({ kind: 'same', ...token });
      i += count;
      j += count;
    }
  }
  return tokens;
}

/** True when the tokens hold a change. */
export function hasChanges(tokens: readonly TextToken[]): boolean {
  return tokens.some((token) => token.kind !== 'same');
}
