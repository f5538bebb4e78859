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
