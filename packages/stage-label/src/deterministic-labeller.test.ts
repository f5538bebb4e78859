import { type BlockClass, labelPageSchemaFor, type OcrPage, OcrPageSchema } from '@bookpipe/contracts';
import { describe, expect, it } from 'vitest';
import { labelDeterministic } from './index.js';

interface LineSpec {
  text: string;
  x?: number;
  y: number;
  width?: number;
  height?: number;
  /** Each word's confidence. @default 0.9 */
  confidence?: number;
}

/** An OCR page (1200 x 1800 px) whose blocks are given as their lines; words get equal shares of a line. */
function page(pageNumber: number, blocks: LineSpec[][]): OcrPage {
  return OcrPageSchema.parse({
    pageNumber,
    width: 1200,
    height: 1800,
    engine: { name: 'test', version: '0', language: 'eng', psm: 3 },
    meanConfidence: 0.9,
    blocks: blocks.map((lines, index) => {
      const boxes = lines.map((line) => ({ x: line.x ?? 100, y: line.y, width: line.width ?? 1000, height: line.height ?? 36 }));
      const x = Math.min(...boxes.map((box) => box.x));
      const y = Math.min(...boxes.map((box) => box.y));
      const bbox = { x, y, width: Math.max(...boxes.map((box) => box.x + box.width)) - x, height: Math.max(...boxes.map((box) => box.y + box.height)) - y };
      return {
        blockNum: index + 1,
        bbox,
        paragraphs: [
          {
            parNum: 1,
            bbox,
            text: lines.map((line) => line.text).join('\n'),
            confidence: 0.9,
            lines: lines.map((line, lineIndex) => {
              const box = boxes[lineIndex] as (typeof boxes)[number];
              const words = line.text.split(' ');
              const share = box.width / words.length;
              return {
                bbox: box,
                text: line.text,
                confidence: 0.9,
                words: words.map((word, wordIndex) => ({
                  text: word,
                  bbox: { ...box, x: box.x + wordIndex * share, width: share * 0.9 },
                  confidence: line.confidence ?? 0.9,
                })),
              };
            }),
          },
        ],
      };
    }),
  });
}

/** `count` lines of body text from `top`, 50 px apart. */
function body(top: number, count: number, x = 100): LineSpec[] {
  return Array.from({ length: count }, (_, index) => ({ text: `body text line number ${index} of the page goes on here`, x, y: top + index * 50 }));
}

const classes = (labels: ReturnType<typeof labelDeterministic>, index: number): BlockClass[] =>
  labels[index]?.blocks.map((block) => block.classification) ?? [];

describe('labelDeterministic', () => {
  it('finds running heads with page numbers, alternating between left and right pages', () => {
    const pages = [10, 11, 12, 13].map((number, index) =>
      page(index + 1, [
        [{ text: number % 2 === 0 ? `${number} THE HISTORY OF TOWNS` : `THE FIRST CHAPTER ${number}`, x: 200, y: 100, width: 800 }],
        body(200, 25),
      ]),
    );
    const labels = labelDeterministic(pages);
    expect(labels.map((label) => label.printedPageNumber)).toEqual(['10', '11', '12', '13']);
    for (const [index, label] of labels.entries()) {
      expect(classes(labels, index)).toEqual(['HEADER', 'BODY']);
      expect(label).toMatchObject({ numberingStyle: 'arabic', pageNumberLocation: 'header', pageRegion: 'body' });
      expect(labelPageSchemaFor(pages[index] as OcrPage).safeParse(label).success).toBe(true);
    }
  });

  it('takes a repeated line above the body for a running head even without a number', () => {
    const pages = [1, 2, 3].map((number) => page(number, [[{ text: 'THE HISTORY OF TOWNS', x: 350, y: 100, width: 500 }], body(200, 25)]));
    expect(labelDeterministic(pages).map((_, index) => classes(labelDeterministic(pages), index)[0])).toEqual(['HEADER', 'HEADER', 'HEADER']);
  });

  it('reads folios below the body and infers the one missing on a chapter opening page', () => {
    const pages = [
      page(1, [body(150, 30), [{ text: '41', x: 580, y: 1700, width: 40 }]]),
      page(2, [[{ text: 'CHAPTER IV', x: 400, y: 500, width: 400, height: 60 }], body(650, 20)]),
      page(3, [body(150, 30), [{ text: '43', x: 580, y: 1700, width: 40 }]]),
      page(4, [body(150, 30), [{ text: '44', x: 580, y: 1700, width: 40 }]]),
    ];
    const labels = labelDeterministic(pages);
    expect(labels.map((label) => label.printedPageNumber)).toEqual(['41', '42', '43', '44']);
    expect(classes(labels, 0)).toEqual(['BODY', 'PAGE_NUMBER']);
    expect(labels[0]).toMatchObject({ pageNumberLocation: 'footer' });
    expect(labels[1]).toMatchObject({ pageNumberInferred: true, pageNumberLocation: 'footer' });
    expect(classes(labels, 1)).toEqual(['CHAPTER_HEADING', 'BODY']);
  });

  it('finds footnotes set smaller below the body, and marks noise as OCR artifacts', () => {
    const note = [
      { text: '1 See the letter of 1802, printed in the appendix.', y: 1560, height: 28 },
      { text: 'and the answer to it that came a month later.', y: 1596, height: 28 },
    ];
    const pages = [1, 2, 3].map((number) => page(number, [body(150, 26), note, [{ text: '~ —', x: 40, y: 900, width: 30, height: 30 }]]));
    const labels = labelDeterministic(pages);
    expect(classes(labels, 1)).toEqual(['BODY', 'FOOTNOTE', 'OCR_ARTIFACT']);
  });

  it('takes a list set small at the foot for no footnote unless the text calls it, nor unmarked small type', () => {
    const list = [
      { text: '1. Tables of the tides at London Bridge', y: 1560, height: 28 },
      { text: '2. Tables of the tides at Gravesend', y: 1596, height: 28 },
      { text: '3. Tables of the tides at the Nore', y: 1632, height: 28 },
    ];
    const unmarked = [
      { text: 'Tables of the tides at London Bridge and', y: 1560, height: 28 },
      { text: 'at Gravesend, for the year of the siege.', y: 1596, height: 28 },
    ];
    const calling = [...body(150, 25), { text: 'as the tables show,1 the water stood high that year and', y: 1400 }];
    const pages = [page(1, [body(150, 26), list]), page(2, [calling, list]), page(3, [body(150, 26), unmarked])];
    const labels = labelDeterministic(pages);
    expect(classes(labels, 0)[1]).not.toBe('FOOTNOTE');
    expect(classes(labels, 1)[1]).toBe('FOOTNOTE');
    expect(classes(labels, 2)[1]).not.toBe('FOOTNOTE');
  });

  it('labels a centred large line with space around it inside the text as a section heading', () => {
    const pages = [1, 2, 3].map((number) => page(number, [body(150, 12), [{ text: 'THE MARKET', x: 450, y: 820, width: 300, height: 60 }], body(950, 12)]));
    expect(classes(labelDeterministic(pages), 1)).toEqual(['BODY', 'SECTION_HEADING', 'BODY']);
  });

  it('takes a chapter label and the title under it on a sunk opening page as the chapter heading, never as a running head', () => {
    // A short book with short chapters: openings are half the pages, and their "CHAPTER n" repeat at one height.
    const opening = (scanPage: number, label: string, title: string) =>
      page(scanPage, [[{ text: label, x: 490, y: 460, width: 220, height: 30 }], [{ text: title, x: 380, y: 540, width: 440, height: 52 }], body(700, 18)]);
    const pages = [
      opening(1, 'CHAPTER I', 'The First Day'),
      page(2, [[{ text: '2 THE BOOK OF DAYS', x: 100, y: 100, width: 600, height: 26 }], body(200, 30)]),
      opening(3, 'CHAPTER II', 'The Second Day'),
      page(4, [[{ text: '4 THE BOOK OF DAYS', x: 100, y: 100, width: 600, height: 26 }], body(200, 30)]),
      opening(5, 'Kapitel 3', 'Der dritte Tag'),
      page(6, [[{ text: '6 THE BOOK OF DAYS', x: 100, y: 100, width: 600, height: 26 }], body(200, 30)]),
    ];
    const labels = labelDeterministic(pages);
    for (const index of [0, 2, 4]) expect(classes(labels, index)).toEqual(['CHAPTER_HEADING', 'CHAPTER_HEADING', 'BODY']);
    // "CHAPTER II" is no page number: the openings' numbers come from their neighbours.
    expect(labels.map((label) => label.printedPageNumber)).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(labels[2]).toMatchObject({ pageNumberInferred: true, numberingStyle: 'arabic' });
  });

  it('takes a short capitals line set apart at the top of a page for a running head, even alone', () => {
    const pages = [1, 2, 3].map((number) =>
      page(number, [[{ text: number === 2 ? 'ON THE KEEPING OF BEES' : 'x', x: 420, y: 100, width: 360, height: 26 }], body(220, 28)]),
    );
    expect(classes(labelDeterministic(pages), 1)).toEqual(['HEADER', 'BODY']);
  });

  it('labels a title page and a copyright page before the text, and reads no page number in their year', () => {
    const pages = [
      page(1, [
        [{ text: 'THE BOOK OF DAYS', x: 300, y: 500, width: 600, height: 70 }],
        [{ text: 'by A. Writer', x: 450, y: 700, width: 300 }],
        [
          { text: 'Smith & Sons', x: 470, y: 1500, width: 260 },
          { text: '1887', x: 550, y: 1550, width: 100 },
        ],
      ]),
      page(2, [[{ text: 'Copyright 1887 by Smith & Sons. All rights reserved.', x: 200, y: 1400, width: 800, height: 28 }]]),
      page(3, [body(150, 30), [{ text: '1', x: 580, y: 1700, width: 40 }]]),
      page(4, [body(150, 30), [{ text: '2', x: 580, y: 1700, width: 40 }]]),
    ];
    const labels = labelDeterministic(pages);
    expect(classes(labels, 0)).toEqual(['TITLE_PAGE', 'TITLE_PAGE', 'TITLE_PAGE']);
    expect(classes(labels, 1)).toEqual(['COPYRIGHT']);
    expect(labels.map((label) => label.printedPageNumber)).toEqual([null, null, '1', '2']);
  });

  it('measures the usual text top on pages with text: a blank page does not make every other page a sunk opening', () => {
    // A blank scan (OCR read nothing), a sunk preface opening, then a page whose head "4 PREFACE." sits
    // where text pages start: that head is a running head, not a chapter heading.
    const pages = [
      page(1, []),
      page(2, [[{ text: 'PREFACE.', x: 480, y: 500, width: 240, height: 36 }], body(650, 20)]),
      page(3, [[{ text: '4 PREFACE.', x: 100, y: 240, width: 600, height: 36 }], body(330, 28)]),
    ];
    const labels = labelDeterministic(pages);
    expect(classes(labels, 1)).toEqual(['CHAPTER_HEADING', 'BODY']);
    expect(classes(labels, 2)).toEqual(['HEADER', 'BODY']);
  });

  it('does not take a verse line ending in a comma, set large with space around it, for a heading', () => {
    const pages = [1, 2, 3].map((number) =>
      page(number, [body(150, 12), [{ text: 'and the long years wither all,', x: 300, y: 840, width: 600, height: 60 }], body(950, 12)]),
    );
    expect(classes(labelDeterministic(pages), 1)).toEqual(['BODY', 'BODY', 'BODY']);
  });

  it('reads no body text on a page of speckles (a blank leaf, a picture): its blocks are artifacts, a caption amid them stays', () => {
    const text = (top: number) => Array.from({ length: 20 }, (_, i) => ({ text: `the running text of the book goes on here ${i}`, y: top + 50 * i }));
    const speckles = (y: number) => ({ text: ". ' i l' | 1 ~ ; ro ' , ' ~ ,. E", y, confidence: 0.3 });
    const pages = [
      page(1, [text(200)]),
      // Speckles read as a few confident letters ("ro", "E") among many marks; a caption under the picture.
      page(2, [[speckles(300), speckles(700)], [speckles(1100)], [{ text: 'PLATE IV. The gate-house', x: 400, y: 1500, width: 400, confidence: 0.85 }]]),
      // A half-title is two words, but confident ones: text, not noise.
      page(3, [[{ text: 'BETRAYED ARMENIA', x: 400, y: 700, width: 400, height: 60 }]]),
      page(4, [text(200)]),
    ];
    const labels = labelDeterministic(pages);
    expect(labels[1]?.blocks.map((b) => b.classification)).toEqual(['OCR_ARTIFACT', 'OCR_ARTIFACT', 'ILLUSTRATION_CAPTION']);
    expect(labels[1]?.lines).toBeUndefined();
    expect(labels[2]?.blocks.map((b) => b.classification)).not.toContain('OCR_ARTIFACT');
    expect(labels[0]?.blocks.map((b) => b.classification)).toEqual(['BODY']);
  });
});
