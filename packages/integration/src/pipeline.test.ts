import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BaseStage, ErrorCode, loadConfig, Pipeline, processPages, type StageContext, type StageStats } from '@bookpipe/core';
import { openScan } from '@bookpipe/storage';
import { describe, expect, it } from 'vitest';
import { CountingStage, collect, type NumberPage, NumberPageSchema, tempRoot } from './helpers.js';

/**
 * A stage whose pages, once started, wait for the test to release them (as an LLM request waits for
 * its answer) or for the page's signal to abort; it tells the test when pages start and how they end.
 */
class GatedStage extends BaseStage<NumberPage> {
  readonly name = 'gated';
  readonly dependencies: readonly string[] = [];
  override readonly outputSchema = NumberPageSchema;
  readonly started: number[] = [];
  readonly abandoned: number[] = [];
  #release!: () => void;
  readonly #gate = new Promise<void>((resolve) => {
    this.#release = resolve;
  });
  #onStarted: Array<() => void> = [];

  release(): void {
    this.#release();
  }

  /** Resolves once `n` pages have started. */
  startedCount(n: number): Promise<void> {
    return new Promise((resolve) => {
      const check = () => (this.started.length >= n ? resolve() : this.#onStarted.push(check));
      check();
    });
  }

  async run(ctx: StageContext): Promise<StageStats> {
    return processPages(ctx, {
      concurrency: 2,
      processPage: async (page, signal) => {
        this.started.push(page);
        for (const waiting of this.#onStarted.splice(0)) waiting();
        await new Promise<void>((resolve, reject) => {
          void this.#gate.then(resolve);
          signal.addEventListener('abort', () => {
            this.abandoned.push(page);
            reject(signal.reason);
          });
        });
        return { data: { page, value: page }, metrics: {} };
      },
    });
  }
}

const config = loadConfig({});

async function newScan(root: string, pages = 6) {
  const scan = openScan({ root, scanId: 'book' });
  await scan.init();
  await scan.updateMetadata({ totalPages: pages });
  return scan;
}

describe('Pipeline over filesystem storage', () => {
  it('runs before -> run -> after per stage, in dependency order', async () => {
    await using tmp = await tempRoot();
    const scan = await newScan(tmp.root);
    const calls: string[] = [];
    const a = new CountingStage({ name: 'a', calls });
    const b = new CountingStage({ name: 'b', dependencies: ['a'], calls });
    const { events, onEvent } = collect();
    const result = await new Pipeline({ scan, stages: [b, a], config, onEvent }).run();
    expect(calls).toEqual(['a:before', 'a:run', 'a:after', 'b:before', 'b:run', 'b:after']);
    expect(result.stages.a).toMatchObject({ status: 'done', stats: { pagesProcessed: 6, pagesFailed: 0 } });
    expect((await scan.stage('b').loadPage(3)) as unknown).toEqual({ page: 3, value: 2 });
    expect(events[0]).toMatchObject({ type: 'pipeline:start', stages: ['a', 'b'] });
    expect(events.at(-1)).toMatchObject({ type: 'pipeline:done', aborted: false });
    expect(events.filter((e) => e.type === 'page:done')).toHaveLength(12);
  });

  it('runs independent stages concurrently', async () => {
    await using tmp = await tempRoot();
    const scan = await newScan(tmp.root, 2);
    // Each of the two stages waits, on its first page, until the other has started a page.
    // Run one after the other, they would never finish; the test timeout would fail it.
    let release!: () => void;
    const bothStarted = new Promise<void>((r) => (release = r));
    let started = 0;
    const gate = async () => {
      if (++started === 2) release();
      await bothStarted;
    };
    const left = new CountingStage({ name: 'left', onPage: gate });
    const right = new CountingStage({ name: 'right', onPage: gate });
    const result = await new Pipeline({ scan, stages: [left, right], config }).run();
    expect(result.stages.left!.status).toBe('done');
    expect(result.stages.right!.status).toBe('done');
  }, 10_000);

  it('resumes: a second run skips a complete stage and redoes only missing pages', async () => {
    await using tmp = await tempRoot();
    const scan = await newScan(tmp.root);
    await new Pipeline({ scan, stages: [new CountingStage({ name: 'a' })], config }).run();
    const { events, onEvent } = collect();
    const again = await new Pipeline({ scan, stages: [new CountingStage({ name: 'a' })], config, onEvent }).run();
    expect(again.stages.a).toEqual({ status: 'skipped', reason: 'already complete' });
    expect(events.some((e) => e.type === 'stage:skipped')).toBe(true);

    // A page file lost after completion is noticed (page files are the truth) and only it is redone.
    const { rm } = await import('node:fs/promises');
    await rm(scan.stage('a').pagePath(4));
    const stage = new CountingStage({ name: 'a' });
    const third = await new Pipeline({ scan, stages: [stage], config }).run();
    expect(stage.processed).toEqual([4]);
    expect(third.stages.a).toMatchObject({ status: 'done', stats: { pagesProcessed: 1, pagesSkipped: 5 } });
  });

  it('on abort stops taking pages, leaves finished ones, and a rerun does only the rest', async () => {
    await using tmp = await tempRoot();
    const scan = await newScan(tmp.root, 10);
    const controller = new AbortController();
    const first = new CountingStage({
      name: 'a',
      onPage: (page) => {
        if (page === 4) controller.abort();
      },
    });
    const dependent = new CountingStage({ name: 'b', dependencies: ['a'] });
    const result = await new Pipeline({ scan, stages: [first, dependent], config }).run({ signal: controller.signal });
    expect(result.aborted).toBe(true);
    expect(result.stages.a).toMatchObject({ status: 'done', stats: { aborted: true } });
    expect(result.stages.b!.status).toBe('not-run');
    const done = await scan.stage('a').listPages();
    expect(done.length).toBeGreaterThanOrEqual(3);
    expect(done.length).toBeLessThan(10);
    expect((await scan.stage('a').checkpoint.status()).complete).toBe(false);

    const resumed = new CountingStage({ name: 'a' });
    await new Pipeline({ scan, stages: [resumed, new CountingStage({ name: 'b', dependencies: ['a'] })], config }).run();
    expect(resumed.processed.sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].filter((p) => !done.includes(p)));
    expect(await scan.stage('b').listPages()).toHaveLength(10);
  });

  it('on a graceful stop (cancel) starts no new page or stage, and the pages in flight finish and are saved', async () => {
    await using tmp = await tempRoot();
    const scan = await newScan(tmp.root, 6);
    const gated = new GatedStage();
    const cancel = new AbortController();
    const running = new Pipeline({ scan, stages: [gated, new CountingStage({ name: 'after', dependencies: ['gated'] })], config }).run({
      cancel: cancel.signal,
    });
    await gated.startedCount(2);
    cancel.abort();
    gated.release();
    const result = await running;
    expect(gated.started.sort()).toEqual([1, 2]);
    expect(gated.abandoned).toEqual([]);
    expect(await scan.stage('gated').listPages()).toEqual([1, 2]);
    expect(result).toMatchObject({ ok: false, aborted: true, stages: { gated: { status: 'done', stats: { pagesProcessed: 2, aborted: true } } } });
    expect(result.stages.after).toMatchObject({ status: 'not-run' });
    expect((await scan.stage('gated').checkpoint.status()).complete).toBe(false);

    const resumed = new CountingStage({ name: 'gated' });
    await new Pipeline({ scan, stages: [resumed], config }).run();
    expect(resumed.processed.sort()).toEqual([3, 4, 5, 6]);
  });

  it('a hard stop after a graceful one abandons the pages in flight: they stay remaining, not failed', async () => {
    await using tmp = await tempRoot();
    const scan = await newScan(tmp.root, 6);
    const gated = new GatedStage();
    const cancel = new AbortController();
    const abort = new AbortController();
    const running = new Pipeline({ scan, stages: [gated], config }).run({ cancel: cancel.signal, signal: abort.signal });
    await gated.startedCount(2);
    cancel.abort();
    abort.abort();
    const result = await running;
    expect(gated.abandoned.sort()).toEqual([1, 2]);
    expect(result).toMatchObject({ aborted: true, failedPages: [], stages: { gated: { status: 'done', stats: { pagesProcessed: 0, pagesFailed: 0 } } } });
    expect(await scan.stage('gated').listPages()).toEqual([]);
    expect(await scan.stage('gated').checkpoint.remainingPages()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('isolates page failures, lists them in the journal, and a rerun retries only them', async () => {
    await using tmp = await tempRoot();
    const scan = await newScan(tmp.root);
    const flaky = new CountingStage({ name: 'a', failPages: [2, 5] });
    const result = await new Pipeline({ scan, stages: [flaky], config }).run();
    expect(result.stages.a).toMatchObject({ status: 'done', stats: { pagesProcessed: 4, pagesFailed: 2 } });
    const status = await scan.stage('a').checkpoint.status();
    expect(status.failedPages.map((f) => f.page)).toEqual([2, 5]);
    expect(status.failedPages[0]!.error).toContain('planted failure on page 2');
    const retry = new CountingStage({ name: 'a' });
    await new Pipeline({ scan, stages: [retry], config }).run();
    expect(retry.processed.sort()).toEqual([2, 5]);
    expect((await scan.stage('a').checkpoint.status()).complete).toBe(true);
  });

  it('a stage that throws stops its dependents, not the independent branch, and the run rejects', async () => {
    await using tmp = await tempRoot();
    const scan = await newScan(tmp.root, 3);
    const broken = new CountingStage({ name: 'broken' });
    broken.run = async () => {
      throw new Error('model config is wrong');
    };
    const after = new CountingStage({ name: 'after', dependencies: ['broken'] });
    const independent = new CountingStage({ name: 'independent' });
    const { events, onEvent } = collect();
    const run = new Pipeline({ scan, stages: [broken, after, independent], config, onEvent }).run();
    await expect(run).rejects.toMatchObject({ code: ErrorCode.STAGE_FAILED, message: expect.stringContaining('model config is wrong') });
    const done = events.find((e) => e.type === 'pipeline:done');
    expect(done).toMatchObject({ stages: { broken: { status: 'failed' }, after: { status: 'not-run' }, independent: { status: 'done' } } });
  });

  it('before() names the missing dependency and the stage to run first', async () => {
    await using tmp = await tempRoot();
    const scan = await newScan(tmp.root, 3);
    const a = new CountingStage({ name: 'a', failPages: [1, 2, 3] });
    const b = new CountingStage({ name: 'b', dependencies: ['a'] });
    await expect(new Pipeline({ scan, stages: [a, b], config }).run()).rejects.toThrow(/needs pages from stage "a".*Run the a stage first/);
  });

  it('refuses a dependency that is neither in the pipeline nor complete on disk, before running anything', async () => {
    await using tmp = await tempRoot();
    const scan = await newScan(tmp.root, 3);
    const b = new CountingStage({ name: 'b', dependencies: ['ocr'] });
    await expect(new Pipeline({ scan, stages: [b], config }).run()).rejects.toMatchObject({
      code: ErrorCode.GRAPH_INVALID,
      message: expect.stringContaining('Add the ocr stage to the pipeline or run it first'),
    });
    expect(b.calls).toEqual([]);
  });

  it('writes report.csv from the journalled metrics and a log file per stage', async () => {
    await using tmp = await tempRoot();
    const scan = await newScan(tmp.root, 3);
    await new Pipeline({ scan, stages: [new CountingStage({ name: 'a' })], config }).run();
    const csv = await readFile(join(scan.dir, 'a', 'report.csv'), 'utf8');
    expect(csv).toBe('pageNum,processingTimeSeconds,costUsd\n1,0.001,0\n2,0.001,0\n3,0.001,0\n');
    const { readdir } = await import('node:fs/promises');
    const logs = await readdir(join(scan.dir, 'a', 'logs'));
    expect(logs).toHaveLength(1);
    const lines = (await readFile(join(scan.dir, 'a', 'logs', logs[0]!), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.msg)).toContain('stage done');
    expect(lines.every((l) => l.scanId === 'book' && l.stage === 'a')).toBe(true);
  });

  it('refuses a second runner on the same scan while the first holds the lock', async () => {
    await using tmp = await tempRoot();
    const scan = await newScan(tmp.root, 2);
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    const slow = new CountingStage({
      name: 'a',
      onPage: async () => {
        entered();
        await hold;
      },
    });
    const first = new Pipeline({ scan, stages: [slow], config }).run();
    await inside;
    await expect(
      new Pipeline({ scan: openScan({ root: tmp.root, scanId: 'book' }), stages: [new CountingStage({ name: 'a' })], config }).run(),
    ).rejects.toMatchObject({
      code: ErrorCode.SCAN_LOCKED,
      message: expect.stringContaining(String(process.pid)),
    });
    release();
    await first;
  });
});
