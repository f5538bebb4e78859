import type { NumberingStyle } from '@bookpipe/contracts';
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
  /** Why the number was corrected, filled in or left alone. */
  reason?: string;
  /** Confidence in `printedPageNumber`, 0..1. */
  pageNumberConfidence: number;
}

export interface ReconcileOptions {
  /**
   * Score a run must win back to start (or to change its offset): a run needs about two pages
   * whose readings agree, so one stray number never makes a run, and one misread page never
   * breaks one.
   * @default 1.2
   */
  runPenalty?: number;
  /**
   * Unread pages after a run's last read number that still get its numbers (a blank or
   * unnumbered page ending a chapter or the book). Backwards, a run always extends through
   * unread pages down to its number 1 (a title page is i, a first chapter opening is 1).
   * @default 2
   */
  extendForward?: number;
}

interface Run {
  style: NumeralStyle;
  /** pageIndex - value, constant along the run. */
  offset: number;
  /** Positions (in the sorted page list) of the run's first and last supporting reading. */
  first: number;
  last: number;
  support: number;
  conflicts: number;
  upperCase: boolean;
}

interface Page {
  reading: PageNumberReading;
  style: NumeralStyle | null;
  values: NumberInterpretation[];
  weight: number;
}

const NO_VALUE = -1e9;

/**
 * Makes printed page numbers consistent across a book. Within one numbering style, a run of pages
 * shares one offset (page index minus printed value); the runs are found by dynamic programming
 * over the pages (each page scores for the offsets its reading supports, OCR confusions included,
 * and starting a run costs `runPenalty`), so the longest consistent runs win by majority. Then:
 * a page whose reading disagrees with its run is corrected (duplicates, 5/9, l/1, i/l misreads),
 * an unread page inside a run gets the run's number (a chapter opening, a blank page: blank pages
 * are counted), and a run extends backwards to its number 1 and `extendForward` pages forwards
 * over unread pages. Roman and arabic runs are found separately, so roman front matter followed
 * by arabic body works. A page outside every run keeps its reading, except a four-digit one (a year).
 */
export function reconcilePageNumbers(readings: readonly PageNumberReading[], options: ReconcileOptions = {}): ReconciledPageNumber[] {
  const runPenalty = options.runPenalty ?? 1.2;
  const extendForward = options.extendForward ?? 2;
  const pages: Page[] = [...readings].sort((a, b) => a.pageIndex - b.pageIndex).map((reading) => interpret(reading));
  const runs = [...findRuns(pages, 'arabic', runPenalty), ...findRuns(pages, 'roman', runPenalty)];

  // Each page position -> the run that numbers it, and how.
  const claim = new Map<number, { run: Run; how: 'core' | 'backward' | 'forward' }>();
  for (const run of runs) {
    for (let at = run.first; at <= run.last; at += 1) {
      const taken = claim.get(at);
      // Overlapping cores (rare): the run that the page's own reading supports keeps it.
      if (!taken || (valueWeight(pages[at], run) > 0 && valueWeight(pages[at], taken.run) <= 0)) claim.set(at, { run, how: 'core' });
    }
  }
  // Extensions cover unread pages only, and never give a number another run of the style prints
  // (unnumbered plates between two runs stay unnumbered rather than repeat a number).
  const free = (at: number, run: Run) => {
    const value = valueAt(pages, at, run);
    return (
      pages[at]?.style === null &&
      !claim.has(at) &&
      value >= 1 &&
      !runs.some(
        (other) => other !== run && other.style === run.style && value >= valueAt(pages, other.first, other) && value <= valueAt(pages, other.last, other),
      )
    );
  };
  // Only through consecutive pages: a gap in the page indexes holds pages we know nothing about.
  const nextTo = (at: number, step: 1 | -1) => (pages[at]?.reading.pageIndex ?? NaN) - (pages[at - step]?.reading.pageIndex ?? NaN) === step;
  for (const run of runs) {
    for (let at = run.first - 1; at >= 0 && nextTo(at, -1) && free(at, run); at -= 1) claim.set(at, { run, how: 'backward' });
  }
  for (const run of runs) {
    for (let at = run.last + 1; at < pages.length && at <= run.last + extendForward && nextTo(at, 1) && free(at, run); at += 1) {
      claim.set(at, { run, how: 'forward' });
    }
  }

  return pages.map((page, at) => {
    const taken = claim.get(at);
    const { reading } = page;
    if (!taken) {
      // A lone four-digit arabic number that no neighbour confirms is a date (the year of a title page,
      // of a dated letter or chapter) far more often than page 1000 or later of a book.
      if (page.style === 'arabic' && (page.values[0]?.value ?? 0) >= 1000) {
        return {
          ...reading,
          printedPageNumber: null,
          numberingStyle: 'none' as const,
          inferred: false,
          pageNumberConfidence: 0.5,
          reason: `read "${reading.printed}", outside any consistent run of page numbers: a lone four-digit number is more likely a year, dropped`,
        };
      }
      const style: NumberingStyle = reading.printed === null ? 'none' : (page.style ?? reading.style);
      return {
        ...reading,
        printedPageNumber: reading.printed,
        numberingStyle: reading.printed === null ? 'none' : style,
        inferred: false,
        pageNumberConfidence: reading.confidence,
        ...(reading.printed === null ? {} : { reason: 'outside any consistent run of page numbers: kept as read' }),
      };
    }
    const { run, how } = taken;
    const value = valueAt(pages, at, run);
    const printedPageNumber = run.style === 'arabic' ? String(value) : run.upperCase ? toRoman(value).toUpperCase() : toRoman(value);
    const runConfidence = Math.min(0.99, run.support / (run.support + run.conflicts + 1));
    const agrees = page.style === run.style && page.values[0]?.value === value && page.values[0]?.weight === 1;
    if (agrees) {
      return { ...reading, printedPageNumber, numberingStyle: run.style, inferred: false, pageNumberConfidence: Math.max(reading.confidence, runConfidence) };
    }
    const reason =
      reading.printed !== null
        ? `read "${reading.printed}", corrected to ${printedPageNumber} from its neighbours (a ${run.style} run, page index - number = ${run.offset})`
        : how === 'core'
          ? `no number read: inside a ${run.style} run, numbered ${printedPageNumber}`
          : how === 'backward'
            ? `no number read: before the first read number of a ${run.style} run, numbered ${printedPageNumber}`
            : `no number read: after the last read number of a ${run.style} run, numbered ${printedPageNumber}`;
    return {
      ...reading,
      printedPageNumber,
      numberingStyle: run.style,
      inferred: true,
      reason,
      pageNumberConfidence: runConfidence * (how === 'core' ? 1 : 0.8),
    };
  });
}

function interpret(reading: PageNumberReading): Page {
  const weight = Math.max(0.3, Math.min(1, reading.confidence));
  if (reading.printed === null) return { reading, style: null, values: [], weight };
  const declared: NumeralStyle | null = reading.style === 'none' ? null : reading.style;
  const style = declared ?? numeralStyle(reading.printed);
  if (style === null) return { reading, style: null, values: [], weight };
  const values = style === 'arabic' ? arabicInterpretations(reading.printed) : romanInterpretations(reading.printed);
  return values.length === 0 ? { reading, style: null, values: [], weight } : { reading, style, values, weight };
}

function valueAt(pages: readonly Page[], at: number, run: Run): number {
  return (pages[at]?.reading.pageIndex ?? NO_VALUE) - run.offset;
}

/**
 * How well a page's reading supports a run's value at that page: > 0 supports, < 0 conflicts, 0
 * silent. A conflict costs half what a match earns: misreads are common, so three pages in four
 * agreeing make a run.
 */
function valueWeight(page: Page | undefined, run: { style: NumeralStyle; offset: number }): number {
  if (!page || page.style === null) return 0;
  if (page.style !== run.style) return -0.5;
  const value = page.reading.pageIndex - run.offset;
  const match = page.values.find((interpretation) => interpretation.value === value);
  return match ? match.weight * page.weight : -0.5 * page.weight;
}

/** The best segmentation of the pages into runs of one style (Viterbi over offsets plus an "off" state). */
function findRuns(pages: readonly Page[], style: NumeralStyle, runPenalty: number): Run[] {
  const offsets = [
    ...new Set(pages.filter((page) => page.style === style).flatMap((page) => page.values.map((value) => page.reading.pageIndex - value.value))),
  ];
  if (offsets.length === 0) return [];
  const states = offsets.length + 1; // state 0 = no run
  const emit = (page: Page, state: number): number => {
    if (state === 0) return 0;
    const offset = offsets[state - 1] as number;
    if (page.reading.pageIndex - offset < 1) return -Infinity;
    return valueWeight(page, { style, offset });
  };
  const back: Int32Array[] = [];
  let score = new Float64Array(states).fill(-Infinity);
  score[0] = 0;
  for (let at = 0; at < pages.length; at += 1) {
    const page = pages[at] as Page;
    let best = 0;
    for (let state = 1; state < states; state += 1) if ((score[state] as number) > (score[best] as number)) best = state;
    const next = new Float64Array(states);
    const from = new Int32Array(states);
    for (let state = 0; state < states; state += 1) {
      // Stay in the same state for free; leave a run for free; enter or switch runs at a cost.
      const stay = score[state] as number;
      const enter = (score[best] as number) - (state === 0 ? 0 : runPenalty);
      const leave = state === 0 ? (score[best] as number) : -Infinity;
      let value = stay;
      let origin = state;
      if (enter > value) [value, origin] = [enter, best];
      if (leave > value) [value, origin] = [leave, best];
      next[state] = value + emit(page, state);
      from[state] = origin;
    }
    back.push(from);
    score = next;
  }
  // On a tie, a run beats no run.
  let state = 0;
  for (let candidate = 1; candidate < states; candidate += 1)
    if ((score[candidate] as number) >= (score[state] as number) && (score[candidate] as number) > -Infinity) state = candidate;
  const path = new Array<number>(pages.length);
  for (let at = pages.length - 1; at >= 0; at -= 1) {
    path[at] = state;
    state = back[at]?.[state] ?? 0;
  }

  // Cut the path into segments of one offset, each trimmed to its first and last supporting page.
  const runs: Run[] = [];
  let start = 0;
  for (let at = 1; at <= pages.length; at += 1) {
    if (at < pages.length && path[at] === path[start]) continue;
    const segmentState = path[start] as number;
    if (segmentState !== 0) {
      const offset = offsets[segmentState - 1] as number;
      const previous = runs.at(-1);
      // The same offset on both sides of a few misread pages is one run: the numbering went on.
      const run = previous?.offset === offset ? summarise(pages, style, offset, previous.first, at - 1) : summarise(pages, style, offset, start, at - 1);
      if (run && previous?.offset === offset) runs[runs.length - 1] = run;
      else if (run) runs.push(run);
    }
    start = at;
  }
  return runs;
}

function summarise(pages: readonly Page[], style: NumeralStyle, offset: number, from: number, to: number): Run | null {
  let first = -1;
  let last = -1;
  let support = 0;
  let conflicts = 0;
  let upper = 0;
  let lower = 0;
  for (let at = from; at <= to; at += 1) {
    const page = pages[at];
    const weight = valueWeight(page, { style, offset });
    if (weight > 0) {
      if (first < 0) first = at;
      last = at;
      support += weight;
      const printed = page?.reading.printed ?? '';
      if (/[A-Z]/.test(printed)) upper += 1;
      if (/[a-z]/.test(printed)) lower += 1;
    } else if (weight < 0) {
      conflicts += 1;
    }
  }
  return first < 0 ? null : { style, offset, first, last, support, conflicts, upperCase: upper > lower };
}
