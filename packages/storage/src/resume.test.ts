import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BaseStage, ErrorCode, loadConfig, Pipeline, type PipelineEvent, processPages, type StageContext, type StageStats, silentLogger } from '@bookpipe/core';
import { memoryLogger, type SquarePage, SquarePageSchema, SquareStage, tempDir } from '@bookpipe/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openScan } from './index.js';

/** A stage that reads each page of "up" (validated by its schema) and copies it. */
class ReadingStage extends BaseStage<SquarePage> {
  readonly name = 'reader';
  readonly dependencies = ['up'];
  override readonly outputSchema = SquarePageSchema;
  run(ctx: StageContext): Promise<StageStats> {
    return processPages(ctx, { processPage: async (page) => ({ data: await ctx.scan.stage('up').loadPage(page, SquarePageSchema), metrics: {} }) });
  }
}

let root: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir: root, remove: cleanup } = await tempDir('bookpipe-storage-'));
  const scan = openScan({ root, scanId: 'book' });
  await scan.init();
  await scan.updateMetadata({ totalPages: 8 });
});
afterEach(() => cleanup());

const config = loadConfig({});
/** Each run opens the scan afresh, as a new process would. */
function pipeline(
  stages: Array<SquareStage | ReadingStage>,
  extra: { onEvent?: (e: PipelineEvent) => void; logger?: ReturnType<typeof memoryLogger>['logger'] } = {},
) {
  const scan = openScan({ root, scanId: 'book', logger: extra.logger ?? silentLogger });
  return { scan, pipeline: new Pipeline({ scan, stages, config, logger: extra.logger ?? silentLogger, onEvent: extra.onEvent }) };
}

const expectedReport = (pages: number[]) =>
  `${['pageNum,processingTimeSeconds,costUsd,square', ...pages.map((p) => `${p},${p / 100},${p / 1000},${p * p}`)].join('\n')}\n`;

describe('resume through Pipeline + processPages', () => {
  it('after an interrupted run, only the missing pages run again; report.csv has every page', async () => {
    const controller = new AbortController();
    const first = new SquareStage('square', [], { concurrency: 2, onStart: (p) => p === 3 && controller.abort() });
    const run1 = await pipeline([first]).pipeline.run({ signal: controller.signal });
    expect(run1.aborted).toBe(true);
    const scan = openScan({ root, scanId: 'book' });
    const saved = await scan.stage('square').listPages();
    // Pages 1-3 started (two at a time); the abort stops new pages, in-flight ones still finish and save.
    expect(first.started).toEqual([1, 2, 3]);
    expect(saved).toEqual([1, 2, 3]);
    expect((await scan.stage('square').checkpoint.status()).complete).toBe(false);

    const second = new SquareStage();
    const events: PipelineEvent[] = [];
    const run2 = await pipeline([second], { onEvent: (e) => events.push(e) }).pipeline.run();
    expect(second.started.sort((a, b) => a - b)).toEqual([4, 5, 6, 7, 8]);
    expect(run2.stages.square).toMatchObject({ status: 'done', stats: { pagesProcessed: 5, pagesSkipped: 3, pagesFailed: 0, aborted: false } });
    expect(events).toContainEqual({ type: 'stage:start', stage: 'square', totalPages: 8, remainingPages: 5 });

    const stage = scan.stage('square');
    expect(await stage.readFile('report.csv')).toBe(expectedReport([1, 2, 3, 4, 5, 6, 7, 8]));
    for (let p = 1; p <= 8; p++) expect(await stage.loadPage(p)).toEqual({ page: p, square: p * p });
    expect(await stage.checkpoint.status()).toMatchObject({ complete: true, failedPages: [], metricsMissingPages: [] });

    // A third run finds the stage complete and runs nothing.
    const third = new SquareStage();
    const run3 = await pipeline([third]).pipeline.run();
    expect(run3.stages.square).toEqual({ status: 'skipped', reason: 'already complete' });
    expect(third.started).toEqual([]);
  });

  it('a failed page is journalled, keeps the stage incomplete, and is the only page retried', async () => {
    const first = new SquareStage('square', [], { failPages: [5] });
    const run1 = await pipeline([first]).pipeline.run();
    expect(run1.stages.square).toMatchObject({ status: 'done', stats: { pagesProcessed: 7, pagesFailed: 1, failures: [{ page: 5 }] } });
    const status = await openScan({ root, scanId: 'book' }).stage('square').checkpoint.status();
    expect(status).toMatchObject({ complete: false, failedPages: [{ page: 5, error: 'page 5 refused on purpose' }] });

    const second = new SquareStage();
    await pipeline([second]).pipeline.run();
    expect(second.started).toEqual([5]);
    expect(await openScan({ root, scanId: 'book' }).stage('square').checkpoint.status()).toMatchObject({ complete: true, failedPages: [] });
  });

  it('a corrupt page file is redone rather than trusted, even in a stage marked complete', async () => {
    await pipeline([new SquareStage()]).pipeline.run();
    const scan = openScan({ root, scanId: 'book' });
    const stage = scan.stage('square');
    await writeFile(stage.pagePath(3), '{"page": 3, "squ'); // torn
    await writeFile(stage.pagePath(6), JSON.stringify({ page: 6, square: 'thirty-six' })); // wrong shape
    await rm(stage.pagePath(7));

    const { logger, lines } = memoryLogger();
    const again = new SquareStage();
    const run = await pipeline([again], { logger }).pipeline.run();
    expect(again.started.sort((a, b) => a - b)).toEqual([3, 6, 7]);
    expect(run.stages.square).toMatchObject({ status: 'done', stats: { pagesProcessed: 3, pagesSkipped: 5 } });
    expect(lines.filter((l) => l.level === 'warn').map((l) => [l.page, l.problem])).toEqual([
      [3, 'file-invalid'],
      [6, 'file-invalid'],
      [7, 'file-missing'],
    ]);
    expect(await stage.loadPage(3)).toEqual({ page: 3, square: 9 });
    expect(await stage.readFile('report.csv')).toBe(expectedReport([1, 2, 3, 4, 5, 6, 7, 8]));
  });

  it('a downstream stage reads its dependency, and stages run in dependency order', async () => {
    const events: PipelineEvent[] = [];
    const up = new SquareStage('up');
    const down = new SquareStage('down', ['up']);
    await pipeline([down, up], { onEvent: (e) => events.push(e) }).pipeline.run();
    const starts = events.filter((e) => e.type === 'stage:start').map((e) => (e as { stage: string }).stage);
    expect(starts).toEqual(['up', 'down']);
    // A pipeline of `down` alone needs `up` complete in the scan: it is.
    await expect(pipeline([new SquareStage('down', ['up'])]).pipeline.run()).resolves.toMatchObject({ stages: { down: { status: 'skipped' } } });
    await openScan({ root, scanId: 'book' }).stage('up').clean();
    await expect(pipeline([new SquareStage('down', ['up'])]).pipeline.run()).rejects.toMatchObject({ code: ErrorCode.GRAPH_INVALID });
  });

  it('a dependency that ran earlier is checked by its journal; a page damaged since is found by the stage that reads it', async () => {
    await pipeline([new SquareStage('up', [], { failPages: [5] })]).pipeline.run();
    // A failure not superseded: up is not complete, and a pipeline of its dependant alone is refused.
    await expect(pipeline([new SquareStage('down', ['up'])]).pipeline.run()).rejects.toMatchObject({
      code: ErrorCode.GRAPH_INVALID,
      message: expect.stringContaining('Stage "down" depends on "up", which is not in this pipeline and has not completed'),
    });
    await pipeline([new SquareStage('up')]).pipeline.run();
    const up = openScan({ root, scanId: 'book' }).stage('up', { schema: SquarePageSchema });
    await writeFile(up.pagePath(3), '{"page": 3, "squ'); // torn after up completed

    // The check trusts up's completion record (it does not read up's 8 pages); reading page 3 finds the damage.
    const reader = new ReadingStage();
    const run = await pipeline([reader]).pipeline.run();
    expect(run.stages.reader).toMatchObject({ status: 'done', stats: { pagesProcessed: 7, pagesFailed: 1, failures: [{ page: 3 }] } });
    expect((run.stages.reader as { stats: { failures: Array<{ error: string }> } }).stats.failures[0]!.error).toMatch(
      /Page 3 of stage "up".*is invalid: it is not valid JSON.*page_0003\.json.*Run the up stage again/,
    );
    expect(await up.checkpoint.status()).toMatchObject({ complete: true, invalidPages: [{ page: 3 }] });
    expect(await up.checkpoint.remainingPages()).toEqual([3]);
  });

  it('a second pipeline on a locked scan is refused before any page runs', async () => {
    const { scan } = pipeline([]);
    const lock = await scan.acquireLock();
    const stage = new SquareStage();
    await expect(pipeline([stage]).pipeline.run()).rejects.toMatchObject({ code: ErrorCode.SCAN_LOCKED });
    expect(stage.started).toEqual([]);
    await lock.release();
    await pipeline([stage]).pipeline.run();
    expect(stage.started).toHaveLength(8);
  });

  it('resume: false cleans the stage first and redoes every page, keeping the logs', async () => {
    await pipeline([new SquareStage()]).pipeline.run();
    const scan = openScan({ root, scanId: 'book' });
    const again = new SquareStage();
    // The pipeline's default logger writes into <stage>/logs/, which clean() must leave in place.
    await new Pipeline({ scan, stages: [again], config, resume: false }).run();
    expect(again.started).toHaveLength(8);
    expect(await scan.stage('square').listPages()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const logDir = join(scan.dir, 'square', 'logs');
    const [logFile] = await readdir(logDir);
    expect(await readFile(join(logDir, logFile!), 'utf8')).toContain('stage done');
  });
});
