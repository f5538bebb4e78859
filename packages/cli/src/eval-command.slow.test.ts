// End to end on real pages: needs the `eval` command registered in program.ts. Real OCR (tesseract.js,
// 2 workers) of two vd-sbb pages with PAGE-XML ground truth, the deterministic correction and label stages
// and the merge, then evaluateScan and `bookpipe eval`.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, Pipeline, silentLogger } from '@bookpipe/core';
import { EvalResultSchema, evaluateScan } from '@bookpipe/eval';
import { SourceStage } from '@bookpipe/source';
import { CorrectionStage } from '@bookpipe/stage-correction';
import { LabelStage } from '@bookpipe/stage-label';
import { MergeStage } from '@bookpipe/stage-merge';
import { OcrStage } from '@bookpipe/stage-ocr';
import { openScan } from '@bookpipe/storage';
import { memoryIo } from '@bookpipe/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from './program.js';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const work = path.resolve(repoRoot, '../shared/eval/vd-sbb/baltdiss_77478492X');
const present = existsSync(work);
if (!present) console.warn(`[cli] ${work} is absent: skipping the eval test on real pages.`);

describe.skipIf(!present)('bookpipe eval on real pages (vd-sbb baltdiss, pages 12-13)', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'bookpipe-eval-real-'));
    const scan = openScan({ root, scanId: 'baltdiss' });
    await new Pipeline({
      scan,
      config: loadConfig({}),
      logger: silentLogger,
      stages: [
        new SourceStage({ inputs: ['OCR-D-IMG_00000024.tif', 'OCR-D-IMG_00000025.tif'].map((f) => path.join(work, f)) }),
        new OcrStage({ engine: 'tesseract.js', maxWorkers: 2 }),
        new CorrectionStage({ llm: false }),
        new LabelStage({ llm: false }),
        new MergeStage(),
      ],
    }).run();
  }, 600_000);
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('names the two truth pages that are not in the scan', async () => {
    await expect(evaluateScan({ scan: openScan({ root, scanId: 'baltdiss' }), truth: work, write: false })).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      message: expect.stringContaining(
        '2 truth page(s) match no page of scan "baltdiss" (2 pages, from OCR-D-IMG_00000024, OCR-D-IMG_00000025): OCR-D-GT-PAGE_00000026.xml, OCR-D-GT-PAGE_00000027.xml.',
      ),
    });
  });

  it('evaluateScan: every score of both pages, matched by the image the PAGE-XML names', async () => {
    const result = await evaluateScan({ scan: openScan({ root, scanId: 'baltdiss' }), truth: work, ignoreUnmatched: true });
    expect(result.pages.map((p) => [p.page, p.truth.key, p.truth.matchedBy])).toEqual([
      [1, 'OCR-D-GT-PAGE_00000024', 'image-name'],
      [2, 'OCR-D-GT-PAGE_00000025', 'image-name'],
    ]);
    expect(result.unmatchedTruth).toEqual(['OCR-D-GT-PAGE_00000026', 'OCR-D-GT-PAGE_00000027']);
    for (const page of result.pages) {
      expect(page.text.ocr?.reference).toBe('page');
      expect(page.text.merged?.reference).toBe('body');
      expect(page.text.corrected).not.toBeNull();
      // Latin read with English data: errors, but text, not noise.
      expect(page.text.ocr!.normalized.cer.rate).toBeLessThan(0.5);
      expect(page.text.ocr!.normalized.cer.referenceLength).toBeGreaterThan(1000);
      expect(page.labels?.header.regions).toBe(1);
      expect(page.labels?.['page-number'].regions).toBe(1);
      expect(page.pageNumber?.truth).toBe(String(page.page + 11));
    }
    // Overall rates are total edits over total truth length.
    const ocr = result.pages.map((p) => p.text.ocr!.normalized.cer);
    expect(result.overall.ocr!.normalized.cer.edits).toBe(ocr[0]!.edits + ocr[1]!.edits);
    expect(result.overall.ocr!.normalized.cer.rate).toBeCloseTo((ocr[0]!.edits + ocr[1]!.edits) / (ocr[0]!.referenceLength + ocr[1]!.referenceLength));
    expect(result.overall.labels?.header.regions).toBe(2);
    const written = EvalResultSchema.parse(JSON.parse(await readFile(path.join(root, 'baltdiss', 'eval', 'eval.json'), 'utf8')));
    expect(written.pages).toHaveLength(2);
  });

  it('bookpipe eval prints the table with both pages, the overall row and the labels', async () => {
    const io = memoryIo();
    expect(await main(['eval', 'baltdiss', '--truth', work, '--root', root, '--ignore-unmatched'], io)).toBe(0);
    expect(io.out()).toMatch(/^1\s+OCR-D-GT-PAGE_00000024\s+\d+\.\d%/m);
    expect(io.out()).toMatch(/^2\s+OCR-D-GT-PAGE_00000025\s+\d+\.\d%/m);
    expect(io.out()).toMatch(/^all\s+2 pages/m);
    expect(io.out()).toContain('labels: header P ');
    expect(io.out()).toContain("merged text compared with the truth's reading text");
    expect(io.out()).toContain('not scored: 2 truth page(s) match no scan page');
    console.log(io.out());
  });
});
