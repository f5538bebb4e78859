/**
 * The margin pass: a second, small reading of what the page read left out at the head and the foot of
 * the text.
 *
 * Tesseract's layout analysis drops small isolated marks: a folio alone in a corner, a catch-word under
 * the last line, set apart from any text block. They are exactly the evidence the label stage needs
 * (page numbers, catch-words), and they cannot be recovered later from the OCR page. So after the page
 * is read, the bands just above its first line and just below its last are binarised, every word
 * already read is blanked out, and what ink is left is cut into word-sized pieces. Pieces of the size
 * of type (not specks, not rules, not a picture's edge) are stacked into one small image that tesseract
 * reads as a block of text; their words come back as blocks marked `pass: 'margin'`.
 *
 * Those blocks are evidence, not text: the merge keeps them out of the reading text unless the label
 * stage calls them furniture (a page number, a catch-word...), and then they are furniture.
 *
 * Cost: one greyscale decode of the page and, only on pages with leftover ink at an edge, one
 * recognition of a stamp-sized image (measured in bench/ocr).
 */
import { type BBox, boxAround, type OcrBlock, type OcrLine, type OcrPage, type OcrWord } from '@bookpipe/contracts';
import { confidence, round } from './ocr-page-builder.js';
import type { TsvRow } from './tsv.js';

/** A greyscale image, one byte per pixel, rows top to bottom. */
export interface GreyImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** A piece of ink left at an edge of the text, in page pixels, with its binarised pixels. */
export interface MarginPiece {
  bbox: BBox;
  /** 1 for ink, row by row over `bbox`. */
  ink: Uint8Array;
}

/** Pieces, at most this many per page: more means a picture or an ornament band, not furniture. */
const MAX_PIECES = 8;
/** Words the pass keeps: tesseract's confidence (0..1) from which a reading is evidence. */
const MIN_CONFIDENCE = 0.5;

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(q * (sorted.length - 1) + 0.5)))] ?? 0;
}

/** Otsu's threshold over a histogram: the grey level that best splits ink from paper in this band. */
function otsuThreshold(histogram: Uint32Array, count: number): number {
  let sum = 0;
  for (let level = 0; level < 256; level++) sum += level * (histogram[level] ?? 0);
  let sumBelow = 0;
  let below = 0;
  let best = -1;
  let threshold = 128;
  for (let level = 0; level < 256; level++) {
    const n = histogram[level] ?? 0;
    below += n;
    if (below === 0) continue;
    const above = count - below;
    if (above === 0) break;
    sumBelow += level * n;
    const between = below * above * (sumBelow / below - (sum - sumBelow) / above) ** 2;
    if (between > best) {
      best = between;
      threshold = level;
    }
  }
  return threshold;
}

const hasInk = (text: string) => /[\p{L}\p{N}]/u.test(text);

/**
 * The pieces of ink left at the head and foot of the text: the bands from four body lines above the
 * first line read to one and a half below it (and the same at the foot), within the text column and two
 * line heights either side, minus every word read. A page with fewer than three lines of three words
 * (a blank page, a plate) has no text to measure from, and no pieces: noise must not become text.
 */
export function findMarginPieces(image: GreyImage, page: OcrPage): MarginPiece[] {
  const lines: OcrLine[] = page.blocks.flatMap((block) => block.paragraphs.flatMap((paragraph) => paragraph.lines)).filter((line) => hasInk(line.text));
  const textLines = lines.filter((line) => line.words.length >= 3);
  if (textLines.length < 3) return [];
  const lineHeight = quantile(
    textLines.map((line) => line.bbox.height),
    0.5,
  );
  if (lineHeight < 4) return [];
  const { width, height } = image;
  const left = Math.max(
    0,
    Math.round(
      quantile(
        textLines.map((line) => line.bbox.x),
        0.1,
      ) -
        2 * lineHeight,
    ),
  );
  const right = Math.min(
    width,
    Math.round(
      quantile(
        textLines.map((line) => line.bbox.x + line.bbox.width),
        0.9,
      ) +
        2 * lineHeight,
    ),
  );
  const top = Math.min(...lines.map((line) => line.bbox.y));
  const bottom = Math.max(...lines.map((line) => line.bbox.y + line.bbox.height));
  const clampY = (y: number) => Math.min(height, Math.max(0, Math.round(y)));
  const bands: Array<[number, number]> = [
    [clampY(top - 4 * lineHeight), clampY(top + 1.5 * lineHeight)],
    [clampY(bottom - 1.5 * lineHeight), clampY(bottom + 4 * lineHeight)],
  ];
  const words = lines.flatMap((line) => line.words);
  const pieces: MarginPiece[] = [];
  for (const [y0, y1] of bands) {
    if (y1 <= y0 || right <= left) continue;
    pieces.push(...bandPieces(image, { x0: left, x1: right, y0, y1 }, words, lineHeight));
  }
  // Too many pieces: an engraving, an ornament band or a dark gutter, whose "words" would be noise.
  return pieces.length > MAX_PIECES ? [] : pieces;
}

function bandPieces(image: GreyImage, band: { x0: number; x1: number; y0: number; y1: number }, words: readonly OcrWord[], lineHeight: number): MarginPiece[] {
  const { x0, x1, y0, y1 } = band;
  const bw = x1 - x0;
  const bh = y1 - y0;
  const histogram = new Uint32Array(256);
  for (let y = y0; y < y1; y++) {
    const row = y * image.width;
    for (let x = x0; x < x1; x++) histogram[image.data[row + x] as number]! += 1;
  }
  const threshold = otsuThreshold(histogram, bw * bh);
  const ink = new Uint8Array(bw * bh);
  for (let y = 0; y < bh; y++) {
    const row = (y + y0) * image.width + x0;
    for (let x = 0; x < bw; x++) ink[y * bw + x] = (image.data[row + x] as number) <= threshold ? 1 : 0;
  }
  // Blank out every word already read, with a margin for the ink tesseract's box leaves outside.
  const pad = Math.round(0.15 * lineHeight);
  for (const { bbox } of words) {
    const a = Math.max(0, bbox.x - pad - x0);
    const b = Math.min(bw, bbox.x + bbox.width + pad - x0);
    if (b <= a) continue;
    for (let y = Math.max(0, bbox.y - pad - y0); y < Math.min(bh, bbox.y + bbox.height + pad - y0); y++) ink.fill(0, y * bw + a, y * bw + b);
  }

  // Rows of ink (two pixels at least: one is dust), closed over gaps of a fifth of a line.
  const rowInk = new Uint32Array(bh);
  for (let y = 0; y < bh; y++) {
    let n = 0;
    for (let x = 0; x < bw; x++) n += ink[y * bw + x] as number;
    rowInk[y] = n;
  }
  const pieces: MarginPiece[] = [];
  for (const [r0, r1] of runs(bh, (y) => (rowInk[y] as number) >= 2, 0.2 * lineHeight)) {
    const rows = r1 - r0;
    if (rows < 0.4 * lineHeight || rows > 2.5 * lineHeight) continue;
    const columnInk = new Uint32Array(bw);
    for (let y = r0; y < r1; y++) for (let x = 0; x < bw; x++) columnInk[x]! += ink[y * bw + x] as number;
    // Letters of a word, and words of a short phrase, are closer than most of a line height.
    for (const [c0, c1] of runs(bw, (x) => (columnInk[x] as number) > 0, 0.8 * lineHeight)) {
      // A piece touching the band's side is the page's edge or the gutter's shadow, cut off.
      if (c0 === 0 || c1 === bw) continue;
      let count = 0;
      let inkTop = r1;
      let inkBottom = r0;
      for (let y = r0; y < r1; y++) {
        for (let x = c0; x < c1; x++) {
          if (ink[y * bw + x]) {
            count += 1;
            inkTop = Math.min(inkTop, y);
            inkBottom = Math.max(inkBottom, y);
          }
        }
      }
      const pieceWidth = c1 - c0;
      const pieceHeight = inkBottom - inkTop + 1;
      const density = count / (pieceWidth * pieceHeight);
      // The size of type (a digit is narrow, a phrase a few words long), and the density of letters: a rule is
      // solid, a speck cloud sparse.
      if (pieceWidth < 0.2 * lineHeight || pieceWidth > 12 * lineHeight) continue;
      if (pieceHeight < 0.45 * lineHeight || pieceHeight > 2.5 * lineHeight) continue;
      if (density < 0.08 || density > 0.7) continue;
      const pixels = new Uint8Array(pieceWidth * pieceHeight);
      for (let y = 0; y < pieceHeight; y++) {
        const from = (inkTop + y) * bw + c0;
        pixels.set(ink.subarray(from, from + pieceWidth), y * pieceWidth);
      }
      pieces.push({ bbox: { x: c0 + x0, y: inkTop + y0, width: pieceWidth, height: pieceHeight }, ink: pixels });
    }
  }
  return pieces;
}

/** Runs of indices 0..n-1 where `on` holds, joined across gaps shorter than `maxGap`; [start, end). */
function runs(n: number, on: (i: number) => boolean, maxGap: number): Array<[number, number]> {
  const found: Array<[number, number]> = [];
  let start = -1;
  let end = -1;
  for (let i = 0; i < n; i++) {
    if (!on(i)) continue;
    if (start >= 0 && i - end > maxGap) {
      found.push([start, end]);
      start = -1;
    }
    if (start < 0) start = i;
    end = i + 1;
  }
  if (start >= 0) found.push([start, end]);
  return found;
}

/** The pieces stacked one under another on white, apart by a line height, as one image to read. */
export interface MarginStack {
  image: GreyImage;
  /** Where each piece's top-left corner lies in the stack. */
  offsets: Array<{ x: number; y: number }>;
  pieces: MarginPiece[];
  /** White around each piece: half the gap between two. */
  pad: number;
}

/** Black ink on white, each piece on a line of its own, so one block reading serves them all. */
export function stackPieces(pieces: readonly MarginPiece[]): MarginStack {
  const tallest = Math.max(...pieces.map((piece) => piece.bbox.height));
  const pad = Math.max(8, Math.round(0.6 * tallest));
  const width = Math.max(...pieces.map((piece) => piece.bbox.width)) + 2 * pad;
  const offsets: Array<{ x: number; y: number }> = [];
  let y = pad;
  for (const piece of pieces) {
    offsets.push({ x: pad, y });
    y += piece.bbox.height + 2 * pad;
  }
  const height = y - pad;
  const data = new Uint8Array(width * height).fill(255);
  pieces.forEach((piece, index) => {
    const at = offsets[index] as { x: number; y: number };
    for (let row = 0; row < piece.bbox.height; row++) {
      for (let x = 0; x < piece.bbox.width; x++) {
        if (piece.ink[row * piece.bbox.width + x]) data[(at.y + row) * width + at.x + x] = 0;
      }
    }
  });
  return { image: { data, width, height }, offsets, pieces: [...pieces], pad };
}

/**
 * Words of the stack's reading, back in page pixels, grouped by piece: a word belongs to the piece whose
 * slot holds its middle. Words without a letter or digit, or read with less than
 * {@link MIN_CONFIDENCE}, are not kept: a margin holds stains and rules too.
 */
export function marginWords(rows: readonly TsvRow[], stack: MarginStack): OcrWord[][] {
  const byPiece: OcrWord[][] = stack.pieces.map(() => []);
  for (const row of rows) {
    if (row.level !== 5) continue;
    const text = row.text.trim();
    const wordConfidence = confidence(row.conf);
    if (!hasInk(text) || wordConfidence < MIN_CONFIDENCE) continue;
    const middle = row.top + row.height / 2;
    const index = stack.offsets.findIndex((at, i) => middle >= at.y - stack.pad && middle < at.y + (stack.pieces[i] as MarginPiece).bbox.height + stack.pad);
    if (index < 0) continue;
    const piece = stack.pieces[index] as MarginPiece;
    const at = stack.offsets[index] as { x: number; y: number };
    byPiece[index]!.push({
      text,
      bbox: { x: Math.max(0, row.left - at.x + piece.bbox.x), y: Math.max(0, row.top - at.y + piece.bbox.y), width: row.width, height: row.height },
      confidence: wordConfidence,
    });
  }
  return byPiece;
}

/**
 * The page with one block per piece that the pass read words in, numbered after the page's own
 * blocks and marked `pass: 'margin'`. The page's mean confidence stays the page read's own.
 */
export function withMarginBlocks(page: OcrPage, words: readonly OcrWord[][]): OcrPage {
  const read = words.filter((piece) => piece.length > 0);
  if (read.length === 0) return page;
  const added: OcrBlock[] = read.map((pieceWords, index) => {
    const bbox = boxAround(pieceWords.map((word) => word.bbox));
    const text = pieceWords.map((word) => word.text).join(' ');
    const mean = round(pieceWords.reduce((sum, word) => sum + word.confidence, 0) / pieceWords.length);
    return {
      blockNum: page.blocks.length + index + 1,
      bbox,
      pass: 'margin',
      paragraphs: [{ parNum: 1, bbox, text, confidence: mean, lines: [{ bbox, text, confidence: mean, words: pieceWords }] }],
    };
  });
  return { ...page, blocks: [...page.blocks, ...added] };
}
