import { describe, expect, it } from 'vitest';
import { editDistance, similarity } from './index.js';

describe('editDistance', () => {
  it('counts insertions, deletions and substitutions', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('campaign', 'campaign')).toBe(0);
    expect(editDistance('cam- paign', 'campaign')).toBe(2);
  });
});

describe('similarity', () => {
  it('is 1 minus the distance over the longer length', () => {
    expect(similarity('', '')).toBe(1);
    expect(similarity('abcd', 'abcd')).toBe(1);
    expect(similarity('abcd', 'abce')).toBe(0.75);
    expect(similarity('abc', '')).toBe(0);
  });
});
