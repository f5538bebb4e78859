import { smallPage } from '@bookpipe/testkit';
import { dehyphenate, editDistance } from '@bookpipe/text';
import { describe, expect, it } from 'vitest';
import { answerRejections, buildCorrectionPage, correctionPromptJson, editRejections, flagSummary, prepareParagraphs } from './correction-page-builder.js';

const page = smallPage(
  3,
  [
    [
      ['The cam-', 'paign began.'],
      ['A well-', 'known tale.'],
    ],
    [['Tbe end.']],
  ],
  ['Tbe'],
);
const paragraphs = prepareParagraphs(page, dehyphenate(page));

describe('prepareParagraphs and correctionPromptJson', () => {
  it('pairs each OCR paragraph with its de-hyphenated text, in OCR order', () => {
    expect(paragraphs.map((p) => [p.blockNum, p.parNum, p.ocrText, p.text])).toEqual([
      [1, 1, 'The cam- paign began.', 'The campaign began.'],
      [1, 2, 'A well- known tale.', 'A well-known tale.'],
      [2, 1, 'Tbe end.', 'Tbe end.'],
    ]);
  });

  it('numbers blocks and paragraphs, boxes in thousandths, the doubtful words pointed out', () => {
    const json: { page: number; blocks: Array<{ blockNum: number; box: number[]; paragraphs: Array<{ parNum: number }> }> } = JSON.parse(
      correctionPromptJson(page, paragraphs),
    );
    expect(json.page).toBe(3);
    expect(json.blocks.map((b) => [b.blockNum, b.paragraphs.map((p) => p.parNum)])).toEqual([
      [1, [1, 2]],
      [2, [1]],
    ]);
    expect(json.blocks[0]!.box).toEqual([125, 42, 875, 125]); // x 200..1400 of 1600, y 100..300 of 2400
    expect(json.blocks[1]!.paragraphs[0]).toMatchObject({ text: 'Tbe end.', doubtfulWords: ['Tbe'], confidence: 0.85 });
  });
});

describe('buildCorrectionPage', () => {
  it('deterministic: the de-hyphenated text where it differs from OCR, null elsewhere, OCR confidence, real edit distance', () => {
    const { data, metrics } = buildCorrectionPage(3, paragraphs, null, new Date(0));
    expect(data.method).toBe('deterministic');
    expect(data.paragraphs.map((p) => p.text)).toEqual(['The campaign began.', 'A well-known tale.', null]);
    expect(data.paragraphs[0]!.notes).toMatch(/"cam-" \+ "paign" -> "campaign" \(joined/);
    expect(data.paragraphs[1]!.notes).toMatch(/hyphen kept/);
    expect(data.paragraphs.map((p) => p.confidence)).toEqual([0.85, 0.85, 0.85]);
    expect(data.totals).toEqual({ paragraphs: 3, corrected: 2, charactersChanged: 2 + 1 });
    expect(metrics).toMatchObject({ method: 'deterministic', corrections: 2, modelCorrections: 0, hyphensJoined: 1, hyphensKept: 1, charactersChanged: 3 });
  });

  it("similarity: the paragraphs' summed distance over the longer page text, equal to the whole-page distance when no text moves between paragraphs", () => {
    const { data, metrics } = buildCorrectionPage(3, paragraphs, null, new Date(0));
    const ocr = paragraphs.map((p) => p.ocrText).join('\n');
    const final = data.paragraphs.map((p, i) => p.text ?? paragraphs[i]!.ocrText).join('\n');
    expect(metrics.similarity).toBeCloseTo(1 - editDistance(ocr, final) / Math.max(ocr.length, final.length), 4);
    expect(metrics.similarity).toBeLessThan(1);
    const unchanged = prepareParagraphs(smallPage(4, [[['Nothing to join here.']]]), dehyphenate(smallPage(4, [[['Nothing to join here.']]])));
    expect(buildCorrectionPage(4, unchanged, null, new Date(0)).metrics.similarity).toBe(1);
  });

  it('llm: the model text where it changed one, its notes after the hyphen notes, its confidence; an answer repeating the text is no correction', () => {
    const answer = {
      blocks: [
        {
          blockNum: 1,
          paragraphs: [
            { parNum: 1, edits: [{ find: 'The campaign began.', replace: 'The campaign began.' }], notes: '', confidence: 0.9 },
            { parNum: 2, edits: [], notes: '', confidence: 0.95 },
          ],
        },
        { blockNum: 2, paragraphs: [{ parNum: 1, edits: [{ find: 'Tbe end.', replace: 'The\nend.' }], notes: 'b read as h', confidence: 0.7 }] },
      ],
    };
    const { data, metrics } = buildCorrectionPage(3, paragraphs, { answer, model: 'm' }, new Date(0));
    expect(data).toMatchObject({ method: 'llm', model: 'm' });
    expect(data.paragraphs.map((p) => p.text)).toEqual(['The campaign began.', 'A well-known tale.', 'The end.']);
    expect(data.paragraphs[2]).toMatchObject({ notes: 'b read as h', confidence: 0.7 });
    expect(metrics).toMatchObject({ corrections: 3, modelCorrections: 1, charactersChanged: 3 + editDistance('Tbe end.', 'The end.') });
    expect(metrics.avgConfidence).toBeCloseTo((0.9 + 0.95 + 0.7) / 3, 4);
  });

  it('keeps the OCR text of a paragraph the model emptied or rewrote, and flags the page with the reasons', () => {
    const answer = {
      blocks: [
        {
          blockNum: 1,
          paragraphs: [
            { parNum: 1, edits: [{ find: 'The campaign began.', replace: '' }], notes: '', confidence: 0.9 },
            {
              parNum: 2,
              edits: [{ find: 'A well-known tale.', replace: 'An entirely different story about something else.' }],
              notes: 'rewritten',
              confidence: 0.9,
            },
          ],
        },
        { blockNum: 2, paragraphs: [{ parNum: 1, edits: [{ find: 'Tbe', replace: 'The' }], notes: 'b read as h', confidence: 0.7 }] },
      ],
    };
    expect(answerRejections(paragraphs, answer).map((r) => [r.blockNum, r.parNum, r.reason])).toEqual([
      [1, 1, 'empty'],
      [1, 2, 'too_many_changes'],
    ]);
    const { data, metrics } = buildCorrectionPage(3, paragraphs, { answer, model: 'm' }, new Date(0));
    // The de-hyphenated text stays (it is no model text); the accepted fix is taken.
    expect(data.paragraphs.map((p) => p.text)).toEqual(['The campaign began.', 'A well-known tale.', 'The end.']);
    expect(data.paragraphs[0]).toMatchObject({
      confidence: 0.85,
      notes: expect.stringMatching(/refused \(empty: emptied a paragraph of 19 characters\); the OCR text is kept$/),
    });
    expect(data.flags).toEqual([
      { blockNum: 1, parNum: 1, reason: 'empty', detail: 'emptied a paragraph of 19 characters' },
      { blockNum: 1, parNum: 2, reason: 'too_many_changes', detail: expect.stringMatching(/^changed \d+ of 18 characters/) },
    ]);
    expect(metrics).toMatchObject({ modelCorrections: 1, rejectedParagraphs: 2, flag: 'kept OCR text: b1p1 empty; b1p2 too_many_changes' });
  });

  it("after a retry, a paragraph refused again falls back to the first answer's text when that one was accepted", () => {
    const first = {
      blocks: [
        {
          blockNum: 1,
          paragraphs: [
            { parNum: 1, edits: [], notes: '', confidence: 0.9 },
            { parNum: 2, edits: [{ find: 'A well-known tale.', replace: 'x' }], notes: '', confidence: 0.9 },
          ],
        },
        { blockNum: 2, paragraphs: [{ parNum: 1, edits: [{ find: 'Tbe', replace: 'The' }], notes: 'b read as h', confidence: 0.7 }] },
      ],
    };
    const retry = {
      blocks: [
        {
          blockNum: 1,
          paragraphs: [
            { parNum: 1, edits: [], notes: '', confidence: 0.9 },
            { parNum: 2, edits: [], notes: '', confidence: 0.9 },
          ],
        },
        { blockNum: 2, paragraphs: [{ parNum: 1, edits: [{ find: 'Tbe end.', replace: '' }], notes: '', confidence: 0.7 }] },
      ],
    };
    const { data, metrics } = buildCorrectionPage(3, paragraphs, { answer: retry, previous: first, model: 'm' }, new Date(0));
    expect(data.paragraphs.map((p) => p.text)).toEqual(['The campaign began.', 'A well-known tale.', 'The end.']);
    expect(data.flags).toEqual([]);
    expect(metrics).toMatchObject({ rejectedParagraphs: 0, flag: '' });
  });

  it('an edit that cannot be placed is left out with its reason in the notes; the paragraph keeps its other edits', () => {
    const answer = {
      blocks: [
        {
          blockNum: 1,
          paragraphs: [
            { parNum: 1, edits: [{ find: 'campagne', replace: 'campaign' }], notes: '', confidence: 0.9 },
            { parNum: 2, edits: [{ find: 'e', replace: 'E' }], notes: '', confidence: 0.9 },
          ],
        },
        {
          blockNum: 2,
          paragraphs: [
            {
              parNum: 1,
              edits: [
                { find: 'Tbe', replace: 'The' },
                { find: 'be en', replace: 'be-en' },
              ],
              notes: 'b read as h',
              confidence: 0.7,
            },
          ],
        },
      ],
    };
    expect(editRejections(paragraphs, answer).map((r) => [r.blockNum, r.parNum, r.reason])).toEqual([
      [1, 1, 'not_found'],
      [1, 2, 'ambiguous'],
      [2, 1, 'overlap'],
    ]);
    // Not a refused paragraph: nothing to flag, no text lost.
    expect(answerRejections(paragraphs, answer)).toEqual([]);
    const { data, metrics } = buildCorrectionPage(3, paragraphs, { answer, model: 'm' }, new Date(0));
    expect(data.paragraphs.map((p) => p.text)).toEqual(['The campaign began.', 'A well-known tale.', 'The end.']);
    expect(data.paragraphs[0]!.notes).toMatch(/edit not applied \(not_found: "campagne" is not in the paragraph\)$/);
    expect(data.paragraphs[2]!.notes).toMatch(/^b read as h; edit not applied \(overlap: /);
    expect(data.flags).toEqual([]);
    expect(metrics).toMatchObject({ modelCorrections: 1, rejectedEdits: 3, rejectedParagraphs: 0 });
  });

  it('the deterministic pass has no flags and no flag columns', () => {
    const { data, metrics } = buildCorrectionPage(3, paragraphs, null, new Date(0));
    expect(data.flags).toEqual([]);
    expect(metrics).not.toHaveProperty('rejectedParagraphs');
    expect(metrics).not.toHaveProperty('flag');
    expect(flagSummary([])).toBe('');
  });

  it("refuses an answer whose paragraphs are not the page's", () => {
    const answer = { blocks: [{ blockNum: 1, paragraphs: [{ parNum: 2, edits: [], notes: '', confidence: 1 }] }] };
    expect(() => buildCorrectionPage(3, paragraphs, { answer, model: 'm' })).toThrow(/expected block 1 paragraph 1/);
  });
});
