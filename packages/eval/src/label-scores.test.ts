import { describe, expect, it } from 'vitest';
import { addClassCounts, boxesOverlap, precisionRecall, scaleRegions, scoredClassOf, scoreLabels } from './label-scores.js';
import type { TruthRegion } from './truth/truth-page.js';

const box = (x: number, y: number, width: number, height: number) => ({ x, y, width, height });
const region = (kind: TruthRegion['kind'], bbox: TruthRegion['bbox']): TruthRegion => ({ kind, type: kind, bbox, text: null });

describe('boxesOverlap', () => {
  it('measures the intersection against the smaller box', () => {
    const page = box(0, 0, 1000, 1000);
    expect(boxesOverlap(box(10, 10, 100, 20), page)).toBe(true); // a small block inside a large region
    expect(boxesOverlap(box(0, 0, 100, 100), box(60, 0, 100, 100))).toBe(false); // 40% of each
    expect(boxesOverlap(box(0, 0, 100, 100), box(40, 0, 100, 100))).toBe(true); // 60%
    expect(boxesOverlap(box(0, 0, 100, 100), box(200, 0, 10, 10))).toBe(false);
    expect(boxesOverlap(box(0, 0, 0, 100), box(0, 0, 100, 100))).toBe(false); // empty box
  });
});

describe('scoreLabels', () => {
  // A page: running head at the top, a page number at the top right, body, a footnote.
  const regions = [
    region('header', box(300, 50, 400, 40)),
    region('page-number', box(900, 50, 50, 40)),
    region('body', box(100, 150, 800, 1400)),
    region('footnote', box(100, 1600, 800, 200)),
  ];

  it('counts a block right when it overlaps a region of its class, and a region found when such a block overlaps it', () => {
    const counts = scoreLabels(
      [
        { bbox: box(310, 55, 380, 30), classification: 'HEADER' },
        { bbox: box(905, 55, 40, 30), classification: 'BODY' }, // the page number, missed
        { bbox: box(110, 160, 780, 600), classification: 'BODY' },
        { bbox: box(110, 800, 780, 700), classification: 'BODY' },
        { bbox: box(110, 1610, 780, 150), classification: 'PAGE_NUMBER' }, // the footnote, called a page number
      ],
      regions,
    );
    expect(counts.header).toEqual({ predicted: 1, correct: 1, regions: 1, found: 1 });
    expect(counts['page-number']).toEqual({ predicted: 1, correct: 0, regions: 1, found: 0 });
    expect(counts.body).toEqual({ predicted: 3, correct: 2, regions: 1, found: 1 });
    expect(counts.footnote).toEqual({ predicted: 0, correct: 0, regions: 1, found: 0 });
    expect(precisionRecall(counts.body)).toEqual({ precision: 2 / 3, recall: 1 });
    expect(precisionRecall(counts.footnote)).toEqual({ precision: null, recall: 0 });
  });

  it('a block spanning the header and the page number counts for the class it was given only', () => {
    const counts = scoreLabels([{ bbox: box(290, 45, 670, 50), classification: 'HEADER' }], regions);
    // The wide block covers the page-number region entirely, and most of the smaller header box.
    expect(counts.header).toMatchObject({ correct: 1, found: 1 });
    expect(counts['page-number']).toMatchObject({ predicted: 0, found: 0, regions: 1 });
  });

  it('sums pages, maps running-text classes to body, scales truth boxes to the OCR image', () => {
    const a = scoreLabels([{ bbox: box(310, 55, 380, 30), classification: 'HEADER' }], regions);
    const total = addClassCounts([a, a]);
    expect(total.header).toEqual({ predicted: 2, correct: 2, regions: 2, found: 2 });
    expect(scoredClassOf('INTRODUCTION')).toBe('body');
    expect(scoredClassOf('CHAPTER_HEADING')).toBe('heading');
    expect(scoredClassOf('TABLE')).toBeNull();
    const scaled = scaleRegions([region('body', box(100, 200, 300, 400))], { width: 1000, height: 2000 }, { width: 500, height: 1000 });
    expect(scaled[0]!.bbox).toEqual(box(50, 100, 150, 200));
  });
});
