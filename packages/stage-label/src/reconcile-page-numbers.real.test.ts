import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { seededRandom } from '@bookpipe/testkit';
import { describe, expect, it } from 'vitest';
import { type PageNumberReading, reconcilePageNumbers } from './index.js';

/**
 * Sequences built from the printed page numbers of real book pages (the vd-sbb works of ../shared/eval,
 * from their PAGE-XML page-number regions), then damaged the way real scans are: leaves missing,
 * unnumbered plates inserted, blank and chapter-opening pages that print no number, roman front
 * matter, numbers not read, and numbers garbled by OCR confusions, by a seeded generator.
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const vdSbb = path.resolve(repoRoot, '../shared/eval/vd-sbb');
const present = existsSync(vdSbb);
if (!present) console.warn(`[stage-label] ${vdSbb} is absent: the page-number tests on real readings are skipped.`);

interface RealReading {
  image: number;
  printed: string;
}

/** The page-number regions of a work's PAGE-XML truth pages, by image number (regions nested in others included). */
function realReadings(work: string): RealReading[] {
  const folder = path.join(vdSbb, work);
  const out: RealReading[] = [];
  for (const file of readdirSync(folder).filter((name) => /^OCR-D-GT-PAGE_\d+\.xml$/.test(name))) {
    const xml = readFileSync(path.join(folder, file), 'utf8');
    const image = Number(/_(\d+)\.xml$/.exec(file)?.[1]);
    const region = /<(?:pc:)?TextRegion\b[^>]*type="page-number"[^>]*>([\s\S]*?)<\/(?:pc:)?TextRegion>/.exec(xml);
    // The region's own TextEquiv comes after its lines' ones.
    const text = [...(region?.[1] ?? '').matchAll(/<(?:pc:)?Unicode>([^<]*)<\/(?:pc:)?Unicode>/g)].at(-1)?.[1]?.trim();
    if (text && /^\d+$/.test(text)) out.push({ image, printed: text });
  }
  return out.sort((a, b) => a.image - b.image);
}

interface ScanPage {
  /** The number the page carries in the book (null for a plate), whether printed on it or not. */
  truth: string | null;
  /** Whether the number is printed on the page (a chapter opening or a blank page prints none). */
  printsNumber: boolean;
  reading: string | null;
  confidence: number;
  garbled: boolean;
}

const CONFUSIONS: Record<string, string[]> = {
  '0': ['8', '6'],
  '1': ['7', '4'],
  '3': ['8', '5'],
  '5': ['9', '6', '3'],
  '6': ['5', '8'],
  '8': ['3', '0'],
  '9': ['5'],
};
const ROMAN = ['i', 'ii', 'iii', 'iv', 'v', 'vi', 'vii', 'viii', 'ix', 'x', 'xi', 'xii'];

/** A wrong reading of `text`: a confused digit, a dropped or added digit, or another number altogether. */
function garble(text: string, rand: () => number): string {
  const kind = rand();
  const at = Math.floor(rand() * text.length);
  const digit = text[at] as string;
  const swaps = CONFUSIONS[digit];
  let out = text;
  if (kind < 0.45 && swaps) out = text.slice(0, at) + swaps[Math.floor(rand() * swaps.length)] + text.slice(at + 1);
  else if (kind < 0.6 && text.length > 1) out = text.slice(0, at) + text.slice(at + 1);
  else if (kind < 0.75) out = text.slice(0, at) + String(1 + Math.floor(rand() * 9)) + text.slice(at);
  else out = String(1 + Math.floor(rand() * 400));
  return out === text || out.startsWith('0') ? String(Number(text) + 10 + Math.floor(rand() * 90)) : out;
}

/**
 * A book around one work's real readings: roman front matter sometimes, then the work's own numbers
 * (a foliated work stays foliated: a number on rectos only) continued before and after, with the
 * damage of a real scan.
 */
function buildBook(real: RealReading[], seed: number): ScanPage[] {
  const rand = seededRandom(seed);
  const pages: ScanPage[] = [];
  const push = (truth: string | null, printsNumber: boolean) => {
    let reading: string | null = null;
    let garbled = false;
    if (printsNumber && truth !== null && rand() > 0.08) {
      garbled = /^\d+$/.test(truth) && rand() < 0.12;
      reading = garbled ? garble(truth, rand) : truth;
    }
    // A misread can look as clear as a good reading: confidence says little about which is which.
    pages.push({ truth, printsNumber, reading, confidence: 0.55 + rand() * 0.4, garbled });
  };
  if (rand() < 0.35) {
    const front = 4 + Math.floor(rand() * 8);
    for (let k = 0; k < front; k += 1) push(ROMAN[k] as string, k >= 3 && rand() > 0.2);
  }
  const foliated = real.length >= 2 && (real[1] as RealReading).image - (real[0] as RealReading).image === 2;
  const first = Number((real[0] as RealReading).printed);
  const start = Math.max(1, first - Math.floor(rand() * 25));
  const end = Number((real.at(-1) as RealReading).printed) + 10 + Math.floor(rand() * 50);
  const realValues = new Set(real.map((r) => Number(r.printed)));
  for (let value = start; value <= end; value += 1) {
    // The work's real pages are kept as they are; the damage goes around them.
    if (!realValues.has(value)) {
      const event = rand();
      if (event < 0.04) {
        value += rand() < 0.8 ? 1 : 0; // a lost leaf: two pages (rarely a single page the scanner skipped)
        continue;
      }
      if (event < 0.07) {
        push(null, false);
        push(null, false); // a plate: front and blank back, no number
      }
    }
    const unprinted = !realValues.has(value) && rand() < 0.07; // a chapter opening or a blank page
    push(String(value), !unprinted);
    if (foliated) push(null, false); // the verso of a leaf
  }
  return pages;
}

function toReadings(pages: ScanPage[]): PageNumberReading[] {
  return pages.map((page, index) => ({
    pageIndex: index + 1,
    printed: page.reading,
    style: page.reading === null ? 'none' : /\d/.test(page.reading) ? 'arabic' : 'roman',
    confidence: page.confidence,
  }));
}

const WORKS = present ? readdirSync(vdSbb).filter((name) => existsSync(path.join(vdSbb, name, 'mets.xml'))) : [];
const SEQUENCES = 400;
const MIN_CLEAR = 0.7;

describe.skipIf(!present)('reconcilePageNumbers on sequences built from real readings (../shared/eval/vd-sbb)', () => {
  const books = Array.from({ length: SEQUENCES }, (_, seed) => {
    const work = WORKS[seed % WORKS.length] as string;
    const pages = buildBook(realReadings(work), seed + 1);
    return { work, seed, pages, result: reconcilePageNumbers(toReadings(pages)) };
  });

  it('reads the real page numbers of every work', () => {
    expect(WORKS.length).toBeGreaterThanOrEqual(5);
    for (const work of WORKS) expect(realReadings(work).length, work).toBeGreaterThanOrEqual(2);
  });

  it('never overrides a clear correct reading that a clear correct neighbour confirms', () => {
    const overridden: string[] = [];
    let checked = 0;
    for (const { work, seed, pages, result } of books) {
      const clear = pages.map((page, index) => ({ page, index })).filter(({ page }) => page.reading !== null && page.confidence >= MIN_CLEAR);
      clear.forEach(({ page, index }, k) => {
        if (page.garbled) return;
        const confirms = [clear[k - 1], clear[k + 1]].some((other) => {
          if (!other || other.page.garbled || !/^\d+$/.test(other.page.reading ?? '') !== !/^\d+$/.test(page.reading ?? '')) return false;
          const numbers = Math.abs(value(other.page.reading) - value(page.reading));
          const between = pages.slice(Math.min(index, other.index) + 1, Math.max(index, other.index));
          // Same offset, or only unread pages between and fewer numbers than pages (plates).
          return (
            numbers === Math.abs(other.index - index) || (numbers >= 1 && numbers < Math.abs(other.index - index) && between.every((p) => p.reading === null))
          );
        });
        if (!confirms) return;
        checked += 1;
        if (result[index]?.printedPageNumber !== page.reading)
          overridden.push(`${work} seed ${seed} page ${index + 1}: ${page.reading} -> ${result[index]?.printedPageNumber}`);
      });
    }
    expect(checked).toBeGreaterThan(5000);
    expect(overridden).toEqual([]);
  });

  it('fixes a misread between two correct neighbours', () => {
    const left: string[] = [];
    let checked = 0;
    for (const { work, seed, pages, result } of books) {
      pages.forEach((page, index) => {
        const before = pages[index - 1];
        const after = pages[index + 1];
        if (!page.garbled || !before || !after || before.garbled || after.garbled || before.reading === null || after.reading === null) return;
        if (before.confidence < MIN_CLEAR || after.confidence < MIN_CLEAR) return;
        if (value(after.reading) - value(before.reading) !== 2 || value(page.truth) - value(before.reading) !== 1) return;
        checked += 1;
        if (result[index]?.printedPageNumber !== page.truth)
          left.push(`${work} seed ${seed} page ${index + 1}: read ${page.reading}, truth ${page.truth}, got ${result[index]?.printedPageNumber}`);
      });
    }
    expect(checked).toBeGreaterThan(200);
    expect(left).toEqual([]);
  });

  it('gets the printed number right on at least 95% of the pages that print one (12% garbled, 8% unread)', () => {
    let printed = 0;
    let right = 0;
    for (const { pages, result } of books) {
      pages.forEach((page, index) => {
        if (!page.printsNumber) return;
        printed += 1;
        if (result[index]?.printedPageNumber === page.truth) right += 1;
      });
    }
    expect(right / printed).toBeGreaterThanOrEqual(0.95);
  });

  it('gives every number it did not read a reason', () => {
    for (const { result } of books) for (const page of result) if (page.inferred) expect(page.reason).toBeTruthy();
  });
});

function value(text: string | null): number {
  return Number(text);
}

describe('reconcilePageNumbers across gaps (issue 13)', () => {
  const arabic = (printed: Array<string | null>): PageNumberReading[] =>
    printed.map((text, index) => ({ pageIndex: index + 1, printed: text, style: text === null ? 'none' : 'arabic', confidence: 0.9 }));

  it('keeps correct readings after missing leaves instead of renumbering them one per scan page (36, 39, 40 stay)', () => {
    // A 57-page book: leaves lost after 36 and after 52, an unread chapter opening at 44.
    const truth = [
      ...Array.from({ length: 36 }, (_, k) => String(k + 1)),
      ...Array.from({ length: 14 }, (_, k) => String(k + 39)),
      ...Array.from({ length: 7 }, (_, k) => String(k + 55)),
    ];
    const read: Array<string | null> = truth.map((number, index) => (index < 3 || number === '44' ? null : number));
    const result = reconcilePageNumbers(arabic(read));
    expect(result.map((page) => page.printedPageNumber)).toEqual(truth);
    expect(result.filter((page) => page.printed !== null).every((page) => !page.inferred)).toBe(true);
    expect(result[35]).toMatchObject({ printedPageNumber: '36', inferred: false });
    expect(result[36]).toMatchObject({ printedPageNumber: '39', inferred: false });
    expect(result[37]).toMatchObject({ printedPageNumber: '40', inferred: false });
  });

  it('corrects "20" for 30, "13" for 188 and "529" for 329 between correct neighbours, and says from what', () => {
    const fix = (printed: string[]) => reconcilePageNumbers(arabic(printed));
    expect(fix(['28', '29', '20', '31', '32']).map((page) => page.printedPageNumber)).toEqual(['28', '29', '30', '31', '32']);
    const result = fix(['186', '187', '13', '189']);
    expect(result[2]).toMatchObject({ printedPageNumber: '188', inferred: true });
    expect(result[2]?.reason).toBe('read "13", corrected to 188: inside the arabic run between 187 (page 2) and 189 (page 4)');
    expect(fix(['327', '328', '529', '330']).map((page) => page.printedPageNumber)).toEqual(['327', '328', '329', '330']);
  });

  it('corrects a misread just before a gap from the run it ends, and keeps the readings after the gap', () => {
    expect(reconcilePageNumbers(arabic(['27', '28', '29', '20', '33', '34'])).map((page) => page.printedPageNumber)).toEqual([
      '27',
      '28',
      '29',
      '30',
      '33',
      '34',
    ]);
  });

  it("leaves unnumbered plates and a foliated book's versos unnumbered", () => {
    expect(reconcilePageNumbers(arabic(['50', null, '51', null, '52', null])).map((page) => page.printedPageNumber)).toEqual([
      '50',
      null,
      '51',
      null,
      '52',
      null,
    ]);
    const plates = reconcilePageNumbers(arabic(['11', '12', null, null, '13', '14']));
    expect(plates.map((page) => page.printedPageNumber)).toEqual(['11', '12', null, null, '13', '14']);
    expect(plates[2]?.reason).toMatch(/^unnumbered: 0 number\(s\) for 2 page\(s\) between 12 \(page 2\) and 13 \(page 5\)/);
  });

  it('keeps a scanned-twice page (double reading) and a restart of the numbering', () => {
    expect(reconcilePageNumbers(arabic(['11', '12', '12', '13'])).map((page) => page.printedPageNumber)).toEqual(['11', '12', '12', '13']);
    expect(reconcilePageNumbers(arabic(['98', '99', '100', null, null, '2', '3'])).map((page) => page.printedPageNumber)).toEqual([
      '98',
      '99',
      '100',
      '101',
      '1',
      '2',
      '3',
    ]);
  });

  it('does not trust a reading below the clear confidence that disagrees with its run', () => {
    const readings = arabic(['40', '41', '47', '43']);
    (readings[2] as PageNumberReading).confidence = 0.5;
    expect(reconcilePageNumbers(readings)[2]).toMatchObject({ printedPageNumber: '42', inferred: true });
  });
});
