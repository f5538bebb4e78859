import { type BBox, boxAround, type OcrPage, OcrPageSchema, type OcrWord } from '@bookpipe/contracts';
import { describe, expect, it } from 'vitest';
import { findMarginPieces, type GreyImage, marginWords, stackPieces, withMarginBlocks } from './margin-pass.js';
import { readMargins } from './read-margins.js';
import type { TsvRow } from './tsv.js';

const WIDTH = 1000;
const HEIGHT = 1400;
const engine = { name: 'tesseract', version: '5.3.0', language: 'eng', psm: 3 };

/** White paper; `ink` draws letter-like strokes (3 px on, 3 px off) over a box. */
function paper(): GreyImage {
  return { data: new Uint8Array(WIDTH * HEIGHT).fill(235), width: WIDTH, height: HEIGHT };
}
function ink(image: GreyImage, box: BBox, solid = false): void {
  for (let y = box.y; y < box.y + box.height; y++) {
    for (let x = box.x; x < box.x + box.width; x++) if (solid || (x - box.x) % 6 < 3) image.data[y * image.width + x] = 20;
  }
}

/** A page of `lines` body lines of four words (20 px high, 40 px apart), each inked in the image. */
function bodyPage(image: GreyImage, lines: number): OcrPage {
  const block = {
    blockNum: 1,
    bbox: { x: 100, y: 200, width: 800, height: lines * 40 },
    paragraphs: [
      {
        parNum: 1,
        bbox: { x: 100, y: 200, width: 800, height: lines * 40 },
        text: '',
        confidence: 0.9,
        lines: Array.from({ length: lines }, (_, i) => {
          const y = 200 + i * 40;
          const words: OcrWord[] = [0, 1, 2, 3].map((w) => ({ text: 'word', bbox: { x: 100 + w * 200, y, width: 180, height: 20 }, confidence: 0.9 }));
          for (const word of words) ink(image, word.bbox);
          return { bbox: { x: 100, y, width: 780, height: 20 }, text: 'word word word word', confidence: 0.9, words };
        }),
      },
    ],
  };
  return { pageNumber: 1, width: WIDTH, height: HEIGHT, engine, meanConfidence: 0.9, rotation: 0, blocks: [block] };
}

/** A word row of tesseract's TSV, 20 x 18 px, at `top`, `left` of the image it read. */
const tsvWord = (top: number, left: number, text: string, conf: number): TsvRow => ({
  level: 5,
  block: 1,
  par: 1,
  line: 1,
  word: 1,
  left,
  top,
  width: 20,
  height: 18,
  conf,
  text,
});

describe('findMarginPieces', () => {
  it('finds the ink left unread just above the text and just below it, the size of type', () => {
    const image = paper();
    const page = bodyPage(image, 20); // lines from y 200 to 980
    const folio = { x: 850, y: 150, width: 30, height: 20 };
    const catchword = { x: 790, y: 1010, width: 80, height: 20 };
    ink(image, folio);
    ink(image, catchword);
    const pieces = findMarginPieces(image, page);
    expect(pieces.map((piece) => piece.bbox)).toEqual([
      { x: 850, y: 150, width: 27, height: 20 },
      { x: 790, y: 1010, width: 80, height: 20 },
    ]);
    // The pixels come with the box: ink where the strokes are.
    expect(pieces[0]!.ink.length).toBe(27 * 20);
    expect(pieces[0]!.ink[0]).toBe(1);
    expect(pieces[0]!.ink[3]).toBe(0);
  });

  it('finds a catch-word under the last line that OCR read into the line, its last word reaching down over it', () => {
    const image = paper();
    const page = bodyPage(image, 20); // the last line at y 960, words 20 px high
    const catchword = { x: 790, y: 995, width: 80, height: 20 };
    ink(image, catchword);
    const last = page.blocks[0]!.paragraphs[0]!.lines.at(-1)!;
    // Tesseract's box for the line's last word spans its row and the catch-word's.
    last.words[3]!.bbox = { ...last.words[3]!.bbox, height: 55 };
    expect(findMarginPieces(image, page).map((piece) => piece.bbox)).toEqual([catchword]);
  });

  it('finds the catch-word above the dark ground beyond the page, and under specks read as a line at the image foot', () => {
    const image = paper();
    const page = bodyPage(image, 20); // the last line ends at y 980
    const catchword = { x: 790, y: 1010, width: 80, height: 20 };
    ink(image, catchword);
    // The scanner's dark ground from y 1045 down, across the whole image: every row of the foot band inked.
    ink(image, { x: 0, y: 1045, width: WIDTH, height: HEIGHT - 1045 }, true);
    // Specks at the image's foot that OCR read as a thin line of four words.
    const specks: OcrWord[] = [0, 1, 2, 3].map((w) => ({ text: 'ee', bbox: { x: 200 + w * 100, y: 1380, width: 40, height: 6 }, confidence: 0.1 }));
    const bbox = boxAround(specks.map((word) => word.bbox));
    const text = specks.map((word) => word.text).join(' ');
    const line = { bbox, text, confidence: 0.1, words: specks };
    page.blocks.push({ blockNum: 2, bbox, paragraphs: [{ parNum: 1, bbox, text, confidence: 0.1, lines: [line] }] });
    expect(findMarginPieces(image, page).map((piece) => piece.bbox)).toEqual([catchword]);
  });

  it('leaves out what was read, specks, rules, far-off marks and pieces cut by the band side', () => {
    const image = paper();
    const page = bodyPage(image, 20);
    ink(image, { x: 400, y: 1000, width: 2, height: 2 }, true); // a speck
    ink(image, { x: 150, y: 1030, width: 600, height: 3 }, true); // a rule
    ink(image, { x: 500, y: 1300, width: 60, height: 20 }); // far below the text: not an edge of it
    ink(image, { x: 0, y: 150, width: 60, height: 20 }); // touches the band's left side (the page edge)
    expect(findMarginPieces(image, page)).toEqual([]);
  });

  it('finds nothing on a page without three lines of text: noise must not become words', () => {
    const image = paper();
    const page = bodyPage(image, 2);
    ink(image, { x: 850, y: 150, width: 30, height: 20 });
    expect(findMarginPieces(image, page)).toEqual([]);
  });

  it('gives up on a band full of pieces (an ornament or a picture)', () => {
    const image = paper();
    const page = bodyPage(image, 20);
    for (let i = 0; i < 10; i++) ink(image, { x: 120 + i * 70, y: 150, width: 30, height: 20 });
    expect(findMarginPieces(image, page)).toEqual([]);
  });
});

describe('stackPieces and marginWords', () => {
  const pieces = [
    { bbox: { x: 850, y: 150, width: 30, height: 20 }, ink: new Uint8Array(30 * 20).fill(1) },
    { bbox: { x: 790, y: 1010, width: 80, height: 20 }, ink: new Uint8Array(80 * 20).fill(1) },
  ];
  const stack = stackPieces(pieces);

  it('stacks black ink on white, each piece on a line of its own', () => {
    expect(stack.image.width).toBe(80 + 2 * stack.pad);
    expect(stack.offsets[1]!.y - stack.offsets[0]!.y).toBe(20 + 2 * stack.pad);
    const at = stack.offsets[0]!;
    expect(stack.image.data[at.y * stack.image.width + at.x]).toBe(0);
    expect(stack.image.data[0]).toBe(255);
  });

  it('puts each word back on the page, in its piece, and keeps only confident words with a letter or digit', () => {
    const [first, second] = stack.offsets as [{ x: number; y: number }, { x: number; y: number }];
    const words = marginWords(
      [
        tsvWord(first.y + 1, first.x + 2, '200', 91),
        tsvWord(second.y, second.x, 'Der', 88),
        tsvWord(second.y, second.x + 30, '—', 93),
        tsvWord(second.y, second.x + 50, 'x', 30),
      ],
      stack,
    );
    expect(words).toEqual([
      [{ text: '200', bbox: { x: 852, y: 151, width: 20, height: 18 }, confidence: 0.91 }],
      [{ text: 'Der', bbox: { x: 790, y: 1010, width: 20, height: 18 }, confidence: 0.88 }],
    ]);
  });
});

describe('withMarginBlocks', () => {
  it('adds one block per piece read, numbered after the page, marked as the margin pass', () => {
    const page = bodyPage(paper(), 3);
    const folio: OcrWord = { text: '200', bbox: { x: 852, y: 151, width: 20, height: 18 }, confidence: 0.91 };
    const out = withMarginBlocks(page, [[folio], []]);
    expect(out.blocks).toHaveLength(2);
    expect(out.blocks[1]).toMatchObject({
      blockNum: 2,
      pass: 'margin',
      bbox: folio.bbox,
      paragraphs: [{ parNum: 1, text: '200', lines: [{ text: '200', words: [folio] }] }],
    });
    // The schema keeps the mark; the page's own confidence stays its own.
    expect(OcrPageSchema.parse(out).blocks[1]!.pass).toBe('margin');
    expect(out.meanConfidence).toBe(page.meanConfidence);
    expect(withMarginBlocks(page, [[]])).toBe(page);
  });
});

describe('readMargins', () => {
  const png = async (image: GreyImage) => {
    const { default: sharp } = await import('sharp');
    return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 1 } })
      .png()
      .toBuffer();
  };
  const folioPage = async () => {
    const image = paper();
    const page = bodyPage(image, 20);
    ink(image, { x: 850, y: 150, width: 30, height: 20 });
    return { page, bytes: await png(image) };
  };
  it('reads the stacked pieces through the engine and adds what it reads as margin blocks', async () => {
    const { page, bytes } = await folioPage();
    let asked: Buffer | undefined;
    const out = await readMargins(bytes, page, async (stackPng) => {
      asked = stackPng;
      return [tsvWord(stackPieces([{ bbox: { x: 850, y: 150, width: 27, height: 20 }, ink: new Uint8Array(27 * 20) }]).pad, 12, '200', 90)];
    });
    expect(asked?.subarray(1, 4).toString()).toBe('PNG');
    expect(out.blocks.at(-1)).toMatchObject({ pass: 'margin', paragraphs: [{ text: '200' }] });
  });

  it('never fails the page: an engine error or an undecodable image leaves the page as read; an abort is thrown', async () => {
    const { page, bytes } = await folioPage();
    await expect(readMargins(bytes, page, () => Promise.reject(new Error('engine died')))).resolves.toBe(page);
    await expect(readMargins(new Uint8Array([1, 2, 3]), page, () => Promise.resolve([]))).resolves.toBe(page);
    const controller = new AbortController();
    controller.abort(new Error('stopped'));
    await expect(readMargins(bytes, page, () => Promise.reject(new Error('aborted')), controller.signal)).rejects.toThrow('stopped');
  });
});
