/**
 * tesseract.js against native tesseract on real scans, same model file and same PSM: their texts must
 * agree with each other (they differ from each other less than native differs from the truth), and
 * tesseract.js must be as good as native against the truth: its character error rate at most one
 * point above native's.
 *
 * Some old-books pages are poor scans (g006 is binarised almost black, d011 is speckled, e009 is cut
 * at the left margin): their error rates are high for both engines, and the comparison still holds.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bodyCer, cer, evalDir, hasEval, noteSkip, ocrmypdf, pagesIn, spread, toPng } from '@bookpipe/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOcrEngine } from './create-ocr-engine.js';
import type { OcrEngine } from './engine.js';
import { ocrPageText } from './page-text.js';

noteSkip('engines.slow.test.ts');

describe.skipIf(!hasEval)('tesseract.js and native tesseract on real scans (same model, PSM 3)', () => {
  let tmp: string;
  let js: OcrEngine;
  let native: OcrEngine;
  const table: string[] = [];

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'stage-ocr-engines-'));
    // One worker each: both engines read the same page at the same time on the two cores.
    const common = { maxWorkers: 1, detectOrientation: false } as const;
    [js, native] = await Promise.all([createOcrEngine({ ...common, engine: 'tesseract.js' }), createOcrEngine({ ...common, engine: 'native' })]);
  });

  afterAll(async () => {
    await Promise.all([js?.destroy(), native?.destroy()]);
    if (tmp) await rm(tmp, { recursive: true, force: true });
    console.log(`\nCER (normalised; tesseract.js vs native on the same model ${js?.info.model}):\n${table.join('\n')}`);
  });

  async function both(image: string, page: number) {
    const [a, b] = await Promise.all([js.recognize(image, page), native.recognize(image, page)]);
    return { js: ocrPageText(a.page), native: ocrPageText(b.page), jsPage: a.page, nativePage: b.page };
  }

  it('reads linn.png as native does, and as well against linn.txt', async () => {
    const r = await both(ocrmypdf('linn.png'), 1);
    const truth = readFileSync(ocrmypdf('linn.txt'), 'utf8');
    const between = cer(r.native, r.js);
    const [jsCer, nativeCer] = [cer(truth, r.js), cer(truth, r.native)];
    table.push(`linn.png       js~native ${pct(between)}  vs linn.txt: js ${pct(jsCer)} native ${pct(nativeCer)}`);
    expect(r.jsPage.blocks.length).toBeGreaterThan(5);
    expect(between).toBeLessThan(0.02);
    expect(jsCer).toBeLessThanOrEqual(nativeCer + 0.01);
    // linn.txt is itself an OCR reading of this clean page: both engines are close to it.
    expect(jsCer).toBeLessThan(0.03);
    // Same structure from the same converter: block by block, the same number of lines.
    expect(r.jsPage.blocks.map((b) => b.paragraphs.length)).toEqual(r.nativePage.blocks.map((b) => b.paragraphs.length));
  });

  it('reads typewriter.png as native does', async () => {
    const r = await both(ocrmypdf('typewriter.png'), 1);
    const between = cer(r.native, r.js);
    table.push(`typewriter.png js~native ${pct(between)}`);
    expect(r.js.length).toBeGreaterThan(100);
    expect(between).toBeLessThan(0.02);
  });

  const oldBooks = hasEval ? spread(pagesIn(join(evalDir, 'old-books')), 7) : [];
  it.each(oldBooks.map((p) => [p.name, p] as const))('reads old-books %s as native does, and as well against its Gutenberg text', async (_name, p) => {
    const png = await toPng(p.image, tmp);
    const r = await both(png, 1);
    const truth = readFileSync(p.truth!, 'utf8');
    const between = cer(r.native, r.js);
    const [jsBody, nativeBody] = [bodyCer(truth, r.js), bodyCer(truth, r.native)];
    table.push(
      `${p.name.padEnd(14)} js~native ${pct(between)}  vs truth (body): js ${pct(jsBody)} native ${pct(nativeBody)}  (whole page: js ${pct(cer(truth, r.js))} native ${pct(cer(truth, r.native))})`,
    );
    expect(between).toBeLessThanOrEqual(Math.max(0.02, nativeBody));
    expect(jsBody).toBeLessThanOrEqual(nativeBody + 0.01);
  });
});

const pct = (x: number) => `${(x * 100).toFixed(2).padStart(6)}%`;
