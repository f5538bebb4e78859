import { describe, expect, it } from 'vitest';
import { checkAnswerCheckOptions, checkParagraphAnswer } from './answer-check.js';

const given = 'It was the best of times, it was the worst of times, it was the age of wisdom, it was tbe age of foolishness.';

describe('checkParagraphAnswer', () => {
  it('accepts "unchanged" (null), the same text, and a few misread letters fixed', () => {
    expect(checkParagraphAnswer(given, null)).toBeUndefined();
    expect(checkParagraphAnswer(given, `  ${given}\n`)).toBeUndefined();
    expect(checkParagraphAnswer(given, given.replace('tbe', 'the'))).toBeUndefined();
  });

  it('refuses an emptied paragraph as "empty"', () => {
    expect(checkParagraphAnswer(given, '')).toMatchObject({ reason: 'empty', detail: `emptied a paragraph of ${given.length} characters` });
    expect(checkParagraphAnswer(given, ' \n ')).toMatchObject({ reason: 'empty' });
  });

  it('refuses a rewrite, or one placeholder character, as "too_many_changes", with the measure', () => {
    const rewrite = 'It was a period of great contrasts, both of wisdom and of foolishness, as all ages are.';
    expect(checkParagraphAnswer(given, rewrite)).toMatchObject({
      reason: 'too_many_changes',
      detail: expect.stringMatching(/^changed \d+ of 109 characters \(\d+%; at most 16, 15%, allowed\)$/),
    });
    expect(checkParagraphAnswer(given, 'x')).toMatchObject({ reason: 'too_many_changes' });
  });

  it('lets a short paragraph change a few characters (minChangeAllowed), not more', () => {
    expect(checkParagraphAnswer('CHAPTEE I', 'CHAPTER I')).toBeUndefined();
    expect(checkParagraphAnswer('Tbe', 'The')).toBeUndefined();
    expect(checkParagraphAnswer('Tbe end', 'The beginning')).toMatchObject({ reason: 'too_many_changes' });
    expect(checkParagraphAnswer('Tbe', 'The', { minChangeAllowed: 0 })).toMatchObject({ reason: 'too_many_changes' });
  });

  it('follows maxChangeShare at the boundary: 15% of 100 characters is 15 edits', () => {
    const hundred = 'a'.repeat(100);
    expect(checkParagraphAnswer(hundred, `${'b'.repeat(15)}${'a'.repeat(85)}`)).toBeUndefined();
    expect(checkParagraphAnswer(hundred, `${'b'.repeat(16)}${'a'.repeat(84)}`)).toMatchObject({ reason: 'too_many_changes' });
    expect(checkParagraphAnswer(hundred, `${'b'.repeat(16)}${'a'.repeat(84)}`, { maxChangeShare: 0.2 })).toBeUndefined();
  });

  it('options are checked with the value in the message', () => {
    expect(() => checkAnswerCheckOptions('correction', { maxChangeShare: 0 })).toThrow(/maxChangeShare.*got 0/);
    expect(() => checkAnswerCheckOptions('correction', { maxChangeShare: 1.5 })).toThrow(/got 1.5/);
    expect(() => checkAnswerCheckOptions('correction', { minChangeAllowed: -1 })).toThrow(/minChangeAllowed.*got -1/);
    expect(() => checkAnswerCheckOptions('correction', { maxChangeShare: 0.3, minChangeAllowed: 5 })).not.toThrow();
  });
});
