/**
 * Issue 15 item 6 (second half): following the advice for a corrupt metadata.json (delete it, then
 * `--stages source --clean`) remakes metadata.json from the inputs; the fields the OCR stage read from
 * the pages (language, title, metadataSources...) must not be lost for good. Decision (DESIGN.md): the
 * OCR stage remakes them, from its own record `ocr/book-metadata.json`, in its `before()`, which runs
 * even when the stage is complete and skipped. On main before the fix they were gone.
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OcrPageSchema } from '@bookpipe/contracts';
import { createStageContext, loadConfig, Pipeline } from '@bookpipe/core';
import { SourceStage } from '@bookpipe/source';
import { OcrStage } from '@bookpipe/stage-ocr';
import { openScan } from '@bookpipe/storage';
import { smallPage } from '@bookpipe/testkit';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { tempRoot } from '../helpers.js';

const config = loadConfig({});
const TEXT = [
  [['THE HISTORY OF THE RIVER']],
  [['by John Smith']],
  [['It was the first of the days when the river and the town were one, and all of the people of the valley came down to see it.']],
];
const OCR_FIELDS = ['title', 'author', 'language', 'metadataSources'] as const;

describe('metadata derived by the OCR stage survives metadata.json being remade', () => {
  it('delete metadata.json, run the source stage with clean: the next run puts the OCR fields back, the same as before', async () => {
    await using tmp = await tempRoot();
    const input = join(tmp.root, 'page.png');
    await sharp({ create: { width: 120, height: 160, channels: 3, background: '#ffffff' } })
      .png()
      .toFile(input);
    const scan = openScan({ root: join(tmp.root, 'scans'), scanId: 'book' });
    await new Pipeline({ scan, stages: [new SourceStage({ inputs: [input] })], config }).run();

    // A complete OCR stage (its pages written through storage) whose after() read the metadata.
    const ocrStage = new OcrStage();
    const ctx = await createStageContext(ocrStage, { scan, config });
    await scan.stage('ocr', { schema: OcrPageSchema }).savePage(1, smallPage(1, TEXT), { pageNum: 1 });
    const stats = { pagesProcessed: 1, pagesFailed: 0, pagesSkipped: 0, totalCostUsd: 0, failures: [], aborted: false } as never;
    await ocrStage.after(ctx, stats);
    await ctx.output.checkpoint.markStageComplete({ pagesProcessed: 1 });
    const before = await scan.readMetadata();
    const derived = Object.fromEntries(OCR_FIELDS.filter((f) => before[f] !== undefined).map((f) => [f, before[f]]));
    expect(Object.keys(derived)).toContain('metadataSources');
    expect(Object.keys(derived).length).toBeGreaterThanOrEqual(2);

    // The advice for an empty metadata.json: delete it, then the source stage alone, cleaned.
    await writeFile(scan.metadataPath, '');
    await rm(scan.metadataPath);
    await new Pipeline({ scan, stages: [new SourceStage({ inputs: [input] })], config, resume: false }).run();
    const remade = await scan.readMetadata();
    for (const field of Object.keys(derived)) expect(remade[field as keyof typeof remade], field).toBeUndefined();

    // The next run that holds the OCR stage (complete, so skipped) remakes them.
    const result = await new Pipeline({ scan, stages: [new SourceStage({ inputs: [input] }), new OcrStage()], config }).run();
    expect(result.stages.ocr).toEqual({ status: 'skipped', reason: 'already complete' });
    const after = await scan.readMetadata();
    expect(Object.fromEntries(Object.keys(derived).map((f) => [f, after[f as keyof typeof after]]))).toEqual(derived);
  }, 60_000);
});
