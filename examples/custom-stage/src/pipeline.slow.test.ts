import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, Pipeline, silentLogger } from '@bookpipe/core';
import { SourceStage } from '@bookpipe/source';
import { OcrStage } from '@bookpipe/stage-ocr';
import { openScan } from '@bookpipe/storage';
import { generateSampleBook } from '@bookpipe/testkit/sample-book';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReadingStatsPageSchema, ReadingStatsStage } from './reading-stats-stage.js';

describe('the custom stage in a real pipeline (source -> ocr -> reading-stats) on the sample book', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bookpipe-example-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('writes a page per book page, report.csv and summary.json, and a rerun redoes nothing', async () => {
    const { path } = await generateSampleBook(join(dir, 'sample.pdf'));
    const scan = openScan({ root: join(dir, 'scans'), scanId: 'sample' });
    const stages = () => [new SourceStage({ inputs: [path] }), new OcrStage({ maxWorkers: 2 }), new ReadingStatsStage()];
    const config = loadConfig({});
    await new Pipeline({ scan, stages: stages(), config, logger: silentLogger }).run();

    const stats = scan.stage('reading-stats');
    expect(await stats.listPages()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // Page 3 opens chapter I: its heading sunk a third of the way down, then body text and a footnote to the foot.
    const page3 = await stats.loadPage(3, ReadingStatsPageSchema);
    expect(page3.words).toBeGreaterThan(250);
    const summary = JSON.parse(await readFile(stats.filePath('summary.json'), 'utf8'));
    expect(summary.words).toBeGreaterThan(600);
    const report = (await readFile(stats.filePath('report.csv'), 'utf8')).trim().split('\n');
    expect(report[0]).toBe('pageNum,words,doubtfulWords');
    expect(report).toHaveLength(9);

    const again = await new Pipeline({ scan, stages: stages(), config, logger: silentLogger }).run();
    expect(Object.values(again.stages).map((o) => o.status)).toEqual(['skipped', 'skipped', 'skipped']);
  }, 180_000);
});
