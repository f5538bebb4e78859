import { describe, expect, it } from 'vitest';
import { applyEdits } from './paragraph-edits.js';

describe('applyEdits', () => {
  const given = 'Tbe modem world began in l9l4, when tbe war came.';

  it('applies each edit at the one place its find occurs, against the given text whatever the order', () => {
    const result = applyEdits(given, [
      { find: 'l9l4', replace: '1914' },
      { find: 'Tbe', replace: 'The' },
      { find: 'modem', replace: 'modern' },
      { find: 'when tbe', replace: 'when the' },
    ]);
    expect(result).toEqual({ text: 'The modern world began in 1914, when the war came.', applied: 4, rejected: [] });
  });

  it('no edits, or edits that change nothing, leave the text as given', () => {
    expect(applyEdits(given, [])).toEqual({ text: given, applied: 0, rejected: [] });
    expect(applyEdits(given, [{ find: 'war', replace: 'war' }])).toEqual({ text: given, applied: 0, rejected: [] });
  });

  it('refuses, with a named reason, an edit it cannot place for certain, and still applies the others', () => {
    const result = applyEdits(given, [
      { find: 'tbe', replace: 'the' }, // once only: "Tbe" differs in case
      { find: 'e', replace: 'E' },
      { find: 'modern', replace: 'modem' },
      { find: '', replace: 'x' },
      { find: 'the war', replace: 'a war' },
      { find: 'tbe war', replace: 'the war' },
    ]);
    expect(result.rejected.map((r) => r.reason)).toEqual(['ambiguous', 'not_found', 'empty_find', 'not_found', 'overlap']);
    expect(result.rejected[0]!.detail).toBe('"e" occurs more than once; quote more of its words');
    expect(result.text).toBe('Tbe modem world began in l9l4, when the war came.');
    expect(result.applied).toBe(1);
  });

  it('counts overlapping occurrences as ambiguous, and reads whitespace runs in a find as one space', () => {
    expect(applyEdits('aaa b', [{ find: 'aa', replace: 'a' }]).rejected.map((r) => r.reason)).toEqual(['ambiguous']);
    expect(applyEdits('one two three', [{ find: 'two\nthree', replace: 'two  3' }]).text).toBe('one two 3');
  });

  it('deleting a word leaves single spaces; deleting everything leaves "" for the answer check to refuse', () => {
    expect(applyEdits('a stray | mark', [{ find: '| ', replace: '' }]).text).toBe('a stray mark');
    expect(applyEdits('a stray mark', [{ find: 'stray', replace: '' }]).text).toBe('a mark');
    expect(applyEdits('All of it.', [{ find: 'All of it.', replace: '' }]).text).toBe('');
  });
});
