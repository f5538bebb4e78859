import { describe, expect, it } from 'vitest';
import { type PageNumberReading, reconcilePageNumbers } from './index.js';

/** Readings for consecutive pages from index 1; null = no number read on that page. */
function readings(printed: Array<string | null>): PageNumberReading[] {
  return printed.map((text, index) => ({
    pageIndex: index + 1,
    printed: text,
    style: text === null ? 'none' : /\d/.test(text) ? 'arabic' : 'roman',
    confidence: 0.8,
  }));
}

const numbers = (printed: Array<string | null>) => reconcilePageNumbers(readings(printed)).map((page) => page.printedPageNumber);

describe('reconcilePageNumbers', () => {
  it('leaves a clean sequence alone', () => {
    const result = reconcilePageNumbers(readings(['1', '2', '3', '4']));
    expect(result.map((page) => [page.printedPageNumber, page.inferred])).toEqual([
      ['1', false],
      ['2', false],
      ['3', false],
      ['4', false],
    ]);
  });

  it('corrects a duplicate and OCR digit confusions from the neighbours, and says so', () => {
    const result = reconcilePageNumbers(readings(['11', '12', '12', '19', '15', '16', 'l7', '10', '19', '20', '21', '22']));
    expect(result.map((page) => page.printedPageNumber)).toEqual(['11', '12', '13', '14', '15', '16', '17', '18', '19', '20', '21', '22']);
    expect(result.filter((page) => page.inferred).map((page) => page.pageIndex)).toEqual([3, 4, 7, 8]);
    expect(result[2]?.reason).toBe('read "12", corrected to 13: inside the arabic run between 12 (page 2) and 15 (page 5)');
  });

  it('corrects a misread that no known confusion explains when three pages in four agree', () => {
    expect(numbers(['53', '54', '113', '56'])).toEqual(['53', '54', '55', '56']);
  });

  it('corrects two misreads in a row that agree with each other between two clear readings (erobdefoa: 6, "2", "3", 9)', () => {
    const result = reconcilePageNumbers(readings(['6', '2', '3', '9']).map((reading) => ({ ...reading, confidence: reading.printed === '3' ? 0.6 : 0.9 })));
    expect(result.map((page) => page.printedPageNumber)).toEqual(['6', '7', '8', '9']);
    // A pair that a reading beyond confirms is the run, and the two around it are the misreads.
    expect(numbers(['18', null, '200', '201', '22', '203']).slice(1)).toEqual(['199', '200', '201', '202', '203']);
  });

  it('fills unnumbered chapter openings and blank pages inside a run', () => {
    const result = reconcilePageNumbers(readings(['40', '41', null, null, '44', '45', null, '47']));
    expect(result.map((page) => page.printedPageNumber)).toEqual(['40', '41', '42', '43', '44', '45', '46', '47']);
    expect(result[2]).toMatchObject({
      inferred: true,
      numberingStyle: 'arabic',
      reason: 'no number read: inside the arabic run between 41 (page 2) and 44 (page 5)',
    });
  });

  it('numbers roman front matter then an arabic body, each from its own run', () => {
    const printed = [
      null,
      null,
      null,
      null, // title, copyright, dedication, blank: i-iv, unprinted
      'v',
      'vi',
      'vil',
      'viii', // preface, "vii" misread with an l
      null, // a blank page ending the front matter: ix
      null, // first chapter opening: 1, unprinted
      '2',
      '3',
      '3',
      '5',
      '6',
      '1',
      null,
      '9',
      '10',
      'l1',
      '12',
      '18',
      '14',
    ];
    const result = reconcilePageNumbers(readings(printed));
    expect(result.map((page) => page.printedPageNumber)).toEqual([
      'i',
      'ii',
      'iii',
      'iv',
      'v',
      'vi',
      'vii',
      'viii',
      'ix',
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
      '7',
      '8',
      '9',
      '10',
      '11',
      '12',
      '13',
      '14',
    ]);
    expect(result.map((page) => page.numberingStyle)).toEqual([...Array(9).fill('roman'), ...Array(14).fill('arabic')]);
    expect(result.filter((page) => !page.inferred).map((page) => page.printed)).toEqual(['v', 'vi', 'viii', '2', '3', '5', '6', '9', '10', '12', '14']);
  });

  it('keeps the case of roman numerals and reads y as v', () => {
    expect(numbers(['XII', 'XIII', 'XIY', 'XV'])).toEqual(['XII', 'XIII', 'XIV', 'XV']);
  });

  it('numbers the unread pages next to a lone clear reading, and keeps a stray number out of any run', () => {
    // A short scan whose other page numbers were read as glyphs (vd-sbb herbdulc: "g4", -, 56, "y").
    const lone = reconcilePageNumbers(readings([null, null, null, '7', null, null, null]));
    expect(lone.map((page) => page.printedPageNumber)).toEqual([null, '5', '6', '7', '8', '9', null]);
    expect(lone[2]).toMatchObject({ inferred: true, reason: 'no number read: before 7 (page 4), the only clear reading near it' });
    const result = reconcilePageNumbers(readings(['114', null, null, null, '20', '21', '22']));
    expect(result[0]).toMatchObject({ printedPageNumber: '114', inferred: false, reason: 'outside any consistent run of page numbers: kept as read' });
  });

  it('corrects an unsure reading next to a lone clear one through a known confusion, and a 5 read as 8 before a run', () => {
    // vd-sbb herbdulc as read: "g4" repaired to 94 (0.68), nothing, 56, a glyph; truth 54, 55, 56, 57.
    for (const first of ['94', 'g4']) {
      const herbdulc = readings([first, null, '56', null]);
      (herbdulc[0] as PageNumberReading).confidence = 0.68;
      expect(reconcilePageNumbers(herbdulc).map((page) => page.printedPageNumber)).toEqual(['54', '55', '56', '57']);
    }
    // Two clear readings that disagree (a lost leaf, or a misread?) stay as read, their neighbours unnumbered.
    expect(numbers(['12', '15', null, null])).toEqual(['12', '15', null, null]);
    // vd-sbb baurodwe as read: 83, 54, 55, 56 (truth 53).
    expect(numbers(['83', '54', '55', '56'])).toEqual(['53', '54', '55', '56']);
  });

  it('goes on over an unsure roman reading after an arabic run (a glyph read as "m")', () => {
    const read = readings(['70', '71', '72', 'm']);
    Object.assign(read[3] as PageNumberReading, { style: 'roman', confidence: 0.54 });
    const result = reconcilePageNumbers(read);
    expect(result[3]).toMatchObject({ printedPageNumber: '73', numberingStyle: 'arabic', inferred: true });
    // A clear roman reading is front matter, not a glyph: left to its own style.
    Object.assign(read[3] as PageNumberReading, { confidence: 0.9 });
    expect(reconcilePageNumbers(read)[3]?.printedPageNumber).toBe('m');
  });

  it('drops a lone four-digit number no neighbour confirms (a year on a title page), but keeps four-digit folios in a run', () => {
    const result = reconcilePageNumbers(readings(['1923', null, null, null, '20', '21', '22']));
    expect(result[0]).toMatchObject({ printedPageNumber: null, numberingStyle: 'none', inferred: false });
    expect(result[0]?.reason).toMatch(/year/);
    expect(numbers(['1002', '1003', null, '1005'])).toEqual(['1002', '1003', '1004', '1005']);
  });

  it('starts a new run after uncounted plates instead of repeating numbers on them', () => {
    const printed = ['1', '2', '3', '4', '5', null, null, '6', '7', '8', '9'];
    expect(numbers(printed)).toEqual(['1', '2', '3', '4', '5', null, null, '6', '7', '8', '9']);
  });

  it('does not invent numbers far past the last read one', () => {
    expect(numbers(['98', '99', '100', null, null, null, null])).toEqual(['98', '99', '100', '101', '102', null, null]);
  });

  it('fills an unread page inside a run, but extends a run only through consecutive pages', () => {
    const given: PageNumberReading[] = [9, 10, 11, 18, 19, 21, 22].map((pageIndex) => ({
      pageIndex,
      printed: pageIndex >= 18 ? String(pageIndex - 8) : null,
      style: pageIndex >= 18 ? 'arabic' : 'none',
      confidence: 0.8,
    }));
    given[5] = { ...(given[5] as PageNumberReading), printed: null, style: 'none' };
    expect(reconcilePageNumbers(given).map((page) => page.printedPageNumber)).toEqual([null, null, null, '10', '11', '13', '14']);
  });

  it('works on pages given out of order and keeps their fields', () => {
    const shuffled = readings(['5', '6', null, '8']).reverse();
    const result = reconcilePageNumbers(shuffled);
    expect(result.map((page) => [page.pageIndex, page.printedPageNumber])).toEqual([
      [1, '5'],
      [2, '6'],
      [3, '7'],
      [4, '8'],
    ]);
    expect(result[2]).toMatchObject({ printed: null, style: 'none', confidence: 0.8 });
  });
});
