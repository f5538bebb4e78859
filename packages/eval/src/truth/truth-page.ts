/**
 * What a ground-truth region is, in the few kinds the scores use. Running heads, page numbers and feet
 * (catch-words, signature marks) are the page's furniture: not part of the reading text.
 */
export type TruthKind = 'header' | 'page-number' | 'footer' | 'heading' | 'footnote' | 'body' | 'other';

export const FURNITURE_KINDS: ReadonlySet<TruthKind> = new Set(['header', 'page-number', 'footer']);

export interface TruthRegion {
  kind: TruthKind;
  /** The dataset's own type name ("catch-word", "page-number", "commentary"...). */
  type: string;
  /** In the pixels of the truth's image (see `TruthPage.imageSize`). */
  bbox: BBox;
  /** The region's transcription; null when the truth has none for it. */
  text: string | null;
}

/** The formats a truth page can come from (see README.md, "Ground truth"). */
export type TruthFormat = 'text' | 'page-xml' | 'regions-jsonl';

/** What a truth text covers: the whole page (furniture included), or the reading text only. */
export type TruthScope = 'page' | 'body';

/** One page of ground truth, whatever its format. */
export interface TruthPage {
  /** The page's name: its file name without extensions ("a006", "OCR-D-GT-PAGE_00000057"). */
  key: string;
  /** The truth files it was read from. */
  files: string[];
  format: TruthFormat;
  /** File name (no folder) of the page image the truth names, when it names one (PAGE-XML `imageFilename`). */
  imageName: string | null;
  /** Size of the image the region boxes refer to, when the truth says it. */
  imageSize: { width: number; height: number } | null;
  /** The truth's text in reading order, lines separated by "\n". */
  text: string;
  /** What `text` covers. */
  scope: TruthScope;
  /** The reading text (furniture regions left out), when the truth types its regions; else null. */
  bodyText: string | null;
  /** Typed regions with boxes, when the truth has them; else null. */
  regions: TruthRegion[] | null;
  /** The text of the page-number region, when the truth transcribes one. */
  printedPageNumber: string | null;
  /** Number of private-use characters in `text` (glyphs without a standard code point). */
  privateUseChars: number;
}

/** The box of a list of "x,y x,y ..." points. */
export function boxOfPoints(points: string): BBox | null {
  const xy = points
    .trim()
    .split(/\s+/)
    .map((pair) => pair.split(',').map(Number))
    .filter((p): p is [number, number] => p.length === 2 && p.every(Number.isFinite));
  if (xy.length === 0) return null;
  const xs = xy.map(([x]) => x);
  const ys = xy.map(([, y]) => y);
  const x = Math.min(...xs);
  const y = Math.min(...ys);
  return { x, y, width: Math.max(...xs) - x, height: Math.max(...ys) - y };
}

/** The reading text of typed regions: furniture left out, regions in the given order. */
export function bodyTextOf(regions: readonly TruthRegion[]): string {
  return regions
    .filter((region) => !FURNITURE_KINDS.has(region.kind) && region.text !== null)
    .map((region) => region.text)
    .join('\n');
}

import type { BBox } from '@bookpipe/contracts';
