import { editDistance } from '@bookpipe/text';
import { describe, expect, it } from 'vitest';
import { bodyCer, cer, normalizeText, wordRecall } from './text-compare.js';

describe('text comparison for OCR tests', () => {
  it('normalises quotes, dashes, ligatures, long s, line-end hyphens and whitespace', () => {
    expect(normalizeText('\u201cIt\u2019s\u201d \ufb01ne \u2014 ſo\nin-\nvestigate  it')).toBe('"It\'s" fine - so investigate it');
    // A hyphen before a capital or a number is kept: "Anglo-\nSaxon" stays hyphenated.
    expect(normalizeText('Anglo-\nSaxon')).toBe('Anglo- Saxon');
  });

  it('counts edits', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(cer('abcd', 'abxd')).toBe(0.25);
  });

  it('scores body text without charging for a header and page number the truth leaves out', () => {
    const truth = 'It was a dark and stormy night.';
    const ocr = 'CHAPTER ONE 12\nIt was a dark and stormy nigbt.\n13';
    expect(bodyCer(truth, ocr)).toBeCloseTo(1 / truth.length, 6);
    expect(cer(truth, ocr)).toBeGreaterThan(0.3);
  });

  it('measures word agreement in any order', () => {
    expect(wordRecall('the cat sat on the mat', 'on the mat the cat sat')).toBe(1);
    expect(wordRecall('the cat sat on the mat', 'the mat')).toBeCloseTo(2 / 6, 6);
    expect(wordRecall('a b', '')).toBe(0);
  });
});
