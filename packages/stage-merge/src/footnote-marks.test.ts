import { describe, expect, it } from 'vitest';
import { findMarker, splitMarker } from './footnote-marks.js';

describe('splitMarker', () => {
  it.each([
    ['1 The distinction is older.', '1', 'The distinction is older.'],
    ['(2) See above.', '2', 'See above.'],
    ['3. Ibid.', '3', 'Ibid.'],
    ['* A star.', '*', 'A star.'],
    ['† A dagger.', '†', 'A dagger.'],
    ['¹ Superscript.', '¹', 'Superscript.'],
    ['! OCR read a superscript 1.', '!', 'OCR read a superscript 1.'],
    ['See the note above.', null, 'See the note above.'],
  ])('%s', (text, marker, rest) => {
    expect(splitMarker(text)).toEqual({ marker, rest });
  });
});

describe('findMarker', () => {
  it('finds a mark right after a word or punctuation, never inside a number or a word', () => {
    const text = 'In 1923 the book was left.1 Then 12 more words*';
    expect(findMarker(text, '1', 0, text.length)).toBe(text.indexOf('.1') + 1);
    expect(findMarker(text, '*', 0, text.length)).toBe(text.length - 1);
    expect(findMarker(text, '2', 0, text.length)).toBe(-1);
  });

  it('a mark that is also punctuation must follow punctuation', () => {
    const text = 'Oh! What a page. It was left.!';
    expect(findMarker(text, '!', 0, text.length)).toBe(text.length - 1);
  });

  it('looks only between from and to, and skips excluded positions', () => {
    const text = 'one* two* three*';
    expect(findMarker(text, '*', 5, text.length)).toBe(8);
    expect(findMarker(text, '*', 0, text.length, new Set([3]))).toBe(8);
    expect(findMarker(text, '*', 0, 4)).toBe(3);
  });
});
