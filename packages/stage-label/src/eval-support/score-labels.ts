/**
 * Test support, not exported: scores block labels against ground-truth regions by box overlap.
 */
import { type BBox, type OcrPage } from '@bookpipe/contracts';
import type { BlockClass, LabelPage } from '@bookpipe/contracts';
import type { TruthKind, TruthRegion } from './ground-truth.js';

/** The classes scored, and the truth kind each one must find. */
export const SCORED: Record<string, { kind: TruthKind; classes: BlockClass[] }> = {
  header: { kind: 'header', classes: ['HEADER'] },
  'page-number': { kind: 'page-number', classes: ['PAGE_NUMBER'] },
  footer: { kind: 'footer', classes: ['FOOTER'] },
  footnote: { kind: 'footnote', classes: ['FOOTNOTE'] },
  heading: { kind: 'heading', classes: ['CHAPTER_HEADING', 'SECTION_HEADING'] },
};

export interface ClassCounts {
  /** Blocks given the class. */
  predicted: number;
  /** ...of which overlap a truth region of the kind. */
  truePositives: number;
  /** Truth regions of the kind. */
  regions: number;
  /** ...of which are mostly covered by a block given the class. */
  found: number;
}

export interface PageToScore {
  ocr: OcrPage;
  label: LabelPage;
  regions: TruthRegion[];
  /** The printed page number of the truth, when known. */
  truthPageNumber: string | null;
}

const area = (box: BBox) => Math.max(0, box.width) * Math.max(0, box.height);
function intersection(a: BBox, b: BBox): number {
  const width = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const height = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return width > 0 && height > 0 ? width * height : 0;
}

/**
 * A truth region belongs to the OCR block covering most of it (at least half); a block's truth is
 * the kinds of the regions that belong to it plus those covering at least 30% of its box.
 */
export function scoreLabels(pages: readonly PageToScore[]): { perClass: Record<string, ClassCounts>; pageNumbers: { truth: number; predicted: number; correct: number } } {
  const perClass: Record<string, ClassCounts> = {};
  for (const name of Object.keys(SCORED)) perClass[name] = { predicted: 0, truePositives: 0, regions: 0, found: 0 };
  const pageNumbers = { truth: 0, predicted: 0, correct: 0 };
  for (const { ocr, label, regions, truthPageNumber } of pages) {
    const classOf = new Map(label.blocks.map((block) => [block.blockNum, block.classification]));
    const owner = regions.map((region) => {
      let best: { blockNum: number; cover: number } | null = null;
      for (const block of ocr.blocks) {
        const cover = intersection(region.bbox, block.bbox) / Math.max(1, area(region.bbox));
        if (cover >= 0.5 && (!best || cover > best.cover)) best = { blockNum: block.blockNum, cover };
      }
      return best?.blockNum ?? null;
    });
    for (const [name, { kind, classes }] of Object.entries(SCORED)) {
      const counts = perClass[name] as ClassCounts;
      regions.forEach((region, index) => {
        if (region.kind !== kind) return;
        counts.regions += 1;
        const blockNum = owner[index];
        const predicted = blockNum === null || blockNum === undefined ? undefined : classOf.get(blockNum);
        if (predicted !== undefined && classes.includes(predicted)) counts.found += 1;
      });
      for (const block of ocr.blocks) {
        if (!classes.includes(classOf.get(block.blockNum) as BlockClass)) continue;
        counts.predicted += 1;
        const hit = regions.some(
          (region, index) =>
            region.kind === kind && (owner[index] === block.blockNum || intersection(region.bbox, block.bbox) >= 0.3 * Math.max(1, area(block.bbox))),
        );
        if (hit) counts.truePositives += 1;
      }
    }
    if (truthPageNumber !== null) pageNumbers.truth += 1;
    if (label.printedPageNumber !== null) pageNumbers.predicted += 1;
    if (truthPageNumber !== null && label.printedPageNumber === truthPageNumber) pageNumbers.correct += 1;
  }
  return { perClass, pageNumbers };
}

/** "P 0.83 (5/6)  R 0.71 (5/7)" for a report line; "n/a" where nothing was predicted or expected. */
export function formatCounts(counts: ClassCounts): string {
  const ratio = (a: number, b: number) => (b === 0 ? 'n/a' : `${(a / b).toFixed(2)} (${a}/${b})`);
  return `precision ${ratio(counts.truePositives, counts.predicted)}  recall ${ratio(counts.found, counts.regions)}`;
}
