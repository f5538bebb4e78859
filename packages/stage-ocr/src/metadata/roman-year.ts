/**
 * Years as old title pages print them: "1892", "MDCCCXCII." or "M.DCCC.XCII". Roman numerals are
 * read additively as well ("MDCCCLXXXX" for 1890), as many printers set them.
 */

/** Earliest year taken as a publication year: printing with movable type in Europe. */
export const EARLIEST_YEAR = 1450;

const VALUES: Readonly<Record<string, number>> = { M: 1000, D: 500, C: 100, L: 50, X: 10, V: 5, I: 1 };

// Subtractive pairs allowed, plus the additive forms (IIII, XXXX, CCCC) printers used.
const ROMAN = /^M{1,3}(CM|CD|D?C{0,4})(XC|XL|L?X{0,4})(IX|IV|V?I{0,4})$/;

/**
 * The value of a roman numeral year (upper or lower case, dots between groups allowed), or null
 * when it is not a well-formed numeral of at least 1000 (a year, not a chapter number).
 */
export function parseRomanYear(text: string): number | null {
  const numeral = text.replace(/\./g, '').toUpperCase();
  if (!ROMAN.test(numeral)) return null;
  let total = 0;
  for (let i = 0; i < numeral.length; i++) {
    const value = VALUES[numeral[i]!]!;
    const next = VALUES[numeral[i + 1] ?? ''] ?? 0;
    total += value < next ? -value : value;
  }
  return total;
}

/** A year found in a line. */
export interface YearMatch {
  year: number;
  /** As printed: "1892" or "MDCCCXCII". */
  text: string;
  roman: boolean;
}

/**
 * Every plausible publication year in a line: four-digit numbers and roman numerals from
 * {@link EARLIEST_YEAR} to `latest`. A roman numeral must have four letters or more ("MD" alone is
 * more often "M.D." than 1500).
 */
export function findYears(line: string, latest = new Date().getFullYear() + 1): YearMatch[] {
  const years: YearMatch[] = [];
  for (const m of line.matchAll(/(?<![\d])(1[4-9]\d\d|20\d\d)(?![\d])/g)) {
    const year = Number(m[1]);
    if (year >= EARLIEST_YEAR && year <= latest) years.push({ year, text: m[1]!, roman: false });
  }
  for (const m of line.matchAll(/(?<![A-Za-z])([MDCLXVI](?:\.?\s?[MDCLXVI]){3,})(?![A-Za-z])/g)) {
    const text = m[1]!.replace(/\s/g, '');
    const year = parseRomanYear(text);
    if (year !== null && year >= EARLIEST_YEAR && year <= latest) years.push({ year, text: text.replace(/\.$/, ''), roman: true });
  }
  return years;
}
