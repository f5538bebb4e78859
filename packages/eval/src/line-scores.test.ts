import type { LabelPage, OcrPage } from '@bookpipe/contracts';
import { describe, expect, it } from 'vitest';
import { addLineCounts, furniturePieces, scoreLines } from './line-scores.js';
import type { TruthRegion } from './truth/truth-page.js';

/** One OCR line of words `[text, x]`, 20 px a letter, 40 px high, at `y`. */
function line(words: Array<[string, number]>, y: number) {
  const boxes = words.map(([text, x]) => ({ text, bbox: { x, y, width: 20 * text.length, height: 40 }, confidence: 0.9 }));
  const x = Math.min(...boxes.map((w) => w.bbox.x));
  return {
    bbox: { x, y, width: Math.max(...boxes.map((w) => w.bbox.x + w.bbox.width)) - x, height: 40 },
    text: words.map(([text]) => text).join(' '),
    confidence: 0.9,
    words: boxes,
  };
}

/**
 * Block 1: the running head and its folio read as the first line of the text ("12 DE ELECTIONE"), then
 * text; block 2: a foot line with the signature mark and the catch-word ("B 2 ... beta").
 */
const ocr: OcrPage = {
  pageNumber: 1,
  width: 1200,
  height: 1800,
  engine: { name: 'test', version: '0', language: 'lat', psm: 3 },
  meanConfidence: 0.9,
  blocks: [
    {
      blockNum: 1,
      bbox: { x: 100, y: 100, width: 950, height: 200 },
      paragraphs: [
        {
          parNum: 1,
          bbox: { x: 100, y: 100, width: 950, height: 200 },
          text: '',
          confidence: 0.9,
          lines: [
            line(
              [
                ['12', 100],
                ['DE', 460],
                ['ELECTIONE', 520],
              ],
              100,
            ),
            line(
              [
                ['text', 100],
                ['goes', 200],
                ['on', 300],
              ],
              160,
            ),
          ],
        },
      ],
    },
    {
      blockNum: 2,
      bbox: { x: 500, y: 1500, width: 600, height: 40 },
      paragraphs: [
        {
          parNum: 1,
          bbox: { x: 500, y: 1500, width: 600, height: 40 },
          text: '',
          confidence: 0.9,
          lines: [
            line(
              [
                ['B', 560],
                ['2', 590],
                ['beta', 960],
              ],
              1500,
            ),
          ],
        },
      ],
    },
  ],
};

const region = (type: string, x: number, y: number, width: number, height: number): TruthRegion => ({
  kind: 'other',
  type,
  bbox: { x, y, width, height },
  text: null,
});

/** The truth: folio, head, signature and catch-word regions, and a marginal note nobody marked. */
const regions: TruthRegion[] = [
  region('page-number', 95, 95, 50, 50),
  region('header', 450, 95, 250, 50),
  region('signature-mark', 550, 1495, 70, 50),
  region('catch-word', 950, 1495, 100, 50),
  region('marginalia', 1080, 600, 100, 200),
  region('paragraph', 95, 150, 960, 100),
];

const base: LabelPage = {
  printedPageNumber: '12',
  numberingStyle: 'arabic',
  pageNumberLocation: 'header',
  pageNumberConfidence: 0.9,
  pageRegion: 'body',
  pageRegionConfidence: 0.9,
  blocks: [
    { blockNum: 1, classification: 'BODY', confidence: 0.9 },
    { blockNum: 2, classification: 'BODY', confidence: 0.9 },
  ],
};

describe('scoreLines', () => {
  it('scores each marked piece by the truth region its box lies in, and each region by whether a piece of its kind covers it', () => {
    const label: LabelPage = {
      ...base,
      lines: [
        { blockNum: 1, parNum: 1, lineNum: 1, words: [1, 1], classification: 'PAGE_NUMBER', confidence: 0.9 },
        { blockNum: 1, parNum: 1, lineNum: 1, words: [2, 3], classification: 'HEADER', confidence: 0.9 },
        // The signature read as a catch-word: wrong kind, so neither region is found by it.
        { blockNum: 2, parNum: 1, lineNum: 1, words: [1, 2], classification: 'CATCHWORD', confidence: 0.6 },
        { blockNum: 2, parNum: 1, lineNum: 1, words: [3, 3], classification: 'CATCHWORD', confidence: 0.9 },
      ],
    };
    const counts = scoreLines(ocr, label, regions);
    expect(counts['page-number']).toEqual({ predicted: 1, correct: 1, regions: 1, found: 1 });
    expect(counts.header).toEqual({ predicted: 1, correct: 1, regions: 1, found: 1 });
    expect(counts['catch-word']).toEqual({ predicted: 2, correct: 1, regions: 1, found: 1 });
    expect(counts['signature-mark']).toEqual({ predicted: 0, correct: 0, regions: 1, found: 0 });
    expect(counts.marginalia).toEqual({ predicted: 0, correct: 0, regions: 1, found: 0 });
  });

  it('counts a whole line for a line label without words, and the lines of a furniture block no line label covers', () => {
    // The whole first line as HEADER: its box spans the folio and the head, mostly outside the head's region.
    const whole: LabelPage = {
      ...base,
      blocks: [base.blocks[0]!, { blockNum: 2, classification: 'FOOTER', confidence: 0.8 }],
      lines: [{ blockNum: 1, parNum: 1, lineNum: 1, classification: 'HEADER', confidence: 0.9 }],
    };
    expect(furniturePieces(ocr, whole).map((piece) => piece.kind)).toEqual(['header', 'footer']);
    const counts = scoreLines(ocr, whole, regions);
    expect(counts.header).toEqual({ predicted: 1, correct: 0, regions: 1, found: 1 });
    expect(counts.footer).toEqual({ predicted: 1, correct: 0, regions: 0, found: 0 });
    expect(addLineCounts([counts, counts]).header).toEqual({ predicted: 2, correct: 0, regions: 2, found: 2 });
    // Specks OCR read beside a catch-word ("; |") widen the line's box, not the furniture: the inked words are scored.
    const specked: OcrPage = structuredClone(ocr);
    const foot = specked.blocks[1]!.paragraphs[0]!.lines[0]!;
    foot.words = [{ text: ';', bbox: { x: 100, y: 1500, width: 10, height: 40 }, confidence: 0.2 }, foot.words[2]!];
    foot.bbox = { x: 100, y: 1500, width: 940, height: 40 };
    const catchword: LabelPage = { ...base, lines: [{ blockNum: 2, parNum: 1, lineNum: 1, classification: 'CATCHWORD', confidence: 0.9 }] };
    expect(scoreLines(specked, catchword, regions)['catch-word']).toEqual({ predicted: 1, correct: 1, regions: 1, found: 1 });
  });
});
