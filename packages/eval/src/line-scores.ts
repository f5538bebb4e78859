import { type BBox, boxAround, type LabelPage, type LineClass, type OcrPage } from '@bookpipe/contracts';
import { boxesOverlap, type ClassCounts } from './label-scores.js';
import type { TruthRegion } from './truth/truth-page.js';

/**
 * What is scored line by line: each kind of page furniture, and headings (a chapter or section heading
 * on a line of its own, which OCR often reads into the text block around it).
 */
export const LINE_KINDS = ['header', 'page-number', 'footer', 'catch-word', 'signature-mark', 'marginalia', 'heading'] as const;
export type LineKind = (typeof LINE_KINDS)[number];

/** Truth region types (PAGE-XML `type`, the JSONL layout labels) that name each furniture kind. */
const TRUTH_TYPES: Record<string, LineKind> = {
  header: 'header',
  title: 'header',
  running_title: 'header',
  'page-number': 'page-number',
  page_number: 'page-number',
  footer: 'footer',
  'catch-word': 'catch-word',
  'signature-mark': 'signature-mark',
  marginalia: 'marginalia',
  printed_marginalia: 'marginalia',
  heading: 'heading',
};

const KIND_OF_CLASS: Record<LineClass, LineKind> = {
  HEADER: 'header',
  PAGE_NUMBER: 'page-number',
  FOOTER: 'footer',
  CATCHWORD: 'catch-word',
  SIGNATURE_MARK: 'signature-mark',
  MARGINALIA: 'marginalia',
  CHAPTER_HEADING: 'heading',
  SECTION_HEADING: 'heading',
};

/** The line kind a truth region's type names (furniture or heading); null for text and the rest. */
export function lineKindOfRegion(type: string): LineKind | null {
  return TRUTH_TYPES[type] ?? null;
}

/** A piece of furniture as a label page marks it: a box in the OCR image and its kind. */
export interface FurniturePiece {
  bbox: BBox;
  kind: LineKind;
}

/**
 * Furniture as the label page marks it, piece by piece: each line label (the box of its words when it
 * names words, else of its line's words with ink, else of its line), and each inked line of a block labelled HEADER, PAGE_NUMBER or FOOTER
 * as a whole where no line label covers it (a FOOTER block says "foot", not which: it scores as footer,
 * neither catch-word nor signature).
 */
export function furniturePieces(ocr: OcrPage, label: LabelPage): FurniturePiece[] {
  const pieces: FurniturePiece[] = [];
  const covered = new Set<string>();
  for (const line of label.lines ?? []) {
    const ocrLine = ocr.blocks.find((b) => b.blockNum === line.blockNum)?.paragraphs.find((p) => p.parNum === line.parNum)?.lines[line.lineNum - 1];
    if (!ocrLine) continue;
    covered.add(`${line.blockNum}/${line.parNum}/${line.lineNum}`);
    // A whole line is scored by its words with ink: OCR's line box also spans specks read as ";" or "|" beside them.
    const words = line.words ? ocrLine.words.slice(line.words[0] - 1, line.words[1]) : ocrLine.words.filter((word) => /[\p{L}\p{N}]/u.test(word.text));
    pieces.push({ bbox: words.length > 0 ? boxAround(words.map((word) => word.bbox)) : ocrLine.bbox, kind: KIND_OF_CLASS[line.classification] });
  }
  const blockKinds: Partial<Record<string, LineKind>> = {
    HEADER: 'header',
    PAGE_NUMBER: 'page-number',
    FOOTER: 'footer',
    CHAPTER_HEADING: 'heading',
    SECTION_HEADING: 'heading',
  };
  for (const block of label.blocks) {
    const kind = blockKinds[block.classification];
    if (!kind) continue;
    for (const paragraph of ocr.blocks.find((b) => b.blockNum === block.blockNum)?.paragraphs ?? []) {
      paragraph.lines.forEach((line, index) => {
        if (!covered.has(`${block.blockNum}/${paragraph.parNum}/${index + 1}`) && /[\p{L}\p{N}]/u.test(line.text)) pieces.push({ bbox: line.bbox, kind });
      });
    }
  }
  return pieces;
}

/** Share of `inner`'s area that lies inside `outer`. */
function shareInside(inner: BBox, outer: BBox): number {
  const width = Math.min(inner.x + inner.width, outer.x + outer.width) - Math.max(inner.x, outer.x);
  const height = Math.min(inner.y + inner.height, outer.y + outer.height) - Math.max(inner.y, outer.y);
  const area = inner.width * inner.height;
  return width > 0 && height > 0 && area > 0 ? (width * height) / area : 0;
}

const emptyCounts = (): Record<LineKind, ClassCounts> =>
  Object.fromEntries(LINE_KINDS.map((kind) => [kind, { predicted: 0, correct: 0, regions: 0, found: 0 }])) as Record<LineKind, ClassCounts>;

/**
 * Line-level furniture counts on one page: a piece marked as a kind is correct when its box lies mostly
 * (`minOverlap` of its area) inside a truth region of that kind, so a whole line marked HEADER that also
 * holds text is not; a truth region of a kind is found when a piece of that kind overlaps it (most of
 * the smaller box in the other: `boxesOverlap`). Regions are in the OCR image's pixels
 * (`scaleRegions` first when the truth's image had another size).
 */
export function scoreLines(ocr: OcrPage, label: LabelPage, regions: readonly TruthRegion[], minOverlap = 0.5): Record<LineKind, ClassCounts> {
  const pieces = furniturePieces(ocr, label);
  const truth = regions.flatMap((region) => {
    const kind = lineKindOfRegion(region.type);
    return kind ? [{ bbox: region.bbox, kind }] : [];
  });
  const counts = emptyCounts();
  for (const kind of LINE_KINDS) {
    const ours = pieces.filter((piece) => piece.kind === kind);
    const theirs = truth.filter((region) => region.kind === kind);
    counts[kind].predicted = ours.length;
    counts[kind].correct = ours.filter((piece) => theirs.some((region) => shareInside(piece.bbox, region.bbox) >= minOverlap)).length;
    counts[kind].regions = theirs.length;
    counts[kind].found = theirs.filter((region) => ours.some((piece) => boxesOverlap(piece.bbox, region.bbox, minOverlap))).length;
  }
  return counts;
}

/** Line counts summed over pages. */
export function addLineCounts(pages: ReadonlyArray<Record<LineKind, ClassCounts>>): Record<LineKind, ClassCounts> {
  const total = emptyCounts();
  for (const page of pages) {
    for (const kind of LINE_KINDS) {
      for (const key of ['predicted', 'correct', 'regions', 'found'] as const) total[kind][key] += page[kind][key];
    }
  }
  return total;
}
