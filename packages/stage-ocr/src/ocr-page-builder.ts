import type { BBox, OcrBlock, OcrLine, OcrPage, OcrParagraph, OcrWord } from '@bookpipe/contracts';
import type { TsvRow } from './tsv.js';

export interface OcrPageMeta {
  pageNumber: number;
  engine: OcrPage['engine'];
  /** Degrees clockwise the source image was turned before OCR; 0 when it was read as it is. */
  rotation: number;
  /** Image size, used when the rows hold no page row (level 1). */
  width?: number;
  height?: number;
}

/**
 * Builds an OCR page from tesseract TSV rows: the one converter behind both engines, so that both give
 * the same structure for the same recognition.
 *
 * - Words with no visible text are dropped; lines, paragraphs and blocks left without words are dropped
 *   (image regions, separators), so a page with no text has no blocks.
 * - Blocks and paragraphs are renumbered 1, 2, 3... in reading order after that, so numbers have no gaps.
 * - Confidences are tesseract's 0..100 divided by 100. A line's, a paragraph's and the page's confidence
 *   are the mean of their words' (0 for a page with no words).
 * - A line's text is its words joined by one space; a paragraph's is its lines joined by "\n" (line ends
 *   and end-of-line hyphens are kept as OCR read them).
 * - Boxes are in pixels of the image tesseract read (the rotated image when `rotation` is not 0).
 */
export function buildOcrPage(rows: readonly TsvRow[], meta: OcrPageMeta): OcrPage {
  const pageRow = rows.find((r) => r.level === 1);
  const width = pageRow?.width ?? meta.width;
  const height = pageRow?.height ?? meta.height;
  if (width === undefined || height === undefined) throw new Error('tesseract output has no page row and no image size was given');

  interface LineAcc {
    bbox: BBox;
    words: OcrWord[];
  }
  interface ParAcc {
    bbox: BBox;
    lines: Map<number, LineAcc>;
  }
  interface BlockAcc {
    bbox: BBox;
    pars: Map<number, ParAcc>;
  }
  const blocks = new Map<number, BlockAcc>();

  // Parents normally precede their children; a missing parent takes its child's box.
  const block = (r: TsvRow) => getOrSet(blocks, r.block, (): BlockAcc => ({ bbox: box(r), pars: new Map() }));
  const par = (r: TsvRow) => getOrSet(block(r).pars, r.par, (): ParAcc => ({ bbox: box(r), lines: new Map() }));
  const line = (r: TsvRow) => getOrSet(par(r).lines, r.line, (): LineAcc => ({ bbox: box(r), words: [] }));

  for (const r of rows) {
    if (r.level === 2) block(r).bbox = box(r);
    else if (r.level === 3) par(r).bbox = box(r);
    else if (r.level === 4) line(r).bbox = box(r);
    else if (r.level === 5) {
      const text = r.text.trim();
      if (text === '') continue;
      line(r).words.push({ text, bbox: box(r), confidence: confidence(r.conf) });
    }
  }

  const outBlocks: OcrBlock[] = [];
  let pageConfSum = 0;
  let pageWords = 0;
  for (const b of sortedValues(blocks)) {
    const paragraphs: OcrParagraph[] = [];
    for (const p of sortedValues(b.pars)) {
      const lines: OcrLine[] = [];
      let parConfSum = 0;
      let parWords = 0;
      for (const l of sortedValues(p.lines)) {
        if (l.words.length === 0) continue;
        const sum = l.words.reduce((s, w) => s + w.confidence, 0);
        parConfSum += sum;
        parWords += l.words.length;
        lines.push({ bbox: l.bbox, text: l.words.map((w) => w.text).join(' '), confidence: round(sum / l.words.length), words: l.words });
      }
      if (lines.length === 0) continue;
      pageConfSum += parConfSum;
      pageWords += parWords;
      paragraphs.push({
        parNum: paragraphs.length + 1,
        bbox: p.bbox,
        text: lines.map((l) => l.text).join('\n'),
        confidence: round(parConfSum / parWords),
        lines,
      });
    }
    if (paragraphs.length === 0) continue;
    outBlocks.push({ blockNum: outBlocks.length + 1, bbox: b.bbox, paragraphs });
  }

  return {
    pageNumber: meta.pageNumber,
    width,
    height,
    engine: meta.engine,
    meanConfidence: pageWords === 0 ? 0 : round(pageConfSum / pageWords),
    rotation: meta.rotation,
    blocks: outBlocks,
  };
}

function box(r: TsvRow): BBox {
  return { x: r.left, y: r.top, width: Math.max(0, r.width), height: Math.max(0, r.height) };
}

/** A word's confidence in an OCR page: tesseract's 0..100, clamped, as 0..1. */
export function confidence(conf: number): number {
  return round(Math.min(100, Math.max(0, conf)) / 100);
}

/** Four decimals: finer than tesseract's own precision matters, and the files stay readable. */
export function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

function getOrSet<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = make();
    map.set(key, v);
  }
  return v;
}

/** Tesseract numbers in reading order; a Map keeps insertion order, but sort to not depend on it. */
function sortedValues<V>(map: Map<number, V>): V[] {
  return [...map.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
}
