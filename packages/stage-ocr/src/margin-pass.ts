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
/** A word box taller than this many line heights spans two rows (see `findMarginPieces`). */
const TALL_WORD = 1.5;
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
  // From the lines of text, not every line read: specks read as words at the image's edge (a thin
  // line of them, under the text's height) would move a band off the text.
  const anchors = textLines.filter((line) => line.bbox.height >= 0.5 * lineHeight);
  const top = Math.min(...anchors.map((line) => line.bbox.y));
  const bottom = Math.max(...anchors.map((line) => line.bbox.y + line.bbox.height));
  const clampY = (y: number) => Math.min(height, Math.max(0, Math.round(y)));
  const bands: Array<[number, number]> = [
    [clampY(top - 4 * lineHeight), clampY(top + 1.5 * lineHeight)],
    [clampY(bottom - 1.5 * lineHeight), clampY(bottom + 4 * lineHeight)],
  ];
  const words = lines.flatMap((line) => line.words);
  // At the foot, a word box much taller than a line holds two rows: tesseract read the catch-word set
  // under the last line's end as one more word of that line ("... auch A", the "A" reaching down over
  // it). Only the word's own row, down to its line's other words' median bottom, is blanked there, so
  // the catch-word under it is found.
  const footWords = lines.flatMap((line) => {
    const tall = (word: OcrWord) => word.bbox.height > TALL_WORD * lineHeight;
    const others = line.words.filter((word) => !tall(word));
    if (others.length === line.words.length || others.length < 2) return line.words;
    const rowBottom = quantile(
      others.map((word) => word.bbox.y + word.bbox.height),
      0.5,
    );
    return line.words.map((word) =>
      tall(word) && rowBottom > word.bbox.y ? { ...word, bbox: { ...word.bbox, height: Math.round(rowBottom - word.bbox.y) } } : word,
    );
  });
  const pieces: MarginPiece[] = [];
  bands.forEach(([y0, y1], index) => {
    if (y1 <= y0 || right <= left) return;
    pieces.push(...bandPieces(image, { x0: left, x1: right, y0, y1 }, index === 0 ? words : footWords, lineHeight));
  });
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

  // Pieces are the ink's connected parts, joined where letters of a word or words of a short phrase
  // stand (closer than most of a line height across, a fifth of one up or down). Not rows across the
  // band: a dark page edge or a speckled foot keeps every row inked, and the catch-word would be lost in one
  // band-high run.
  const { labels, parts } = connectedParts(ink, bw, bh);
  // A part too big for type (the dark ground beyond the page, a picture) or cut by the band's side (the
  // page's edge, the gutter's shadow) is no piece and must not swallow the folio or catch-word beside it.
  const typeSized = parts.map((part) => {
    const { x0: left, x1: right, y0: top, y1: bottom } = part.box;
    return left > 0 && right < bw && right - left <= 12 * lineHeight && bottom - top <= 2.5 * lineHeight;
  });
  const groups = joinParts(parts, typeSized, 0.8 * lineHeight, 0.2 * lineHeight);
  const pieces: MarginPiece[] = [];
  for (const group of groups) {
    const box = group.box;
    const pieceWidth = box.x1 - box.x0;
    const pieceHeight = box.y1 - box.y0;
    const density = group.count / (pieceWidth * pieceHeight);
    // The size of type (a digit is narrow, a phrase a few words long), and the density of letters: a rule is
    // solid, a speck cloud sparse.
    if (pieceWidth < 0.2 * lineHeight || pieceWidth > 12 * lineHeight) continue;
    if (pieceHeight < 0.45 * lineHeight || pieceHeight > 2.5 * lineHeight) continue;
    if (density < 0.08 || density > 0.7) continue;
    // Only the piece's own parts: a speck of another piece inside its box stays out.
    const own = new Set(group.members);
    const pixels = new Uint8Array(pieceWidth * pieceHeight);
    for (let y = 0; y < pieceHeight; y++) {
      for (let x = 0; x < pieceWidth; x++) {
        const part = labels[(box.y0 + y) * bw + box.x0 + x] as number;
        if (part > 0 && own.has(part - 1)) pixels[y * pieceWidth + x] = 1;
      }
    }
    pieces.push({ bbox: { x: box.x0 + x0, y: box.y0 + y0, width: pieceWidth, height: pieceHeight }, ink: pixels });
  }
  return pieces.sort((a, b) => a.bbox.y - b.bbox.y || a.bbox.x - b.bbox.x);
}

/** A box in band pixels, [x0, x1) x [y0, y1). */
interface Extent {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Ink parts of fewer pixels than this are dust. */
const MIN_PART = 3;

/**
 * The 8-connected parts of the ink: `labels` holds each pixel's part index + 1 (0: paper or dust), `parts` their
 * boxes and pixel counts.
 */
function connectedParts(ink: Uint8Array, width: number, height: number): { labels: Int32Array; parts: Array<{ box: Extent; count: number }> } {
  const labels = new Int32Array(width * height);
  const parts: Array<{ box: Extent; count: number }> = [];
  let stack = new Int32Array(1024);
  const visited = new Uint8Array(width * height);
  for (let start = 0; start < ink.length; start++) {
    if (!ink[start] || visited[start]) continue;
    const members: number[] = [];
    const box: Extent = { x0: width, y0: height, x1: 0, y1: 0 };
    let size = 0;
    stack[size++] = start;
    visited[start] = 1;
    while (size > 0) {
      size -= 1;
      const at = stack[size] as number;
      members.push(at);
      const x = at % width;
      const y = (at - x) / width;
      box.x0 = Math.min(box.x0, x);
      box.x1 = Math.max(box.x1, x + 1);
      box.y0 = Math.min(box.y0, y);
      box.y1 = Math.max(box.y1, y + 1);
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= width) continue;
          const next = ny * width + nx;
          if (!ink[next] || visited[next]) continue;
          visited[next] = 1;
          if (size === stack.length) {
            const grown = new Int32Array(stack.length * 2);
            grown.set(stack);
            stack = grown;
          }
          stack[size++] = next;
        }
      }
    }
    if (members.length < MIN_PART) continue;
    parts.push({ box, count: members.length });
    for (const member of members) labels[member] = parts.length;
  }
  return { labels, parts };
}

/**
 * The parts that `use` keeps, joined into groups where their boxes lie within `across` of each other side to
 * side and `down` up or down.
 */
function joinParts(
  parts: ReadonlyArray<{ box: Extent; count: number }>,
  use: readonly boolean[],
  across: number,
  down: number,
): Array<{ box: Extent; count: number; members: number[] }> {
  const parent = parts.map((_, index) => index);
  const root = (i: number): number => {
    let r = i;
    while (parent[r] !== r) r = parent[r] as number;
    while (parent[i] !== r) {
      const next = parent[i] as number;
      parent[i] = r;
      i = next;
    }
    return r;
  };
  const order = parts
    .map((_, index) => index)
    .filter((index) => use[index])
    .sort((a, b) => (parts[a] as { box: Extent }).box.x0 - (parts[b] as { box: Extent }).box.x0);
  for (let i = 0; i < order.length; i++) {
    const a = (parts[order[i] as number] as { box: Extent }).box;
    // Sorted by left edge: once a part starts further right than `across` past this one's right edge, so do the rest.
    for (let j = i + 1; j < order.length; j++) {
      const b = (parts[order[j] as number] as { box: Extent }).box;
      if (b.x0 - a.x1 >= across) break;
      const gapDown = Math.max(b.y0 - a.y1, a.y0 - b.y1);
      if (gapDown < down) parent[root(order[i] as number)] = root(order[j] as number);
    }
  }
  const groups = new Map<number, { box: Extent; count: number; members: number[] }>();
  parts.forEach((part, index) => {
    if (!use[index]) return;
    const key = root(index);
    const group = groups.get(key);
    if (!group) groups.set(key, { box: { ...part.box }, count: part.count, members: [index] });
    else {
      group.box = {
        x0: Math.min(group.box.x0, part.box.x0),
        y0: Math.min(group.box.y0, part.box.y0),
        x1: Math.max(group.box.x1, part.box.x1),
        y1: Math.max(group.box.y1, part.box.y1),
      };
      group.count += part.count;
      group.members.push(index);
    }
  });
  return [...groups.values()];
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
