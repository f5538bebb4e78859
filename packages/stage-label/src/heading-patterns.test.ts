import { describe, expect, it } from 'vitest';
import { afterDivisionLabel, divisionNumber, isDivisionLabel, isNamedDivision } from './heading-patterns.js';

describe('heading patterns', () => {
  it('knows the words books print over their divisions, with a number, in several languages', () => {
    for (const text of [
      'CHAPTER IV',
      'Chapter 12.',
      'CHAP. XI.',
      'BOOK THE SECOND',
      'Part One',
      'Kapitel 3',
      'Erstes Kapitel',
      'Capitolo II',
      'Chapitre premier',
      'LIBER II.',
      'Capítulo 7',
      'Erster Theil',
      'Das dritte Capitel',
      'CAPUT SECUNDUM',
      'LIBER PRIMUS',
      'SECTIO III.',
    ]) {
      expect(isDivisionLabel(text), text).toBe(true);
    }
    for (const text of ['Chapters of the past were', 'Partial answers', 'Book-keeping', 'The chapter 4', 'Parting words', '1923']) {
      expect(isDivisionLabel(text), text).toBe(false);
    }
    expect(isNamedDivision('PREFACE.')).toBe(true);
    expect(isNamedDivision('Vorrede')).toBe(true);
    expect(isNamedDivision('PRAEFATIO.')).toBe(true);
    expect(isNamedDivision('The preface')).toBe(false);
  });

  it('gives what follows the label on its line, to tell a page number from the chapter number', () => {
    expect(afterDivisionLabel('CHAPTER IV. THE RETURN 47')).toBe('THE RETURN 47');
    expect(afterDivisionLabel('CHAPTER II')).toBe('');
    expect(afterDivisionLabel('THE RETURN 47')).toBeNull();
  });

  it('reads the number of the division a line names, and none from a misread numeral', () => {
    expect(divisionNumber('SECTIO III.')).toBe('3');
    expect(divisionNumber('CHAPTER 3')).toBe('3');
    expect(divisionNumber('Chapter 012.')).toBe('12');
    expect(divisionNumber('Erstes Kapitel')).toBe('erstes');
    expect(divisionNumber('BOOK THE SECOND')).toBe('the second');
    expect(divisionNumber('SECTIO IIL')).toBeNull();
    expect(divisionNumber('IN OCTAVO. 199')).toBeNull();
  });
});
