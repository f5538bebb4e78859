import { describe, expect, it } from 'vitest';
import { OcrPageSchema } from './base-schemas.js';
import { BLOCK_CLASSES, BlockClassSchema, LabelPageSchema, labelPageSchemaFor } from './index.js';

const label = {
  printedPageNumber: '17',
  numberingStyle: 'arabic',
  pageNumberLocation: 'footer',
  pageNumberConfidence: 0.9,
  pageRegion: 'body',
  pageRegionConfidence: 0.8,
  blocks: [
    { blockNum: 1, classification: 'BODY', confidence: 0.7 },
    { blockNum: 2, classification: 'PAGE_NUMBER', confidence: 0.95 },
  ],
};

describe('LabelPageSchema', () => {
  it('has the 32 block classes of the design', () => {
    expect(BLOCK_CLASSES).toHaveLength(32);
    expect(BlockClassSchema.safeParse('RUNNING_HEAD').success).toBe(false);
  });

  it('accepts a well-formed page and refuses inconsistent page numbers and duplicate blocks', () => {
    expect(LabelPageSchema.parse(label)).toEqual(label);
    expect(LabelPageSchema.safeParse({ ...label, printedPageNumber: null }).success).toBe(false);
    expect(LabelPageSchema.safeParse({ ...label, numberingStyle: 'none' }).success).toBe(false);
    const none = { ...label, printedPageNumber: null, numberingStyle: 'none', pageNumberLocation: 'none' };
    expect(LabelPageSchema.safeParse(none).success).toBe(true);
    const twice = { ...label, blocks: [label.blocks[0], label.blocks[0]] };
    expect(LabelPageSchema.safeParse(twice).error?.issues[0]?.message).toBe('block 1 is labelled twice');
  });

  it('checks the blocks of a given OCR page', () => {
    const bbox = { x: 0, y: 0, width: 10, height: 10 };
    const page = OcrPageSchema.parse({
      pageNumber: 3,
      width: 100,
      height: 100,
      engine: { name: 'test', version: '0', language: 'eng', psm: 3 },
      meanConfidence: 0.9,
      blocks: [1, 2, 3].map((blockNum) => ({ blockNum, bbox, paragraphs: [] })),
    });
    const result = labelPageSchemaFor(page).safeParse(label);
    expect(result.error?.issues[0]?.message).toBe('page 3 has blocks [1, 2, 3]; labels are missing for [3] and given for unknown blocks []');
  });
});

describe('line labels', () => {
  const line = (text: string, y: number) => {
    const words = text.split(' ').map((word, index) => ({ text: word, bbox: { x: index * 10, y, width: 8, height: 10 }, confidence: 0.9 }));
    return { bbox: { x: 0, y, width: 100, height: 10 }, text, confidence: 0.9, words };
  };
  const page = OcrPageSchema.parse({
    pageNumber: 4,
    width: 100,
    height: 100,
    engine: { name: 'test', version: '0', language: 'eng', psm: 3 },
    meanConfidence: 0.9,
    blocks: [
      {
        blockNum: 1,
        bbox: { x: 0, y: 0, width: 100, height: 40 },
        paragraphs: [
          { parNum: 1, bbox: { x: 0, y: 0, width: 100, height: 40 }, text: '', confidence: 0.9, lines: [line('THE HEAD 17', 0), line('text goes on', 20)] },
        ],
      },
    ],
  });
  const base = { ...label, blocks: [{ blockNum: 1, classification: 'BODY', confidence: 0.7 }] };

  it('accepts furniture lines and words that exist on the OCR page', () => {
    const lines = [
      { blockNum: 1, parNum: 1, lineNum: 1, words: [1, 2], classification: 'HEADER', confidence: 0.9 },
      { blockNum: 1, parNum: 1, lineNum: 1, words: [3, 3], classification: 'PAGE_NUMBER', confidence: 0.9 },
    ];
    expect(labelPageSchemaFor(page).parse({ ...base, lines }).lines).toEqual(lines);
  });

  it('refuses a line, a word range or a class the page does not have, and a word marked twice', () => {
    const issue = (lines: unknown[]) => labelPageSchemaFor(page).safeParse({ ...base, lines }).error?.issues[0]?.message;
    expect(issue([{ blockNum: 1, parNum: 1, lineNum: 3, classification: 'HEADER', confidence: 1 }])).toBe('page 4 block 1 paragraph 1 has 2 lines, not 3');
    expect(issue([{ blockNum: 2, parNum: 1, lineNum: 1, classification: 'HEADER', confidence: 1 }])).toBe(
      'page 4 has no block 2 (line label for block 2 paragraph 1 line 1)',
    );
    expect(issue([{ blockNum: 1, parNum: 1, lineNum: 1, words: [2, 4], classification: 'HEADER', confidence: 1 }])).toBe(
      'block 1 paragraph 1 line 1 of page 4 has 3 words, not 4',
    );
    expect(issue([{ blockNum: 1, parNum: 1, lineNum: 1, words: [3, 2], classification: 'HEADER', confidence: 1 }])).toBe(
      'words [3, 2]: the first word comes after the last',
    );
    expect(issue([{ blockNum: 1, parNum: 1, lineNum: 1, classification: 'RUNNING_HEAD', confidence: 1 }])).toMatch(/Invalid option/);
    expect(
      issue([
        { blockNum: 1, parNum: 1, lineNum: 1, classification: 'HEADER', confidence: 1 },
        { blockNum: 1, parNum: 1, lineNum: 1, words: [3, 3], classification: 'PAGE_NUMBER', confidence: 1 },
      ]),
    ).toBe('word 3 of block 1 paragraph 1 line 1 is marked twice');
  });
});
