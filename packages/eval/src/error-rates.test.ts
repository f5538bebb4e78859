import { distance } from 'fastest-levenshtein';
import { describe, expect, it } from 'vitest';
import { editCounts } from './edit-counts.js';
import { cer, totalErrorRate, wer } from './error-rates.js';
import { normalizeText } from './normalize-text.js';

describe('cer', () => {
  it('kitten -> sitting: 2 substitutions and 1 insertion over 6 characters', () => {
    expect(cer('kitten', 'sitting')).toMatchObject({
      edits: 3,
      substitutions: 2,
      deletions: 0,
      insertions: 1,
      referenceLength: 6,
      hypothesisLength: 7,
      rate: 0.5,
    });
  });

  it('counts deletions and insertions apart', () => {
    expect(cer('abcdef', 'abdef')).toMatchObject({ edits: 1, deletions: 1, insertions: 0, substitutions: 0 });
    expect(cer('abc', 'abxc')).toMatchObject({ edits: 1, insertions: 1, deletions: 0 });
    expect(cer('same text', 'same text').rate).toBe(0);
  });

  it('an empty reference counts as one token; an empty hypothesis deletes everything', () => {
    expect(cer('', '').rate).toBe(0);
    expect(cer('', 'ab')).toMatchObject({ edits: 2, rate: 2 });
    expect(cer('abcd', '')).toMatchObject({ edits: 4, deletions: 4, rate: 1 });
  });

  it('counts code points, not UTF-16 units: an astral character is one edit', () => {
    // U+1D49C MATHEMATICAL SCRIPT CAPITAL A is two UTF-16 units.
    expect(cer('a\u{1d49c}b', 'axb')).toMatchObject({ referenceLength: 3, edits: 1, substitutions: 1 });
  });

  it('raw keeps ligatures, long s and line-end hyphens as errors; normalized does not', () => {
    const truth = 'the first investigation was loſt';
    const ocr = 'the ﬁrst in-\nvestigation was lost';
    expect(cer(truth, ocr, { form: 'normalized' }).edits).toBe(0);
    const raw = cer(truth, ocr, { form: 'raw' });
    // "ﬁ" vs "fi" (1 sub + 1 ins), "in- vestigation" vs "investigation" (2 ins), "ſ" vs "s" (1 sub)
    expect(raw.edits).toBe(5);
  });

  it('normalized keeps a compound hyphen before a capital and joins NFD accents', () => {
    expect(normalizeText('Anglo-\nSaxon', 'normalized')).toBe('Anglo- Saxon');
    expect(normalizeText('cafe\u0301  au\tlait', 'raw')).toBe('caf\u00e9 au lait');
    expect(normalizeText('\u201cYes,\u201d he said \u2014 Bauren\u2e17Practica', 'normalized')).toBe('"Yes," he said - Bauren-Practica');
  });
});

describe('wer', () => {
  it('counts word edits: one substitution, one deletion in 6 words', () => {
    expect(wer('the cat sat on the mat', 'the cat sat in mat')).toMatchObject({ referenceLength: 6, edits: 2, substitutions: 1, deletions: 1, insertions: 0 });
  });

  it('punctuation and case belong to the word', () => {
    expect(wer('Hello, world.', 'hello, world')).toMatchObject({ edits: 2, substitutions: 2 });
  });

  it('works past 1000 distinct words (each word one code unit)', () => {
    const words = Array.from({ length: 3000 }, (_, i) => `w${i}`);
    const hyp = [...words];
    hyp[10] = 'changed';
    hyp.splice(2000, 1);
    expect(wer(words.join(' '), hyp.join(' '))).toMatchObject({ referenceLength: 3000, edits: 2, substitutions: 1, deletions: 1 });
  });
});

describe('overall rates', () => {
  it('total edits over total reference length, not the mean of page rates', () => {
    const short = cer('ab', 'xb'); // 1/2
    const long = cer('abcdefghij', 'abcdefghij'); // 0/10
    const total = totalErrorRate([short, long]);
    expect(total).toMatchObject({ edits: 1, referenceLength: 12 });
    expect(total.rate).toBeCloseTo(1 / 12);
  });
});

describe('editCounts', () => {
  it('agrees with fastest-levenshtein and its split adds up, on random strings', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const word = (n: number) => Array.from({ length: n }, () => 'abcde '[Math.floor(random() * 6)]!).join('');
    for (let i = 0; i < 200; i += 1) {
      const a = Array.from(word(Math.floor(random() * 40)));
      const b = Array.from(word(Math.floor(random() * 40)));
      const counts = editCounts(a, b);
      expect(counts.edits).toBe(distance(a.join(''), b.join('')));
      expect(counts.substitutions + counts.deletions + counts.insertions).toBe(counts.edits);
      // Every reference token is matched, substituted or deleted; every hypothesis token matched, substituted or inserted.
      expect(counts.referenceLength - counts.deletions).toBe(counts.hypothesisLength - counts.insertions);
      expect(counts.substitutions).toBeGreaterThanOrEqual(0);
    }
  });
});
