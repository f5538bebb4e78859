import { OcrPageSchema } from '@bookpipe/contracts';
import { describe, expect, it } from 'vitest';
import { smallPage } from './small-page.js';

describe('smallPage', () => {
  it('builds a valid OCR page: blocks of paragraphs of lines, words left to right', () => {
    const page = smallPage(4, [[['The first line', 'and the second'], ['next paragraph']], [['  indented']]]);
    expect(OcrPageSchema.parse(page)).toEqual(page);
    expect(page.blocks.map((b) => b.paragraphs.map((p) => p.text))).toEqual([['The first line\nand the second', 'next paragraph'], ['indented']]);
    const [the, first] = page.blocks[0]!.paragraphs[0]!.lines[0]!.words;
    expect(first!.bbox.x).toBe(the!.bbox.x + the!.bbox.width + 20);
    expect(page.blocks[1]!.paragraphs[0]!.lines[0]!.bbox.x).toBe(260);
  });

  it('reads doubtful words at 0.3, named words at their confidence, the others at 0.9, and averages them', () => {
    const doubtful = smallPage(1, [[['Tbe end']]], ['Tbe']);
    expect(doubtful.blocks[0]!.paragraphs[0]!.lines[0]!.words.map((w) => w.confidence)).toEqual([0.3, 0.9]);
    expect(doubtful.meanConfidence).toBeCloseTo(0.6, 6);
    const named = smallPage(1, [[['The qnick fox']]], { qnick: 0.31 });
    expect(named.blocks[0]!.paragraphs[0]!.lines[0]!.words.map((w) => w.confidence)).toEqual([0.9, 0.31, 0.9]);
  });
});
