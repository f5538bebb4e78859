import type { NumeralStyle } from './page-number-text.js';
import type { Page } from './reconcile-page-numbers.js';

/** A clearly read page number that its neighbours confirm: never overridden. */
export interface Anchor {
  at: number;
  style: NumeralStyle;
  value: number;
  /** pageIndex - value. */
  offset: number;
  upperCase: boolean;
  /** Page index of the page (kept here so that steps need no page list). */
  pageIndex: number;
}

/**
 * How the numbering goes from one reading to the next: `same` offset; `inserted` pages that carry no
 * number (fewer numbers than pages: plates, inserted leaves, a foliated book's versos); `missing` pages
 * (more numbers than pages: lost leaves); `restart` (the number goes down or jumps too far).
 */
export type StepRelation = 'same' | 'inserted' | 'missing' | 'restart';

interface StepLimits {
  maxMissingPages: number;
  maxInsertedPages: number;
}

export function relation(a: Pick<Anchor, 'value' | 'pageIndex'>, b: Pick<Anchor, 'value' | 'pageIndex'>, limits: StepLimits): StepRelation {
  const numbers = b.value - a.value;
  const pages = b.pageIndex - a.pageIndex;
  if (numbers === pages) return 'same';
  if (numbers >= 1 && numbers < pages && pages - numbers <= limits.maxInsertedPages) return 'inserted';
  if (numbers > pages && numbers - pages <= limits.maxMissingPages) return 'missing';
  return 'restart';
}

/**
 * The anchors of one style, among the clean numerals read in it (a repaired reading, "l7", is no
 * anchor). A clear reading (see `Page.clear`) needs one agreeing neighbour; a less sure one needs a
 * neighbour at its very offset (two misreads rarely agree), or two agreements of the other kinds.
 * Agreement, from strongest to weakest:
 * - the same offset as one of the two nearest readings on either side, or as the nearest clear one
 *   (so that a misread between two correct pages does not leave them unconfirmed);
 * - with only unread pages between it and its neighbour, fewer numbers than pages (unnumbered plates
 *   between, or a foliated book numbering rectos only);
 * - a gap of missing pages to a neighbour that is itself confirmed by its own other neighbour, and
 *   in order with the neighbour on the other side (so "20" read for 30 after 29 is no gap before 33).
 * A reading whose two nearest neighbours agree with each other but not with it, and that is out of
 * order between them, is a misread between them, whatever else it agrees with; so are two readings in
 * a row out of order between two that agree (two misreads may agree with each other).
 */
export function findAnchors(pages: readonly Page[], style: NumeralStyle, limits: StepLimits): Anchor[] {
  const all: Array<Anchor & { clear: boolean }> = [];
  for (const page of pages) {
    const best = page.values[0];
    if (page.style !== style || !best || best.weight !== 1) continue;
    all.push({
      at: page.at,
      style,
      value: best.value,
      offset: page.reading.pageIndex - best.value,
      upperCase: /[A-Z]/.test(page.reading.printed ?? '') && !/[a-z]/.test(page.reading.printed ?? ''),
      pageIndex: page.reading.pageIndex,
      clear: page.clear,
    });
  }
  const unreadBetween = (a: Anchor, b: Anchor) => pages.slice(a.at + 1, b.at).every((page) => page.style === null);
  // Between two readings at one offset, only the value that offset gives is in order on consecutive
  // pages; a reading in order at another offset sits between a gap and plates, and is no misread. Two
  // misreads in a row may agree with each other ("2", "3" read for a worn 7 and 8 between 6 and 9): a
  // pair out of order between two clear readings that agree is misread all the same, unless a reading
  // beyond them agrees with the pair (then the two around it are the odd ones).
  const windows = (k: number): Array<[number, number]> => [
    [k - 1, k + 1],
    [k - 1, k + 2],
    [k - 2, k + 1],
  ];
  const bracketed = (k: number) =>
    windows(k).some(([from, to]) => {
      const before = all[from];
      const after = all[to];
      if (before === undefined || after === undefined || before.offset !== after.offset) return false;
      const inside = all.slice(from + 1, to);
      if (inside.some((other) => other.offset === before.offset || (before.value < other.value && other.value < after.value))) return false;
      if (inside.length === 1) return true;
      const beyond = [all[from - 1], all[to + 1]];
      return before.clear && after.clear && !beyond.some((other) => other !== undefined && inside.some((pair) => pair.offset === other.offset));
    });
  // Misreads are set aside before anything is confirmed: the readings around them are neighbours then.
  const read = all.filter((_, k) => !bracketed(k));
  const nearestClear = (k: number, step: 1 | -1) => {
    for (let j = k + step; j >= 0 && j < read.length; j += step) if (read[j]?.clear) return read[j];
    return undefined;
  };
  const confirmed = new Set<number>();
  read.forEach((self, k) => {
    const near = new Set([read[k - 1], read[k - 2], read[k + 1], read[k + 2], ...(self.clear ? [nearestClear(k, -1), nearestClear(k, 1)] : [])]);
    const same = [...near].filter((other) => other?.offset === self.offset).length;
    const plates = [read[k - 1], read[k + 1]].filter((other) => {
      if (!other) return false;
      const [a, b] = other.at < self.at ? [other, self] : [self, other];
      return relation(a, b, limits) === 'inserted' && unreadBetween(a, b);
    }).length;
    if (same + plates >= (self.clear || same >= 1 ? 1 : 2)) confirmed.add(k);
  });
  const gapped = new Set<number>();
  read.forEach((self, k) => {
    if (!self.clear || confirmed.has(k)) return;
    const before = read[k - 1];
    const after = read[k + 1];
    const stepBefore = before ? relation(before, self, limits) : null;
    const stepAfter = after ? relation(self, after, limits) : null;
    // In order with both neighbours (an unsure neighbour out of order may be the misread), and across a
    // gap from a confirmed one.
    if ((stepBefore === 'restart' && (before?.clear || confirmed.has(k - 1))) || (stepAfter === 'restart' && (after?.clear || confirmed.has(k + 1)))) return;
    if ((stepBefore === 'missing' && confirmed.has(k - 1)) || (stepAfter === 'missing' && confirmed.has(k + 1))) gapped.add(k);
  });
  return read.filter((_, k) => confirmed.has(k) || gapped.has(k)).map(({ clear: _, ...anchor }) => anchor);
}
