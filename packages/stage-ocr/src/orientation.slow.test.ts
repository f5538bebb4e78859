/**
 * Pages that lie sideways or upside down come out upright: cardinal.pdf is one page four times, turned
 * 0/90/180/270 degrees; rotated_skew.pdf is the same kind of page with /Rotate and a skew. Rendered to
 * PNG with mupdf as the source stage does.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cer, hasEval, noteSkip, ocrmypdf, renderPdf, wordRecall } from '@bookpipe/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOcrEngine } from './create-ocr-engine.js';
import type { OcrEngineName } from './options.js';
import { ocrPageText } from './page-text.js';

noteSkip('orientation.slow.test.ts');

describe.skipIf(!hasEval).each<OcrEngineName>(['tesseract.js', 'native'])('orientation with engine %s', (engineName) => {
  let tmp: string;
  let cardinal: string[];
  let rotatedSkew: string[];

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'stage-ocr-orientation-'));
    cardinal = await renderPdf(ocrmypdf('cardinal.pdf'), tmp);
    rotatedSkew = await renderPdf(ocrmypdf('rotated_skew.pdf'), tmp);
  });
  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('reads each cardinal page upright, with the same text as page 1, and records the turn', async () => {
    const engine = await createOcrEngine({ engine: engineName, maxWorkers: 2 });
    try {
      expect(cardinal).toHaveLength(4);
      const results = await Promise.all(cardinal.map((file, i) => engine.recognize(file, i + 1)));
      const pages = results.map((r) => r.page);
      // Page 2 is turned a quarter clockwise, so it takes three more quarters (270) to stand up.
      expect(pages.map((p) => p.rotation)).toEqual([0, 270, 180, 90]);
      // Boxes refer to the upright image: every page is as tall as page 1.
      for (const p of pages) expect([p.width, p.height]).toEqual([pages[0]!.width, pages[0]!.height]);
      const first = ocrPageText(pages[0]!);
      expect(first).toContain('LinnSequencer');
      for (const p of pages.slice(1)) expect(cer(first, ocrPageText(p))).toBeLessThan(0.02);
      for (const r of results.slice(1)) expect(r.orientationConfidence).toBeGreaterThan(14);
    } finally {
      await engine.destroy();
    }
  }, 180_000);

  it('reads rotated_skew.pdf upright (mupdf applies its /Rotate; OSD finds nothing left to turn)', async () => {
    const engine = await createOcrEngine({ engine: engineName, maxWorkers: 2 });
    try {
      const [skewed, upright] = await Promise.all([engine.recognize(rotatedSkew[0]!, 1), engine.recognize(cardinal[0]!, 1)]);
      expect(skewed.page.rotation).toBe(0);
      expect(skewed.page.height).toBeGreaterThan(skewed.page.width);
      const text = ocrPageText(skewed.page);
      expect(text).toContain('LinnSequencer');
      // The skew makes tesseract read the two columns across, so compare words, not their order.
      expect(wordRecall(ocrPageText(upright.page), text)).toBeGreaterThan(0.9);
    } finally {
      await engine.destroy();
    }
  }, 180_000);

  it('turns the page as asked without orientation detection: off means read as it is', async () => {
    const engine = await createOcrEngine({ engine: engineName, maxWorkers: 1, detectOrientation: false });
    try {
      const r = await engine.recognize(cardinal[2]!, 3);
      expect(r.page.rotation).toBe(0);
      expect(r.orientationConfidence).toBeNull();
      expect(r.timings.osdSeconds).toBeLessThan(0.05);
      expect(ocrPageText(r.page)).not.toContain('LinnSequencer');
    } finally {
      await engine.destroy();
    }
  }, 120_000);
});
