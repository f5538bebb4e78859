import { BasePageMetricsSchema, LOW_CONFIDENCE_THRESHOLD, type OcrPage } from '@bookpipe/contracts';
import { z } from 'zod';
import type { OcrEngineInfo, OcrPageResult } from './engine.js';

/** Metrics journalled with every OCR page (ocr/checkpoint.jsonl). */
export const OcrPageMetricsSchema = BasePageMetricsSchema.extend({
  /** Mean word confidence 0..1; 0 for a page with no words. */
  meanConfidence: z.number().min(0).max(1),
  blocks: z.number().int().nonnegative(),
  words: z.number().int().nonnegative(),
  /** Share of words with a confidence under {@link LOW_CONFIDENCE_THRESHOLD} (0.6); 0 with no words. */
  lowConfidenceWordShare: z.number().min(0).max(1),
  /** `tesseract.js 7.0.0` or `tesseract 5.3.0`. */
  engine: z.string(),
  model: z.string(),
  /** Degrees clockwise the page was turned before OCR. */
  rotation: z.number().int(),
  /** OSD's orientation confidence; null when not detected. */
  orientationConfidence: z.number().nullable(),
  osdSeconds: z.number().nonnegative(),
  ocrSeconds: z.number().nonnegative(),
  /** The margin pass (margin-pass.ts); absent in journals written before it existed. */
  marginSeconds: z.number().nonnegative().optional(),
  /** Blocks the margin pass added (`pass: 'margin'`). */
  marginBlocks: z.number().int().nonnegative().optional(),
});
export type OcrPageMetrics = z.infer<typeof OcrPageMetricsSchema>;

/** Columns of ocr/report.csv: the quality of each page at a glance. */
export const OcrReportSchema = OcrPageMetricsSchema.pick({
  pageNum: true,
  meanConfidence: true,
  blocks: true,
  words: true,
  lowConfidenceWordShare: true,
  rotation: true,
  processingTimeSeconds: true,
});

/** Word counts of a page: all words and those under the low-confidence threshold. */
export function wordStats(page: OcrPage): { words: number; lowConfidenceWords: number } {
  let words = 0;
  let low = 0;
  for (const b of page.blocks)
    for (const p of b.paragraphs)
      for (const l of p.lines)
        for (const w of l.words) {
          words++;
          if (w.confidence < LOW_CONFIDENCE_THRESHOLD) low++;
        }
  return { words, lowConfidenceWords: low };
}

export function pageMetrics(result: OcrPageResult, info: OcrEngineInfo): OcrPageMetrics {
  const { page, timings } = result;
  const { words, lowConfidenceWords } = wordStats(page);
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  return {
    pageNum: page.pageNumber,
    processingTimeSeconds: r3(timings.totalSeconds),
    costUsd: 0,
    meanConfidence: page.meanConfidence,
    blocks: page.blocks.length,
    words,
    lowConfidenceWordShare: words === 0 ? 0 : Math.round((lowConfidenceWords / words) * 10_000) / 10_000,
    engine: `${info.pageEngine.name} ${info.pageEngine.version}`,
    model: info.model,
    rotation: page.rotation ?? 0,
    orientationConfidence: result.orientationConfidence,
    osdSeconds: r3(timings.osdSeconds),
    ocrSeconds: r3(timings.ocrSeconds),
    marginSeconds: r3(timings.marginSeconds ?? 0),
    marginBlocks: page.blocks.filter((block) => block.pass === 'margin').length,
  };
}
