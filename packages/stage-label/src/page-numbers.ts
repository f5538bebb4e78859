import type { OcrLine } from '@bookpipe/contracts';
import { arabicInterpretations, type NumeralStyle, romanInterpretations, stripDecoration } from './page-number-text.js';

/** A page number found in a piece of text, with its style and how sure the reading is. */
export interface NumberToken {
  text: string;
  style: NumeralStyle;
  /** 1 for a clean numeral, lower for one repaired from OCR confusions. */
  weight: number;
}

/** Longest page number we accept as arabic: 4 digits (a 10,000-page book is not a book). */
const MAX_ARABIC_DIGITS = 4;

/** Reads one token as a page number ("17", "[xiv]", "-3-", "l7"), or null. */
export function readNumberToken(token: string): NumberToken | null {
  const core = stripDecoration(token);
  if (core.length === 0) return null;
  if (/\d/.test(core) && core.length <= MAX_ARABIC_DIGITS) {
    const best = arabicInterpretations(core)[0];
    if (best && best.weight >= 0.75) return { text: String(best.value), style: 'arabic', weight: best.weight };
  }
  // Roman page numbers are short and in one case; "I" or "MIX" in a heading are words or names more often.
  if (/^[ivxlcdm]{1,7}$/.test(core) || /^[IVXLCDM]{2,7}$/.test(core)) {
    const best = romanInterpretations(core)[0];
    if (best && best.weight === 1) return { text: core, style: 'roman', weight: 0.9 };
  }
  return null;
}

/** The whole text is a page number (with decoration): "17", "- 17 -", "[xiv]". */
export function numberOnly(text: string): NumberToken | null {
  const tokens = text.split(/\s+/).filter(Boolean);
  if (tokens.length === 0 || tokens.length > 3) return null;
  const numbers = tokens.map((token) => readNumberToken(token));
  const found = numbers.filter((number): number is NumberToken => number !== null);
  const decoration = tokens.filter((_, index) => numbers[index] === null).join('');
  if (found.length !== 1 || /[\p{L}\p{N}]/u.test(decoration)) return null;
  return found[0] ?? null;
}

/** A page number at either end of a line of a running head ("2 THE CHILD OF THE MOAT", "HATE 3"). */
export function numberAtEdge(line: OcrLine | string): NumberToken | null {
  const text = typeof line === 'string' ? line : line.text;
  const tokens = text.split(/\s+/).filter(Boolean);
  if (tokens.length < 2) return null;
  const first = readNumberToken(tokens[0] as string);
  const last = readNumberToken(tokens.at(-1) as string);
  // Prefer arabic, then the cleaner reading.
  const candidates = [first, last].filter((number): number is NumberToken => number !== null);
  candidates.sort((a, b) => Number(b.style === 'arabic') - Number(a.style === 'arabic') || b.weight - a.weight);
  return candidates[0] ?? null;
}
