import { describe, expect, it } from 'vitest';
import { findYears, parseRomanYear } from './roman-year.js';

describe('roman numeral years', () => {
  it('reads subtractive and additive forms, with dots and in lower case', () => {
    expect(parseRomanYear('MDCCCXCII')).toBe(1892);
    expect(parseRomanYear('MDCCCLXXXX')).toBe(1890);
    expect(parseRomanYear('MDCCCIIII')).toBe(1804);
    expect(parseRomanYear('M.DCC.LXXVI')).toBe(1776);
    expect(parseRomanYear('mdcccxcii')).toBe(1892);
    expect(parseRomanYear('MCMXXIII')).toBe(1923);
  });
  it('refuses malformed numerals and numbers under 1000 (chapter numbers)', () => {
    expect(parseRomanYear('MDCCCCCC')).toBeNull();
    expect(parseRomanYear('XLII')).toBeNull();
    expect(parseRomanYear('MIM')).toBeNull();
    expect(parseRomanYear('CIVIL')).toBeNull();
  });
});

describe('findYears', () => {
  it('finds digit and roman years in an imprint line', () => {
    expect(findYears('LONDON: SMITH, ELDER & CO. MDCCCXCII.').map((y) => y.year)).toEqual([1892]);
    expect(findYears('Entered according to Act of Congress, in year 1892, by').map((y) => y.year)).toEqual([1892]);
  });
  it('ignores "M.D.", page counts, and years after the latest', () => {
    expect(findYears('JOHN SMITH, M.D., F.R.S.')).toEqual([]);
    expect(findYears('pp. 1234 and 12345')).toEqual([]);
    expect(findYears('in 1300 and 2090', 2027)).toEqual([]);
  });
});
