import { describe, expect, it } from 'vitest';
import { textVocabulary } from './text-vocabulary.js';

describe('textVocabulary', () => {
  it('counts each word across texts, lower case and without its outer punctuation', () => {
    const vocabulary = textVocabulary(['The cat, the CAT.', '  «cat» sat\non to-day’s mat', 'Cat']);
    expect(vocabulary.count('cat')).toBe(4);
    expect(vocabulary.count('The')).toBe(2);
    expect(vocabulary.count("to-day's")).toBe(1);
    expect(vocabulary.count('mat')).toBe(1);
    expect(vocabulary.count('dog')).toBe(0);
    // Leading whitespace and punctuation-only tokens are no words.
    expect(vocabulary.count('')).toBe(0);
  });
});
