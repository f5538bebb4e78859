import { type OcrBlock, type OcrPage, OcrPageSchema } from '@bookpipe/contracts';
import { describe, expect, it } from 'vitest';
import { correctedText, ocrText } from './page-texts.js';

const bbox = { x: 10, y: 10, width: 100, height: 20 };
const block = (blockNum: number, text: string, pass?: 'margin'): OcrBlock => ({
  blockNum,
  bbox,
  ...(pass ? { pass } : {}),
  paragraphs: [{ parNum: 1, bbox, text, confidence: 0.9, lines: [{ bbox, text, confidence: 0.9, words: [{ text, bbox, confidence: 0.9 }] }] }],
});
const page: OcrPage = OcrPageSchema.parse({
  pageNumber: 1,
  width: 200,
  height: 300,
  engine: { name: 'test', version: '0', language: 'eng', psm: 3 },
  meanConfidence: 0.9,
  blocks: [block(1, 'text'), block(2, 'more'), block(3, 'Ob', 'margin')],
});

describe('ocrText and correctedText', () => {
  it("leave out the margin pass's blocks: furniture evidence, not text of the page", () => {
    expect(ocrText(page)).toBe('text\n\nmore');
    expect(correctedText(page, { pageNumber: 1, paragraphs: [{ blockNum: 2, parNum: 1, text: 'mere' }] } as never)).toBe('text\n\nmere');
  });
});
