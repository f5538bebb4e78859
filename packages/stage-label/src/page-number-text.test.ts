import { describe, expect, it } from 'vitest';
import { arabicInterpretations, parseRoman, romanInterpretations, toRoman } from './index.js';
import { numberAtEdge, numberOnly } from './page-numbers.js';

describe('roman numerals', () => {
  it('round-trips canonical numerals and refuses the rest', () => {
    for (const value of [1, 4, 9, 14, 40, 49, 90, 399, 1994]) expect(parseRoman(toRoman(value))).toBe(value);
    expect(parseRoman('XIV')).toBe(14);
    expect(parseRoman('iiii')).toBeNull();
    expect(parseRoman('vx')).toBeNull();
    expect(parseRoman('viiii')).toBeNull();
  });

  it('offers the readings an OCR confusion may hide', () => {
    expect(romanInterpretations('vil').map((reading) => reading.value)).toContain(7);
    expect(romanInterpretations('xiy')[0]).toEqual({ value: 14, weight: 0.75 });
    expect(romanInterpretations('page')).toEqual([]);
  });
});

describe('arabic page numbers', () => {
  it('reads clean numbers at full weight, repaired ones lower, confusions lower still', () => {
    expect(arabicInterpretations('17')[0]).toEqual({ value: 17, weight: 1 });
    expect(arabicInterpretations('l7')[0]).toEqual({ value: 17, weight: 0.75 });
    expect(arabicInterpretations('- 15 -')[0]).toEqual({ value: 15, weight: 1 });
    expect(arabicInterpretations('19')).toContainEqual({ value: 15, weight: 0.5 });
    expect(arabicInterpretations('lO')).toEqual([]);
    expect(arabicInterpretations('Chapter')).toEqual([]);
  });

  it('finds a number alone or at the edge of a running head', () => {
    expect(numberOnly('[ 24 ]')).toMatchObject({ text: '24', style: 'arabic' });
    expect(numberOnly('xiv')).toMatchObject({ text: 'xiv', style: 'roman' });
    expect(numberOnly('24 25')).toBeNull();
    expect(numberAtEdge('2 THE CHILD OF THE MOAT')).toMatchObject({ text: '2', style: 'arabic' });
    expect(numberAtEdge('PROGRESS AND DECLINE 3')).toMatchObject({ text: '3' });
    expect(numberAtEdge('viii PREFACE')).toMatchObject({ text: 'viii', style: 'roman' });
    expect(numberAtEdge('THE HORSES OF KING MANUS')).toBeNull();
  });
});
