import type { BBox, BlockClass } from '@bookpipe/contracts';
import type { TruthKind, TruthRegion } from './truth/truth-page.js';

/** The classes scored: each truth kind that bookpipe labels, with the block classes that mean it. */
export const SCORED_CLASSES = ['header', 'page-number', 'footer', 'heading', 'footnote', 'body'] as const;
export type ScoredClass = (typeof SCORED_CLASSES)[number];

const CLASS_OF: Partial<Record<BlockClass, ScoredClass>> = {
  HEADER: 'header',
  PAGE_NUMBER: 'page-number',
  FOOTER: 'footer',
  CHAPTER_HEADING: 'heading',
  SECTION_HEADING: 'heading',
  FOOTNOTE: 'footnote',
  BODY: 'body',
  PREFACE: 'body',
  FOREWORD: 'body',
  INTRODUCTION: 'body',
  QUOTE: 'body',
  EPILOGUE: 'body',
  APPENDIX: 'body',
  ACKNOWLEDGMENTS: 'body',
};

/** The scored class a block class counts as (running text classes count as `body`); null for the others. */
export function scoredClassOf(classification: BlockClass): ScoredClass | null {
  return CLASS_OF[classification] ?? null;
}

/** Counts behind a class's precision and recall. */
export interface ClassCounts {
  /** Blocks given the class. */
  predicted: number;
  /** ...of which overlap a truth region of that kind. */
  correct: number;
  /** Truth regions of the kind. */
  regions: number;
  /** ...of which overlap a block given the class. */
  found: number;
}

/** A block as labelled: its box (in the OCR image's pixels) and class. */
export interface LabelledBlock {
  bbox: BBox;
  classification: BlockClass;
}

export interface LabelScoreOptions {
  /**
   * Share of the smaller of the two boxes that their intersection must cover for a block and a region
   * to overlap: 0.5 means "most of the block lies in the region, or most of the region in the block".
   * @default 0.5
   */
  minOverlap?: number;
}

const area = (box: BBox) => Math.max(0, box.width) * Math.max(0, box.height);

function intersection(a: BBox, b: BBox): number {
  const width = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const height = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return width > 0 && height > 0 ? width * height : 0;
}

/** True when the two boxes' intersection covers at least `minOverlap` of the smaller one. */
export function boxesOverlap(a: BBox, b: BBox, minOverlap = 0.5): boolean {
  const smaller = Math.min(area(a), area(b));
  return smaller > 0 && intersection(a, b) / smaller >= minOverlap;
}

const empty = (): Record<ScoredClass, ClassCounts> =>
  Object.fromEntries(SCORED_CLASSES.map((c) => [c, { predicted: 0, correct: 0, regions: 0, found: 0 }])) as Record<ScoredClass, ClassCounts>;

/**
 * Label precision and recall counts on one page. A block and a region overlap when their intersection
 * covers most of the smaller box (OCR blocks and truth regions rarely agree on extent: a block may hold
 * a header and its page number, a region several OCR blocks). For each class: a block given it is correct
 * when it overlaps a truth region of that kind; a region of that kind is found when a block given the
 * class overlaps it.
 */
export function scoreLabels(
  blocks: readonly LabelledBlock[],
  regions: readonly TruthRegion[],
  options: LabelScoreOptions = {},
): Record<ScoredClass, ClassCounts> {
  const minOverlap = options.minOverlap ?? 0.5;
  const counts = empty();
  const kinds = (cls: ScoredClass): TruthKind => cls;
  const overlaps = blocks.map((block) => regions.map((region) => boxesOverlap(block.bbox, region.bbox, minOverlap)));
  for (const cls of SCORED_CLASSES) {
    const c = counts[cls];
    blocks.forEach((block, b) => {
      if (scoredClassOf(block.classification) !== cls) return;
      c.predicted += 1;
      if (regions.some((region, r) => region.kind === kinds(cls) && overlaps[b]![r])) c.correct += 1;
    });
    regions.forEach((region, r) => {
      if (region.kind !== kinds(cls)) return;
      c.regions += 1;
      if (blocks.some((block, b) => scoredClassOf(block.classification) === cls && overlaps[b]![r])) c.found += 1;
    });
  }
  return counts;
}

/** Counts summed over pages. */
export function addClassCounts(pages: ReadonlyArray<Record<ScoredClass, ClassCounts>>): Record<ScoredClass, ClassCounts> {
  const total = empty();
  for (const page of pages) {
    for (const cls of SCORED_CLASSES) {
      total[cls].predicted += page[cls].predicted;
      total[cls].correct += page[cls].correct;
      total[cls].regions += page[cls].regions;
      total[cls].found += page[cls].found;
    }
  }
  return total;
}

/** Precision (correct / predicted) and recall (found / regions); null where the denominator is 0. */
export function precisionRecall(counts: ClassCounts): { precision: number | null; recall: number | null } {
  return {
    precision: counts.predicted === 0 ? null : counts.correct / counts.predicted,
    recall: counts.regions === 0 ? null : counts.found / counts.regions,
  };
}

/** Truth boxes in the pixels of the OCR'd image, when the truth's image had another size. */
export function scaleRegions(
  regions: readonly TruthRegion[],
  from: { width: number; height: number } | null,
  to: { width: number; height: number },
): TruthRegion[] {
  if (!from || (from.width === to.width && from.height === to.height)) return [...regions];
  const sx = to.width / from.width;
  const sy = to.height / from.height;
  return regions.map((r) => ({ ...r, bbox: { x: r.bbox.x * sx, y: r.bbox.y * sy, width: r.bbox.width * sx, height: r.bbox.height * sy } }));
}
