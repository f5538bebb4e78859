/**
 * The OCR stage on a real scan folder (filesystem storage): pages saved as they are read, an empty page
 * valid, a damaged page failing alone with its file and page named, and a run killed mid-book resuming
 * with the missing pages only.
 */

import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OcrPageSchema } from '@bookpipe/contracts';
import { loadConfig, Pipeline, type PipelineEvent, type StageStats, silentLogger } from '@bookpipe/core';
import { openScan } from '@bookpipe/storage';
import { evalDir, hasEval, memoryLogger, noteSkip, ocrmypdf, pagesIn, renderPdf, repoRoot, scanWithSourcePages, spread, toPng } from '@bookpipe/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OcrPageMetricsSchema } from './metrics.js';
import { OcrStage } from './ocr-stage.js';

noteSkip('ocr-stage.slow.test.ts');

describe.skipIf(!hasEval)('OcrStage on a scan folder', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'stage-ocr-stage-'));
  });
  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('reads every page, keeps an empty page, fails a damaged page alone and writes report.csv', async () => {
    const [blank] = await renderPdf(ocrmypdf('blank.pdf'), tmp);
    const linn = await readFile(ocrmypdf('linn.png'));
    const scan = await scanWithSourcePages(openScan({ root: join(tmp, 'scans'), scanId: 'four-pages' }), [
      { png: ocrmypdf('typewriter.png') },
      { png: blank },
      // A PNG cut short on disk: its header is fine, its image data ends half-way.
      { damaged: linn.subarray(0, linn.length >> 1) },
      { png: await toPng(spread(pagesIn(join(evalDir, 'old-books')), 7)[2]!.image, tmp) },
    ]);
    const events: PipelineEvent[] = [];
    const result = await new Pipeline({
      scan,
      stages: [new OcrStage({ maxWorkers: 2 })],
      config: loadConfig({}),
      logger: silentLogger,
      onEvent: (e) => events.push(e),
    }).run();

    const outcome = result.stages.ocr!;
    expect(outcome.status).toBe('done');
    const stats = (outcome as { stats: StageStats }).stats;
    expect(stats).toMatchObject({ pagesProcessed: 3, pagesFailed: 1, pagesSkipped: 0, totalCostUsd: 0, aborted: false });

    const ocr = scan.stage('ocr', { schema: OcrPageSchema });
    const typewriter = await ocr.loadPage(1, OcrPageSchema);
    expect(typewriter).toMatchObject({
      pageNumber: 1,
      width: 4000,
      height: 2864,
      rotation: 0,
      engine: { name: 'tesseract.js', version: '7.0.0', language: 'eng', psm: 3 },
    });
    expect(typewriter.blocks.length).toBeGreaterThan(0);
    expect(typewriter.meanConfidence).toBeGreaterThan(0.5);

    // The blank page: valid, no blocks, confidence 0.
    const empty = await ocr.loadPage(2, OcrPageSchema);
    expect(empty).toMatchObject({ pageNumber: 2, blocks: [], meanConfidence: 0, rotation: 0 });

    // The damaged page: no page file, a failure naming the scan, the page and the file, and what to do.
    expect(await ocr.listPages()).toEqual([1, 2, 4]);
    const failure = stats.failures[0]!;
    expect(failure.page).toBe(3);
    // Found before the engine reads it: the source page is checked against what its stage journalled.
    expect(failure.error).toContain('Scan "four-pages": Page 3 of stage "source"');
    expect(failure.error).toContain(join(scan.dir, 'source', 'page_0003.png'));
    expect(failure.error).toMatch(/is invalid: .*Run the source stage again: it redoes invalid pages/);
    expect(events).toContainEqual(expect.objectContaining({ type: 'page:failed', page: 3 }));
    expect((await ocr.checkpoint.status()).failedPages.map((f) => f.page)).toEqual([3]);

    // Metrics journalled per page, and report.csv with the quality columns.
    const metrics = await ocr.checkpoint.metrics();
    const m1 = OcrPageMetricsSchema.parse(metrics.get(1));
    expect(m1).toMatchObject({ pageNum: 1, costUsd: 0, blocks: typewriter.blocks.length, engine: 'tesseract.js 7.0.0', model: '4.0.0_best_int' });
    expect(m1.words).toBeGreaterThan(10);
    expect(OcrPageMetricsSchema.parse(metrics.get(2))).toMatchObject({ words: 0, blocks: 0, meanConfidence: 0, lowConfidenceWordShare: 0 });
    const csv = (await ocr.readFile('report.csv')).trim().split('\n');
    // The damaged page makes the report add its status and error columns (core's report lists failed pages).
    expect(csv[0]).toBe('pageNum,meanConfidence,blocks,words,lowConfidenceWordShare,rotation,processingTimeSeconds,status,error');
    const rows = csv.slice(1).map((l) => l.split(','));
    expect(rows.map((r) => r[0])).toEqual(['1', '2', '3', '4']);
    // Page 3 (damaged) has a row that says it failed and why; the others are done.
    expect(rows.map((r) => r[7])).toEqual(['done', 'done', 'failed', 'done']);
    expect(rows[2]![8]).not.toBe('');
  }, 300_000);

  it('starts no more workers than pages left to read', async () => {
    const scan = await scanWithSourcePages(openScan({ root: join(tmp, 'scans'), scanId: 'one-page' }), [{ png: ocrmypdf('typewriter.png') }]);
    const { logger, lines } = memoryLogger();
    const result = await new Pipeline({
      scan,
      stages: [new OcrStage({ maxWorkers: 2, detectOrientation: false, metadata: false })],
      config: loadConfig({}),
      logger,
    }).run();
    expect(result.ok).toBe(true);
    expect(lines.filter((l) => l.msg === 'ocr engine ready').map((l) => l.workers)).toEqual([1]);
  });

  it('resumes a run killed mid-book with only the missing pages', async () => {
    const pages = spread(pagesIn(join(evalDir, 'old-books')), 10);
    const root = join(tmp, 'scans');
    const scan = await scanWithSourcePages(
      openScan({ root, scanId: 'killed' }),
      await Promise.all(pages.map(async (p) => ({ png: await toPng(p.image, tmp) }))),
    );
    const ocrDir = join(scan.dir, 'ocr');

    // First run in a child process, killed with SIGKILL once a few pages are saved.
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../test-programs/ocr-child.ts', import.meta.url)), root, 'killed', '2'], {
      cwd: repoRoot,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    const saved = async () => (await readdir(ocrDir).catch(() => [] as string[])).filter((f) => /^page_\d{4}\.json$/.test(f)).length;
    const deadline = Date.now() + 240_000;
    while ((await saved()) < 3) {
      if (child.exitCode !== null) throw new Error(`The OCR child exited before being killed: ${stderr}`);
      if (Date.now() > deadline) throw new Error('The OCR child saved fewer than 3 pages in 240 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const ocr = scan.stage('ocr', { schema: OcrPageSchema });
    const missing = await ocr.checkpoint.remainingPages();
    expect(missing.length).toBeGreaterThan(0);
    expect(missing.length).toBeLessThan(pages.length);

    // Second run: the missing pages and nothing else.
    const done: number[] = [];
    const result = await new Pipeline({
      scan,
      stages: [new OcrStage({ maxWorkers: 2, detectOrientation: false })],
      config: loadConfig({}),
      logger: silentLogger,
      onEvent: (e) => {
        if (e.type === 'page:done') done.push(e.page);
      },
    }).run();
    const stats = (result.stages.ocr as { stats: StageStats }).stats;
    expect(stats.pagesProcessed).toBe(missing.length);
    expect(stats.pagesSkipped).toBe(pages.length - missing.length);
    expect(done.sort((a, b) => a - b)).toEqual(missing);
    expect(await ocr.checkpoint.remainingPages()).toEqual([]);
    for (const p of await ocr.listPages()) expect((await ocr.loadPage(p, OcrPageSchema)).pageNumber).toBe(p);
  }, 400_000);

  it('stops on abort at once: the page in flight is cut short and stays to do, nothing fails', async () => {
    const pages = spread(pagesIn(join(evalDir, 'old-books')), 8);
    const scan = await scanWithSourcePages(
      openScan({ root: join(tmp, 'scans'), scanId: 'aborted' }),
      await Promise.all(pages.map(async (p) => ({ png: await toPng(p.image, tmp) }))),
    );
    const controller = new AbortController();
    let doneBeforeAbort = 0;
    const doneAfterAbort: number[] = [];
    const result = await new Pipeline({
      scan,
      stages: [new OcrStage({ maxWorkers: 2, detectOrientation: false })],
      config: loadConfig({}),
      logger: silentLogger,
      onEvent: (e) => {
        if (e.type !== 'page:done') return;
        if (controller.signal.aborted) doneAfterAbort.push(e.page);
        else if (++doneBeforeAbort === 1) controller.abort();
      },
    }).run({ signal: controller.signal });
    const stats = (result.stages.ocr as { stats: StageStats }).stats;
    expect(result.aborted).toBe(true);
    expect(stats).toMatchObject({ aborted: true, pagesFailed: 0 });
    // No page is started after the abort; the other worker's page is cut short (its task aborted, the pool
    // destroyed) unless its reading had already come back and was being saved when the abort came: a save
    // under way is finished (temp, journal, rename), so at most that one page lands, complete.
    expect(doneAfterAbort.length).toBeLessThanOrEqual(1);
    const ocr = scan.stage('ocr', { schema: OcrPageSchema });
    expect((await ocr.checkpoint.remainingPages()).length).toBe(pages.length - stats.pagesProcessed);
    expect((await ocr.checkpoint.status()).failedPages).toEqual([]);
  }, 300_000);
});
