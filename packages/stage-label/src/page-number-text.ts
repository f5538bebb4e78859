/**
 * Reading printed page numbers: arabic and roman numerals, with the OCR confusions a page number
 * suffers (a lone "l" for 1, "O" for 0, "S" for 5, 5 read as 9...). Each reading yields the value
 * printed plus the values it could have been, each with a weight: 1 for a clean reading, less for
 * a repaired one. The reconciler picks among them with the neighbouring pages' help.
 */

export type NumeralStyle = 'arabic' | 'roman';

export interface NumberInterpretation {
  value: number;
  /** 1 when the reading is a clean numeral, lower for a repaired or confused one. */
  weight: number;
}

/** Letters OCR reads in place of digits. A reading repaired with them weighs 0.75. */
const LETTER_DIGITS: Record<string, string> = {
  $: '5',
  '°': '0',
  l: '1',
  I: '1',
  i: '1',
  '|': '1',
  '!': '1',
  O: '0',
  o: '0',
  Q: '0',
  D: '0',
  S: '5',
  s: '5',
  B: '8',
  Z: '2',
  z: '2',
  G: '6',
  g: '9',
  b: '6',
};
/**
 * Digits OCR confuses with each other. An interpretation using one such swap weighs 0.5. 5 and 8 share
 * their lower bowl: on worn old type tesseract reads a 53 as "83" (vd-sbb baurodwe) and the reverse.
 */
const DIGIT_CONFUSIONS: Record<string, string[]> = {
  '0': ['8', '6', '9'],
  '1': ['7', '4'],
  '3': ['5', '8'],
  '4': ['1'],
  '5': ['9', '3', '6', '8'],
  '6': ['5', '8', '0'],
  '7': ['1'],
  '8': ['0', '3', '6', '5'],
  '9': ['5', '0'],
};
/** Letters OCR reads in place of roman numeral letters (a lowercase "l" is a real 50, but more often an "i"). */
const ROMAN_CONFUSIONS: Record<string, string[]> = { l: ['i'], '1': ['i'], j: ['i'], '!': ['i'], y: ['v'], L: ['I'], '|': ['I'], Y: ['V'] };

const ROMAN_VALUES: Array<[string, number]> = [
  ['m', 1000],
  ['cm', 900],
  ['d', 500],
  ['cd', 400],
  ['c', 100],
  ['xc', 90],
  ['l', 50],
  ['xl', 40],
  ['x', 10],
  ['ix', 9],
  ['v', 5],
  ['iv', 4],
  ['i', 1],
];

/** The canonical roman numeral of a positive integer, in lower case ("xiv"). */
export function toRoman(value: number): string {
  let rest = value;
  let out = '';
  for (const [numeral, amount] of ROMAN_VALUES) {
    while (rest >= amount) {
      out += numeral;
      rest -= amount;
    }
  }
  return out;
}

/** The value of a canonical roman numeral ("xiv" -> 14), any case; null for anything else ("iiii", "vx"). */
export function parseRoman(text: string): number | null {
  const lower = text.toLowerCase();
  if (!/^[ivxlcdm]+$/.test(lower)) return null;
  let value = 0;
  let index = 0;
  for (const [numeral, amount] of ROMAN_VALUES) {
    while (lower.startsWith(numeral, index)) {
      value += amount;
      index += numeral.length;
    }
  }
  return index === lower.length && toRoman(value) === lower && value > 0 ? value : null;
}

/** The numeral of a page number text, stripped of decoration: "- 15 -", "[xiv]", "p. 15", "Page 15." -> "15", "xiv". */
export function stripDecoration(text: string): string {
  return (
    text
      .trim()
      .replace(/^(?:page|pag|p)\.?\s+/i, '')
      // "$" and a final "°" stay: OCR reads a 5 as "$" and a small 0 as "°"; the digit repair turns them back.
      .replace(/^[^\p{L}\p{N}$]+/u, '')
      .replace(/[^\p{L}\p{N}$°]+$/u, '')
  );
}

/** Every value an arabic page number reading may stand for, best first; empty when it is no number. */
export function arabicInterpretations(text: string): NumberInterpretation[] {
  const core = stripDecoration(text);
  if (core.length === 0 || core.length > 5) return [];
  const out = new Map<number, number>();
  const add = (digits: string, weight: number) => {
    if (!/^\d+$/.test(digits) || digits.startsWith('0')) return;
    const value = Number(digits);
    if (value > 0 && (out.get(value) ?? 0) < weight) out.set(value, weight);
  };
  const repaired = [...core].map((char) => LETTER_DIGITS[char] ?? char).join('');
  // At least one real digit: a lone "l" or "S" is not evidence of a page number.
  if (!/\d/.test(core) || !/^\d+$/.test(repaired)) return [];
  add(repaired, repaired === core ? 1 : 0.75);
  [...repaired].forEach((char, index) => {
    for (const swap of DIGIT_CONFUSIONS[char] ?? []) add(repaired.slice(0, index) + swap + repaired.slice(index + 1), 0.5);
  });
  return sortInterpretations(out);
}

/** Every value a roman page number reading may stand for, best first; empty when it is no roman numeral. */
export function romanInterpretations(text: string): NumberInterpretation[] {
  const core = stripDecoration(text);
  if (core.length === 0 || core.length > 9) return [];
  const out = new Map<number, number>();
  const add = (numeral: string, weight: number) => {
    const value = parseRoman(numeral);
    if (value !== null && (out.get(value) ?? 0) < weight) out.set(value, weight);
  };
  add(core, 1);
  const allRepaired = [...core].map((char) => ROMAN_CONFUSIONS[char]?.[0] ?? char).join('');
  if (allRepaired !== core) add(allRepaired, 0.75);
  [...core].forEach((char, index) => {
    for (const swap of ROMAN_CONFUSIONS[char] ?? []) add(core.slice(0, index) + swap + core.slice(index + 1), 0.75);
  });
  return sortInterpretations(out);
}

/** The style a reading looks like on its own: arabic if it holds a digit, roman if it is a roman numeral, else null. */
export function numeralStyle(text: string): NumeralStyle | null {
  if (arabicInterpretations(text).some((reading) => reading.weight >= 0.75)) return 'arabic';
  if (romanInterpretations(text).length > 0) return 'roman';
  return null;
}

function sortInterpretations(values: Map<number, number>): NumberInterpretation[] {
  return [...values].map(([value, weight]) => ({ value, weight })).sort((a, b) => b.weight - a.weight || a.value - b.value);
}
