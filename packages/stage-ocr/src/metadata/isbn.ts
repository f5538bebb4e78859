/**
 * ISBNs on a copyright page: found by pattern, kept only when their check digit is right, so that a
 * run of digits that merely looks like one (a catalogue number, an OCR misreading) is not taken.
 */

/** True when `digits` (10 characters, the last may be `X`) is an ISBN-10 with a valid check digit. */
export function isValidIsbn10(digits: string): boolean {
  if (!/^\d{9}[\dX]$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < 10; i++) {
    const value = digits[i] === 'X' ? 10 : Number(digits[i]);
    sum += value * (10 - i);
  }
  return sum % 11 === 0;
}

/** True when `digits` (13 digits) is an ISBN-13 (prefix 978 or 979) with a valid check digit. */
export function isValidIsbn13(digits: string): boolean {
  if (!/^97[89]\d{10}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < 13; i++) sum += Number(digits[i]) * (i % 2 === 0 ? 1 : 3);
  return sum % 10 === 0;
}

/** The compact form (digits and a final X, no hyphens or spaces) when `text` is a valid ISBN-10 or -13, else null. */
export function normaliseIsbn(text: string): string | null {
  const compact = text.replace(/[\s\u2010-\u2015-]/g, '').toUpperCase();
  if (compact.length === 10 && isValidIsbn10(compact)) return compact;
  if (compact.length === 13 && isValidIsbn13(compact)) return compact;
  return null;
}

/** One ISBN found in a line of text. */
export interface IsbnMatch {
  /** Compact form, check digit verified. */
  isbn: string;
  /** Preceded by an "ISBN" label (stronger evidence than a bare 13-digit run). */
  labelled: boolean;
}

// Digits with the separators printers use (hyphens, spaces); X only as an ISBN-10's check digit.
const CANDIDATE = /(ISBN(?:-1[03])?[:\s]*)?((?:\d[\s\u2010-\u2015-]?){9}[\dXx](?:[\s\u2010-\u2015-]?\d){0,3})/gi;

/**
 * Every valid ISBN in a line. After an "ISBN" label, the letters OCR commonly reads for digits
 * (O for 0, l and I for 1) are mapped back first; bare digit runs are taken only as ISBN-13 with a
 * 978/979 prefix, since about one random 10-digit run in 11 passes the ISBN-10 check.
 */
export function findIsbns(line: string): IsbnMatch[] {
  const text = line.replace(
    /(ISBN(?:-1[03])?[:\s]*)([0-9OolI\s\u2010-\u2015Xx-]{10,20})/gi,
    (_m, label: string, body: string) => label + body.replace(/[Oo]/g, '0').replace(/[lI]/g, '1'),
  );
  const found: IsbnMatch[] = [];
  for (const match of text.matchAll(CANDIDATE)) {
    const labelled = match[1] !== undefined;
    const raw = match[2]!;
    // A 13-digit ISBN and the 10-digit one inside it: try the long reading first.
    const isbn = normaliseIsbn(raw) ?? normaliseIsbn(raw.replace(/[\s\u2010-\u2015-]/g, '').slice(0, 10));
    if (isbn === null) continue;
    if (!labelled && isbn.length !== 13) continue;
    if (!found.some((f) => f.isbn === isbn)) found.push({ isbn, labelled });
  }
  return found;
}
