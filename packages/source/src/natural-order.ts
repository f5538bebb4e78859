const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/**
 * Compares file names the way a person numbers pages: digit runs compare as numbers, so
 * `page_2.png` sorts before `page_10.png`, and letter case does not decide the order. Names that
 * differ only in case or leading zeros (`p01`, `p1`) fall back to a plain code-unit comparison, so the
 * order is total and the same on every machine.
 */
export function naturalCompare(a: string, b: string): number {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}
