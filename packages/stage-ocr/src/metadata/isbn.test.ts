import { describe, expect, it } from 'vitest';
import { findIsbns, isValidIsbn10, isValidIsbn13, normaliseIsbn } from './isbn.js';

describe('ISBN check digits', () => {
  it('accepts published ISBN-10s, X check digit included, and rejects a changed digit', () => {
    expect(isValidIsbn10('0306406152')).toBe(true);
    expect(isValidIsbn10('080442957X')).toBe(true);
    expect(isValidIsbn10('0306406153')).toBe(false);
    expect(isValidIsbn10('0306406125')).toBe(false); // two digits swapped
  });
  it('accepts published ISBN-13s and rejects a changed digit or a prefix other than 978/979', () => {
    expect(isValidIsbn13('9780306406157')).toBe(true);
    expect(isValidIsbn13('9791090636071')).toBe(true);
    expect(isValidIsbn13('9780306406158')).toBe(false);
    expect(isValidIsbn13('9770306406156')).toBe(false);
  });
  it('normalises hyphens and spaces', () => {
    expect(normaliseIsbn('978-0-306-40615-7')).toBe('9780306406157');
    expect(normaliseIsbn('0 8044 2957 x')).toBe('080442957X');
    expect(normaliseIsbn('978-0-306-40615-8')).toBeNull();
  });
});

describe('findIsbns', () => {
  it('finds labelled ISBNs of both lengths, mapping OCR letters back to digits after the label', () => {
    expect(findIsbns('ISBN 0-306-40615-2 (cloth)')).toEqual([{ isbn: '0306406152', labelled: true }]);
    expect(findIsbns('ISBN-13: 978-0-306-4O615-7')).toEqual([{ isbn: '9780306406157', labelled: true }]);
  });
  it('takes a bare 978 run but not a bare 10-digit run, nor a run with a wrong check digit', () => {
    expect(findIsbns('Printed 9780306406157 in England')).toEqual([{ isbn: '9780306406157', labelled: false }]);
    expect(findIsbns('Catalogue no. 0306406152')).toEqual([]);
    expect(findIsbns('ISBN 0-306-40615-3')).toEqual([]);
    expect(findIsbns('Telephone 0123456789 or 9780306406158')).toEqual([]);
  });
});
