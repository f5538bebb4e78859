import type { NumberingStyle } from '@bookpipe/contracts';
import { type Anchor, findAnchors, relation, type StepRelation } from './page-number-anchors.js';
import { arabicInterpretations, type NumberInterpretation, type NumeralStyle, numeralStyle, romanInterpretations, toRoman } from './page-number-text.js';

/** What a labeller read on one page. */
export interface PageNumberReading {
  /** Position of the page in the book (0- or 1-based, blank pages included: consecutive pages differ by 1). */
  pageIndex: number;
  /** The page number as read ("17", "xiv", "l7"), null when none was found. */
  printed: string | null;
  style: NumberingStyle;
  /** Confidence in the reading, 0..1. */
  confidence: number;
}

export interface ReconciledPageNumber extends PageNumberReading {
  /** The page number after reconciliation: the reading, a corrected one, or one inferred from the run. */
  printedPageNumber: string | null;
  numberingStyle: NumberingStyle;
  /** True when `printedPageNumber` is not what was read on the page (corrected or filled in). */
  inferred: boolean;
  /** Why the number was corrected, filled in, dropped or left alone. */
  reason?: string;
  /** Confidence in `printedPageNumber`, 0..1. */
  pageNumberConfidence: number;
}

export interface ReconcileOptions {
  /**
   * Confidence from which a clean numeral counts as clearly read. A clearly read number that agrees
   * with a neighbouring reading (same offset, unnumbered pages between, or a gap next to a run) is
   * never overridden.
   * @default 0.7
   */
  minClearConfidence?: number;
  /**
   * Most printed pages that may be missing between two neighbouring readings (lost leaves) for the
   * jump to count as a gap rather than a misread.
   * @default 24
   */
  maxMissingPages?: number;
  /**
   * Most unnumbered scan pages (plates, inserted leaves, the blank versos of a foliated book) that
   * may sit between two consecutive printed numbers.
   * @default 8
   */
  maxInsertedPages?: number;
  /**
   * Unread pages after a run's last read number that still get its numbers (a blank or unnumbered
   * page ending a chapter or the book). Backwards, a run always extends through unread pages down
   * to its number 1 (a title page is i, a first chapter opening is 1).
   * @default 2
   */
  extendForward?: number;
}

/** One page as the reconciler sees it. @internal */
export interface Page {
  reading: PageNumberReading;
  /** Position in the sorted page list. */
  at: number;
  style: NumeralStyle | null;
  values: NumberInterpretation[];
  /** A clean numeral read with at least `minClearConfidence`. */
  clear: boolean;
}

type Outcome = Omit<ReconciledPageNumber, keyof PageNumberReading>;

/** Pages on either side that a lone clear reading numbers (see `reconcilePageNumbers`). */
const LONE_REACH = 2;

/**
 * Makes printed page numbers consistent across a book from local evidence, the way a reader checks
 * a page number against the pages around it.
 *
 * 1. Anchors (`findAnchors`): a clearly read number that agrees with a neighbouring reading of its style
 *    (the same offset page index - number, unnumbered pages between, or a gap of missing pages next to
 *    a run) is kept, always. A reading between two clear neighbours that agree with each other and not
 *    with it is a misread, never an anchor.
 * 2. Between two consecutive anchors of a style: at the same offset, every page is numbered from
 *    them (misreads corrected, unread pages filled); with fewer numbers than pages, the unread pages
 *    are unnumbered plates; with more, a gap (missing leaves) lies between them and a reading that fits
 *    in it is kept; with a number that goes down, the numbering restarted.
 * 3. Before the first and after the last anchor, a run extends over unread pages (backwards down to
 *    its number 1, forwards `extendForward` pages); a reading matching the run (a known OCR confusion
 *    included) takes its number.
 *
 * Roman and arabic anchors are found separately, so roman front matter followed by an arabic body
 * works. A page outside every run keeps its reading, except a lone four-digit one (a year). Every
 * number that is not the reading says why in `reason`.
 */
export function reconcilePageNumbers(readings: readonly PageNumberReading[], options: ReconcileOptions = {}): ReconciledPageNumber[] {
  const settings = {
    minClearConfidence: options.minClearConfidence ?? 0.7,
    maxMissingPages: options.maxMissingPages ?? 24,
    maxInsertedPages: options.maxInsertedPages ?? 8,
    extendForward: options.extendForward ?? 2,
  };
  const pages = [...readings].sort((a, b) => a.pageIndex - b.pageIndex).map((reading, at) => interpret(reading, at, settings.minClearConfidence));
  const outcomes = new Map<number, { outcome: Outcome; rank: number }>();
  // Lower rank wins: a page between anchors, then a backward extension, then a forward one.
  const claim = (at: number, outcome: Outcome, rank: number) => {
    const taken = outcomes.get(at);
    if (!taken || rank < taken.rank) outcomes.set(at, { outcome, rank });
  };

  for (const style of ['arabic', 'roman'] as const) {
    const anchors = findAnchors(pages, style, settings);
    for (const anchor of anchors) {
      const page = pages[anchor.at] as Page;
      claim(
        anchor.at,
        { printedPageNumber: page.reading.printed, numberingStyle: style, inferred: false, pageNumberConfidence: Math.max(page.reading.confidence, 0.9) },
        0,
      );
    }
    const taken = new Set(anchors.map((anchor) => anchor.value));
    for (let k = 1; k < anchors.length; k += 1) {
      between(pages, anchors[k - 1] as Anchor, anchors[k] as Anchor, settings, taken, claim);
    }
    const first = anchors[0];
    const last = anchors.at(-1);
    // A run whose numbers skip unread pages (a foliated book's versos, plates) says nothing about the
    // unread pages beyond its ends.
    const plain = (a: Anchor | undefined, b: Anchor | undefined) => !a || !b || relation(a, b, settings) !== 'inserted';
    if (first) extend(pages, first, -1, plain(first, anchors[1]) ? Number.POSITIVE_INFINITY : 0, taken, claim);
    if (last) extend(pages, last, 1, plain(anchors.at(-2), last) ? settings.extendForward : 0, taken, claim);
  }

  // A clear reading that no run reaches and no other clear reading near it contradicts (its neighbours
  // unread, or read unsure: glyphs taken for numerals) numbers its close neighbours: the few pages around it
  // are the pages after and before it far more often than plates or lost leaves. Only as far as
  // `LONE_REACH` pages, and only where nothing else claimed a number.
  for (const page of pages) {
    if (outcomes.has(page.at) || !page.clear || page.style === null) continue;
    const near = pages.filter((other) => other.at !== page.at && Math.abs(other.reading.pageIndex - page.reading.pageIndex) <= LONE_REACH);
    if (near.some((other) => other.clear)) continue;
    const value = page.values[0]?.value as number;
    // A lone four-digit number is a year (see `outsideRuns`), no page number to count from.
    if (page.style === 'arabic' && value >= 1000) continue;
    const anchor: Anchor = {
      at: page.at,
      style: page.style,
      value,
      offset: page.reading.pageIndex - value,
      upperCase: /[A-Z]/.test(page.reading.printed ?? '') && !/[a-z]/.test(page.reading.printed ?? ''),
      pageIndex: page.reading.pageIndex,
    };
    extend(pages, anchor, -1, LONE_REACH, new Set([value]), claim, undefined, true);
    extend(pages, anchor, 1, LONE_REACH, new Set([value]), claim, undefined, true);
  }

  return pages.map((page) => ({ ...page.reading, ...(outcomes.get(page.at)?.outcome ?? outsideRuns(page)) }));
}

function interpret(reading: PageNumberReading, at: number, minClear: number): Page {
  const none = { reading, at, style: null, values: [], clear: false };
  if (reading.printed === null) return none;
  const declared: NumeralStyle | null = reading.style === 'none' ? null : reading.style;
  const style = declared ?? numeralStyle(reading.printed);
  if (style === null) return none;
  const values = style === 'arabic' ? arabicInterpretations(reading.printed) : romanInterpretations(reading.printed);
  if (values.length === 0) return none;
  return { reading, at, style, values, clear: values[0]?.weight === 1 && reading.confidence >= minClear };
}

function format(value: number, style: NumeralStyle, upperCase: boolean): string {
  if (style === 'arabic') return String(value);
  return upperCase ? toRoman(value).toUpperCase() : toRoman(value);
}

/** The value of a page's reading that fits an offset, best first (a known OCR confusion included). */
function fitting(page: Page, style: NumeralStyle, offset: number): NumberInterpretation | undefined {
  if (page.style !== style) return undefined;
  return page.values.find((value) => page.reading.pageIndex - value.value === offset);
}

type Claim = (at: number, outcome: Outcome, rank: number) => void;

function numbered(page: Page, anchor: Anchor, value: number, reason: string, confidence: number): Outcome {
  const printedPageNumber = format(value, anchor.style, anchor.upperCase);
  const sameAsRead = page.style === anchor.style && page.values[0]?.value === value && page.values[0]?.weight === 1;
  if (sameAsRead)
    return {
      printedPageNumber: page.reading.printed,
      numberingStyle: anchor.style,
      inferred: false,
      pageNumberConfidence: Math.max(page.reading.confidence, confidence),
    };
  const why = page.reading.printed === null ? `no number read: ${reason}` : `read "${page.reading.printed}", corrected to ${printedPageNumber}: ${reason}`;
  return { printedPageNumber, numberingStyle: anchor.style, inferred: true, reason: why, pageNumberConfidence: confidence };
}

const describe = (anchor: Anchor, page: Page) => `${format(anchor.value, anchor.style, anchor.upperCase)} (page ${page.reading.pageIndex})`;

/** Numbers the pages strictly between two consecutive anchors of one style. */
function between(pages: readonly Page[], a: Anchor, b: Anchor, settings: Required<ReconcileOptions>, taken: ReadonlySet<number>, claim: Claim): void {
  const pageA = pages[a.at] as Page;
  const pageB = pages[b.at] as Page;
  const step: StepRelation = relation(a, b, settings);
  const span = `between ${describe(a, pageA)} and ${describe(b, pageB)}`;
  for (let at = a.at + 1; at < b.at; at += 1) {
    const page = pages[at] as Page;
    // A page read in the other style (roman front matter ending, a plate's caption) is left to that style.
    if (page.style !== null && page.style !== a.style) continue;
    const own = a.value + (page.reading.pageIndex - pageA.reading.pageIndex);
    if (step === 'same') {
      claim(at, numbered(page, a, own, `inside the ${a.style} run ${span}`, 0.9), 1);
      continue;
    }
    // The numbering changes somewhere between a and b: a reading that fits either side's offset, or
    // falls between their numbers in order, is taken; unread pages are numbered only where it is clear.
    const fit = fitting(page, a.style, a.offset) ?? fitting(page, a.style, b.offset);
    if (fit && fit.value > a.value && fit.value < b.value) {
      claim(at, numbered(page, a, fit.value, `fits ${span}`, 0.7), 1);
      continue;
    }
    if (page.style !== null && step !== 'restart') {
      const value = page.values[0]?.value ?? 0;
      const order = value - a.value > 0 && b.value - value > 0;
      if (order) {
        claim(at, { ...numbered(page, a, value, span, 0.6), reason: `kept as read: in order ${span}, where pages are missing or inserted` }, 1);
      } else if (step === 'missing' && own < b.value && !taken.has(own)) {
        claim(at, numbered(page, a, own, `out of order ${span}; continues ${describe(a, pageA)}, a gap of missing pages follows`, 0.5), 1);
      } else {
        claim(at, dropped(page, `out of order ${span}`), 1);
      }
      continue;
    }
    if (step === 'inserted' && page.style === null) {
      claim(
        at,
        {
          printedPageNumber: null,
          numberingStyle: 'none',
          inferred: false,
          pageNumberConfidence: 0.7,
          reason: `unnumbered: ${b.value - a.value - 1} number(s) for ${b.at - a.at - 1} page(s) ${span} (plates, inserted leaves or a foliated book)`,
        },
        2,
      );
    } else if (step === 'missing' && page.style === null && own < b.value && !taken.has(own)) {
      claim(
        at,
        numbered(page, a, own, `continues ${describe(a, pageA)}; ${b.value - a.value - (b.at - a.at)} page(s) missing before ${describe(b, pageB)}`, 0.5),
        2,
      );
    }
  }
  if (step === 'restart') {
    // The numbering starts again at b (a new part or volume): unread pages after a continue it a little,
    // unread pages before b count down to b's number 1. Numbers of the earlier part may repeat.
    extend(pages, a, 1, settings.extendForward, new Set(), claim, b.at);
    extend(pages, b, -1, Number.POSITIVE_INFINITY, new Set(), claim, a.at);
  }
}

/**
 * Extends an edge anchor over consecutive pages: unread ones, and read ones whose reading fits (then
 * corrected from a known OCR confusion). Stops at a gap in the page indexes, at a reading that does not
 * fit, at `limit` unread pages, at number 1, or at `stop`.
 */
function extend(
  pages: readonly Page[],
  anchor: Anchor,
  direction: 1 | -1,
  limit: number,
  taken: ReadonlySet<number>,
  claim: Claim,
  stop = direction === 1 ? pages.length : -1,
  lone = false,
): void {
  const anchorPage = pages[anchor.at] as Page;
  let unread = 0;
  for (let at = anchor.at + direction; at !== stop && at >= 0 && at < pages.length; at += direction) {
    const page = pages[at] as Page;
    const previous = pages[at - direction] as Page;
    if (page.reading.pageIndex - previous.reading.pageIndex !== direction) return;
    const value = page.reading.pageIndex - anchor.offset;
    if (value < 1 || taken.has(value)) return;
    // An unsure reading in the other style next to a run ("m" read at 0.5 where 73 follows 72) is a
    // glyph misread as a numeral: the run goes on over it as over an unread page.
    if (page.style === null || (page.style !== anchor.style && !page.clear)) {
      unread += 1;
      if (unread > limit) return;
      const where = direction === -1 ? 'before' : 'after';
      claim(
        at,
        numbered(
          page,
          anchor,
          value,
          `${where} ${describe(anchor, anchorPage)}${lone ? ', the only clear reading near it' : `, in its ${anchor.style} run`}`,
          lone ? 0.6 : direction === -1 ? 0.75 : 0.7,
        ),
        lone ? 5 : direction === -1 ? 3 : 4,
      );
    } else {
      const fit = fitting(page, anchor.style, anchor.offset);
      if (fit) {
        claim(
          at,
          numbered(page, anchor, value, `a known OCR confusion, next to ${describe(anchor, anchorPage)} in its ${anchor.style} run`, lone ? 0.55 : 0.7),
          lone ? 5 : 2,
        );
      } else if (!page.clear && page.style === anchor.style && !inOrder(page.values[0]?.value ?? 0, anchor.value, direction)) {
        // An unsure reading that fits no run, next to the run's end: counted as a page whose number was misread.
        unread += 1;
        if (unread > limit) return;
        claim(
          at,
          numbered(page, anchor, value, `an unsure reading that fits no run, next to ${describe(anchor, anchorPage)} in its ${anchor.style} run`, 0.5),
          lone ? 5 : 4,
        );
      } else {
        return;
      }
    }
  }
}

/** Whether a number read beyond a run's end, in `direction`, could follow it across a gap (24 pages at most). */
function inOrder(value: number, edge: number, direction: 1 | -1): boolean {
  const step = (value - edge) * direction;
  return value >= 1 && step >= 1 && step <= 24;
}

function dropped(page: Page, reason: string): Outcome {
  return {
    printedPageNumber: null,
    numberingStyle: 'none',
    inferred: true,
    reason: `read "${page.reading.printed}", dropped: ${reason}`,
    pageNumberConfidence: 0.4,
  };
}

/** A page no run reaches: kept as read, except a lone four-digit number. */
function outsideRuns(page: Page): Outcome {
  const { reading } = page;
  if (reading.printed === null || page.style === null) {
    return {
      printedPageNumber: reading.printed,
      numberingStyle: reading.printed === null ? 'none' : reading.style,
      inferred: false,
      pageNumberConfidence: reading.confidence,
    };
  }
  // A lone four-digit arabic number that no neighbour confirms is a date (the year of a title page,
  // of a dated letter or chapter) far more often than page 1000 or later of a book.
  if (page.style === 'arabic' && (page.values[0]?.value ?? 0) >= 1000) {
    return {
      printedPageNumber: null,
      numberingStyle: 'none',
      inferred: false,
      pageNumberConfidence: 0.5,
      reason: `read "${reading.printed}", outside any consistent run of page numbers: a lone four-digit number is more likely a year, dropped`,
    };
  }
  return {
    printedPageNumber: reading.printed,
    numberingStyle: page.style,
    inferred: false,
    pageNumberConfidence: reading.confidence,
    reason: 'outside any consistent run of page numbers: kept as read',
  };
}
