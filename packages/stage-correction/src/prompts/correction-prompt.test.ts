import { describe, expect, it } from 'vitest';
import { bookLine, CORRECTION_SYSTEM_PROMPT, correctionRetryPrompt, correctionUserPrompt } from './correction-prompt.js';

describe('correction prompt', () => {
  it('carries worked examples of the usual OCR confusions', () => {
    for (const example of ['"modem" -> "modern"', '"fome" -> "ſome"', '"fiir" -> "für"', '"1ife" -> "life"', '"tlie" -> "the"']) {
      expect(CORRECTION_SYSTEM_PROMPT).toContain(example);
    }
  });

  it('names the book when metadata.json knows it, and nothing when it does not; old prints keep their spelling', () => {
    expect(bookLine({})).toBe('');
    expect(bookLine({ title: null, year: null })).toBe('');
    expect(bookLine({ title: 'Annotationes', year: 1620, language: 'de' })).toBe(
      'The book: "Annotationes", printed 1620, language: de. Its spelling and letter forms are of its time: keep them.\n',
    );
    expect(correctionUserPrompt('{"page":1}', { title: 'Stormy', author: 'A. Writer', year: 1901 })).toBe(
      'The book: "Stormy", by A. Writer, printed 1901.\nOCR of this page (the page image is attached):\n{"page":1}',
    );
  });

  it('the retry states each refused paragraph and why, after the page JSON line', () => {
    const text = correctionRetryPrompt('{"page":1}', {}, [
      { blockNum: 2, parNum: 1, reason: 'empty', detail: 'emptied a paragraph of 40 characters' },
      { blockNum: 3, parNum: 2, reason: 'too_many_changes', detail: 'changed 30 of 80 characters' },
    ]);
    expect(text.split('\n').slice(0, 2)).toEqual(['OCR of this page (the page image is attached):', '{"page":1}']);
    expect(text).toContain(
      '- block 2 paragraph 1: the edits emptied the paragraph (emptied a paragraph of 40 characters)\n- block 3 paragraph 2: too much was changed (changed 30 of 80 characters)',
    );
    expect(text).toMatch(/never an edit that deletes or rewrites a paragraph\. Each "find" must be copied exactly from the given text and occur in it once\.$/);
  });
});
