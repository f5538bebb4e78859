import { BookpipeError, type BookStorage, ErrorCode } from '@bookpipe/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

/**
 * One backend of core's storage interfaces, as the conformance suite drives it. Each call of `open`
 * returns a new storage object over the same place, so resume (a new process) is what a second `open` sees.
 */
export interface StorageConformanceTarget {
  /** Opens (without creating) the scan `scanId`; a new object every call. */
  open(scanId: string): BookStorage | Promise<BookStorage>;
  /**
   * Writes `content` at `<scan>/<path>` behind the storage's back ("ocr/notes.txt", "ocr/page_0002.json"):
   * a user's own file in a stage folder, or a damaged page.
   */
  putRaw(scanId: string, path: string, content: string | Uint8Array): Promise<void>;
  /** Whether `<scan>/<path>` exists, seen from outside the storage. */
  rawExists(scanId: string, path: string): Promise<boolean>;
  /** Called once after the suite. */
  close?(): Promise<void>;
  /**
   * Checks the backend cannot pass because of the server it is tested against, each with the reason (printed).
   * `concurrentRead`: a read while the same file is being replaced sees the old or the new content.
   */
  limits?: { concurrentRead?: string };
}

const PageSchema = z.object({ page: z.number().int(), text: z.string() });
type Page = z.infer<typeof PageSchema>;
const MetricsSchema = z.looseObject({ pageNum: z.number().int(), words: z.number() });

/** A small complete PNG (sharp loads lazily: most suites importing the testkit never make an image). */
async function tinyPng(): Promise<Uint8Array> {
  const { default: sharp } = await import('sharp');
  return sharp({ create: { width: 16, height: 16, channels: 3, background: '#ffffff' } })
    .png()
    .toBuffer();
}

const page = (n: number, text = `page ${n}`): Page => ({ page: n, text });
const metrics = (n: number) => ({ pageNum: n, words: n * 10 });

/** The BookpipeError a promise rejects with (the test fails when it resolves or throws something else). */
async function rejection(promise: Promise<unknown>): Promise<BookpipeError> {
  try {
    await promise;
  } catch (error) {
    if (BookpipeError.isInstance(error)) return error;
    throw new Error(`expected a BookpipeError, got ${String(error)}`);
  }
  throw new Error('expected a rejection, but it resolved');
}

function thrown(fn: () => unknown): BookpipeError {
  try {
    fn();
  } catch (error) {
    if (BookpipeError.isInstance(error)) return error;
    throw new Error(`expected a BookpipeError, got ${String(error)}`);
  }
  throw new Error('expected a throw, but it returned');
}

/**
 * The storage contract of `@bookpipe/core` (BookStorage, StageStorage, CheckpointManager, FileFolder,
 * the scan lock) as one vitest suite, run against every backend (the filesystem, S3): the unstorage
 * habit of one shared driver suite. Each test uses its own scan id, so the target is set up once.
 * @example storageConformance('filesystem', async () => ({ open: (id) => openScan({ root, scanId: id }), ... }))
 */
export function storageConformance(name: string, setup: () => Promise<StorageConformanceTarget>): void {
  describe(`storage conformance: ${name}`, () => {
    let target: StorageConformanceTarget;
    let n = 0;
    /** A scan id of its own for each test, so tests never see each other's objects. */
    const freshId = () => `conf-${process.pid}-${++n}`;
    const openFresh = async (totalPages?: number) => {
      const scanId = freshId();
      const scan = await target.open(scanId);
      await scan.init();
      if (totalPages !== undefined) await scan.updateMetadata({ totalPages });
      return scan;
    };

    beforeAll(async () => {
      target = await setup();
    });
    afterAll(async () => {
      await target?.close?.();
    });

    it('init creates metadata once; read-modify-write keeps what it does not change', async () => {
      const scanId = freshId();
      const scan = await target.open(scanId);
      expect(await scan.exists()).toBe(false);
      const missing = await rejection(scan.readMetadata());
      expect(missing.code).toBe(ErrorCode.SCAN_NOT_FOUND);
      expect(missing.message).toContain(scanId);
      const first = await scan.init();
      expect(first.scanId).toBe(scanId);
      expect(await scan.exists()).toBe(true);
      expect((await scan.init()).createdAt).toBe(first.createdAt);
      await scan.updateMetadata({ title: 'A Book', totalPages: 3 });
      const updated = await scan.updateMetadata((m) => ({ ...m, author: 'An Author' }));
      expect(updated).toMatchObject({ scanId, title: 'A Book', author: 'An Author', totalPages: 3, createdAt: first.createdAt });
      // A new object (another process) reads the same.
      expect(await (await target.open(scanId)).readMetadata()).toMatchObject({ title: 'A Book', author: 'An Author' });
      expect(await scan.pageNumbers()).toEqual([1, 2, 3]);
      const refused = await rejection(scan.updateMetadata({ totalPages: -1 } as never));
      expect(refused.code).toBe(ErrorCode.INPUT_INVALID);
      expect((await scan.readMetadata()).totalPages).toBe(3);
    });

    it('corrupt metadata is FILE_CORRUPT naming the file', async () => {
      const scan = await openFresh();
      await target.putRaw(scan.scanId, 'metadata.json', '{"scanId": ');
      const error = await rejection(scan.readMetadata());
      expect(error.code).toBe(ErrorCode.FILE_CORRUPT);
      expect(error.message).toContain('metadata.json');
    });

    it('savePage validates before writing: a refused page does not exist', async () => {
      const scan = await openFresh(3);
      const ocr = scan.stage('ocr', { schema: PageSchema, metricsSchema: MetricsSchema, pageFormat: 'json' });
      const bad = await rejection(ocr.savePage(1, { page: 1, text: 42 }, metrics(1)));
      expect(bad.code).toBe(ErrorCode.PAGE_INVALID);
      expect(bad.message).toContain(ocr.pagePath(1));
      const wrongNum = await rejection(ocr.savePage(1, page(1), metrics(2)));
      expect(wrongNum.code).toBe(ErrorCode.PAGE_INVALID);
      const badMetrics = await rejection(ocr.savePage(1, page(1), { pageNum: 1, words: 'many' } as never));
      expect(badMetrics.code).toBe(ErrorCode.PAGE_INVALID);
      expect(await ocr.listPages()).toEqual([]);
      expect(await ocr.checkpoint.remainingPages()).toEqual([1, 2, 3]);

      await ocr.savePage(1, page(1), metrics(1));
      expect(await ocr.listPages()).toEqual([1]);
      expect(await ocr.loadPage(1)).toEqual(page(1));
      // A refused overwrite leaves the saved page as it was.
      await rejection(ocr.savePage(1, { page: 'one' }, metrics(1)));
      expect(await ocr.loadPage(1)).toEqual(page(1));
    });

    it('a PNG stage takes only complete PNGs and returns their bytes', async () => {
      const scan = await openFresh(2);
      const source = scan.stage('source', { pageFormat: 'png' });
      const png = await tinyPng();
      const truncated = await rejection(source.savePage(1, png.subarray(0, png.length - 5), { pageNum: 1 }));
      expect(truncated.code).toBe(ErrorCode.PAGE_INVALID);
      expect(await source.listPages()).toEqual([]);
      await source.savePage(1, png, { pageNum: 1 });
      expect(source.pagePath(1)).toMatch(/page_0001\.png$/);
      expect(Buffer.from(await source.loadPageBytes(1)).equals(Buffer.from(png))).toBe(true);
    });

    it('load errors name the file and the next step', async () => {
      const scan = await openFresh(3);
      const ocr = scan.stage('ocr', { schema: PageSchema, pageFormat: 'json' });
      const missing = await rejection(ocr.loadPage(2));
      expect(missing.code).toBe(ErrorCode.DEPENDENCY_MISSING);
      expect(missing.message).toContain(ocr.pagePath(2));
      await target.putRaw(scan.scanId, 'ocr/page_0002.json', '{"page": 2, "te');
      const torn = await rejection(ocr.loadPage(2));
      expect(torn.code).toBe(ErrorCode.PAGE_INVALID);
      expect(torn.message).toContain(ocr.pagePath(2));
      expect(torn.message).toMatch(/Run the ocr stage/);
      await target.putRaw(scan.scanId, 'ocr/page_0003.json', '{"page": 3}');
      const wrong = await rejection(ocr.loadPage(3));
      expect(wrong.code).toBe(ErrorCode.PAGE_INVALID);
      expect(wrong.message).toContain(ocr.pagePath(3));
      // Invalid files are pages on the list, but remaining: the next run redoes them.
      expect(await ocr.listPages()).toEqual([2, 3]);
      expect(await ocr.checkpoint.remainingPages()).toEqual([1, 2, 3]);
    });

    it('listPages lists page files of the stage format only, sorted', async () => {
      const scan = await openFresh();
      const ocr = scan.stage('ocr', { pageFormat: 'json' });
      for (const p of [10, 2, 7]) await ocr.savePage(p, page(p), { pageNum: p });
      await target.putRaw(scan.scanId, 'ocr/notes.txt', 'mine');
      await target.putRaw(scan.scanId, 'ocr/page_0003.png', 'not this format');
      await ocr.writeFile('report.csv', 'page\n');
      expect(await ocr.listPages()).toEqual([2, 7, 10]);
      expect(await scan.stageNames()).toEqual(['ocr']);
    });

    it('remainingPages and status follow saves and failures', async () => {
      const scan = await openFresh(5);
      const ocr = scan.stage('ocr', { schema: PageSchema, pageFormat: 'json' });
      await ocr.savePage(1, page(1), metrics(1));
      await ocr.savePage(3, page(3), metrics(3));
      await ocr.checkpoint.markFailed(2, 'engine crashed');
      expect(await ocr.checkpoint.remainingPages()).toEqual([2, 4, 5]);
      expect(await ocr.checkpoint.remainingPages([5, 3, 2])).toEqual([5, 2]);
      let status = await ocr.checkpoint.status();
      expect(status.completedPages).toEqual([1, 3]);
      expect(status.failedPages.map((f) => [f.page, f.error])).toEqual([[2, 'engine crashed']]);
      expect(status.complete).toBe(false);
      // A later save supersedes the failure.
      await ocr.savePage(2, page(2), metrics(2));
      status = await ocr.checkpoint.status();
      expect(status.failedPages).toEqual([]);
      expect(status.completedPages).toEqual([1, 2, 3]);
      const m = await ocr.checkpoint.metrics();
      expect([...m.keys()]).toEqual([1, 2, 3]);
      expect(m.get(3)).toMatchObject({ pageNum: 3, words: 30 });
    });

    it('markStageComplete, isComplete and status agree; a later failure undoes completion', async () => {
      const scan = await openFresh(2);
      const ocr = scan.stage('ocr', { schema: PageSchema, pageFormat: 'json' });
      expect(await ocr.checkpoint.isComplete()).toBe(false);
      await ocr.savePage(1, page(1), metrics(1));
      await ocr.savePage(2, page(2), metrics(2));
      await ocr.checkpoint.markStageComplete({ pagesProcessed: 2 });
      expect(await ocr.checkpoint.isComplete()).toBe(true);
      const status = await ocr.checkpoint.status();
      expect(status.complete).toBe(true);
      expect(status.lastStats).toMatchObject({ pagesProcessed: 2 });
      // Seen from a new storage object too.
      expect(await (await target.open(scan.scanId)).stage('ocr').checkpoint.isComplete()).toBe(true);
      await ocr.checkpoint.markFailed(2, 'redone and failed');
      expect(await ocr.checkpoint.isComplete()).toBe(false);
      await ocr.savePage(2, page(2), metrics(2));
      await ocr.checkpoint.markStageComplete({ pagesProcessed: 1 });
      expect(await ocr.checkpoint.isComplete()).toBe(true);
      await ocr.checkpoint.reset();
      expect(await ocr.checkpoint.isComplete()).toBe(false);
      expect((await ocr.checkpoint.metrics()).size).toBe(0);
    });

    it('clean removes what the stage wrote and reports it; a user file stays', async () => {
      const scan = await openFresh(3);
      const merge = scan.stage('merge', { schema: PageSchema, pageFormat: 'json' });
      for (const p of [1, 2, 3]) await merge.savePage(p, page(p), metrics(p));
      await merge.checkpoint.markStageComplete({ pagesProcessed: 3 });
      await merge.writeFile('book.md', '# A Book\n');
      await merge.writeFile('extra/part.txt', 'stage-level file in a sub-folder');
      await target.putRaw(scan.scanId, 'merge/notes.txt', 'a user note');
      const report = await merge.clean();
      expect(report).toMatchObject({ scanId: scan.scanId, stage: 'merge', removedPages: 3 });
      expect(report.dir).toBe(merge.dir);
      expect(report.removed).toEqual(expect.arrayContaining(['book.md', 'extra']));
      expect(report.kept).toEqual(['notes.txt']);
      expect(await target.rawExists(scan.scanId, 'merge/notes.txt')).toBe(true);
      expect(await target.rawExists(scan.scanId, 'merge/book.md')).toBe(false);
      expect(await target.rawExists(scan.scanId, 'merge/extra/part.txt')).toBe(false);
      const fresh = (await target.open(scan.scanId)).stage('merge');
      expect(await fresh.listPages()).toEqual([]);
      expect(await fresh.checkpoint.isComplete()).toBe(false);
      expect(await fresh.checkpoint.remainingPages()).toEqual([1, 2, 3]);
      expect((await rejection(fresh.readFile('book.md'))).code).toBe(ErrorCode.DEPENDENCY_MISSING);
      // Nothing left to clean: the user's file is still kept.
      expect(await fresh.clean()).toMatchObject({ removedPages: 0, removed: [], kept: ['notes.txt'] });
    });

    it('filePath refuses names that leave the stage; writeFile refuses page files', async () => {
      const scan = await openFresh();
      const ocr = scan.stage('ocr', { pageFormat: 'json' });
      for (const name of ['../metadata.json', '/etc/passwd', '', 'a/../../x', 'nul\0x']) {
        const error = thrown(() => ocr.filePath(name));
        expect(error.code, name).toBe(ErrorCode.INPUT_INVALID);
      }
      expect(ocr.filePath('logs/run.jsonl').startsWith(ocr.dir)).toBe(true);
      expect((await rejection(ocr.writeFile('../metadata.json', 'x'))).code).toBe(ErrorCode.INPUT_INVALID);
      expect((await rejection(ocr.writeFile('page_0001.json', '{}'))).code).toBe(ErrorCode.INPUT_INVALID);
      expect(await ocr.listPages()).toEqual([]);
    });

    it('writeFile replaces a file whole: a reader sees the old or the new content, never a mix', async () => {
      const scan = await openFresh();
      const merge = scan.stage('merge', { pageFormat: 'json' });
      const a = 'a'.repeat(300_000);
      const b = 'b'.repeat(200_000);
      const path = await merge.writeFile('book.md', a);
      expect(path).toBe(merge.filePath('book.md'));
      const reads: string[] = [];
      if (target.limits?.concurrentRead) {
        console.warn(`storage conformance (${name}): concurrent read during a replace not checked: ${target.limits.concurrentRead}`);
      } else {
        await Promise.all([merge.writeFile('book.md', b), merge.readFile('book.md').then((t) => reads.push(t)), merge.writeFile('book.md', a)]);
      }
      await merge.writeFile('book.md', b);
      reads.push(await merge.readFile('book.md'));
      for (const text of reads) expect(text === a || text === b).toBe(true);
      await merge.writeFile('book.md', 'final');
      expect(await (await target.open(scan.scanId)).stage('merge').readFile('book.md')).toBe('final');
    });

    it('the scan lock is exclusive across storage objects and names its holder', async () => {
      const scan = await openFresh();
      const lock = await scan.acquireLock();
      const other = await target.open(scan.scanId);
      const locked = await rejection(other.acquireLock());
      expect(locked.code).toBe(ErrorCode.SCAN_LOCKED);
      expect(locked.message).toContain(`pid ${process.pid}`);
      expect(locked.message).toContain(scan.scanId);
      await lock.release();
      await lock.release(); // idempotent
      const second = await other.acquireLock();
      expect((await rejection(scan.acquireLock())).code).toBe(ErrorCode.SCAN_LOCKED);
      await second.release();
    });

    it('two racing acquirers: exactly one wins', async () => {
      const scan = await openFresh();
      const contenders = await Promise.all([1, 2, 3].map(() => target.open(scan.scanId)));
      const outcomes = await Promise.allSettled(contenders.map((s) => s.acquireLock()));
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const o of outcomes) if (o.status === 'rejected') expect((o.reason as BookpipeError).code).toBe(ErrorCode.SCAN_LOCKED);
      await (won[0] as PromiseFulfilledResult<{ release(): Promise<void> }>).value.release();
    });

    it('resume: a new storage object sees pages, metrics, failures and the recorded page format', async () => {
      const scan = await openFresh(4);
      const png = await tinyPng();
      const source = scan.stage('source', { pageFormat: 'png' });
      await source.savePage(1, png, { pageNum: 1 });
      await source.savePage(2, png, { pageNum: 2 });
      const ocr = scan.stage('ocr', { schema: PageSchema, pageFormat: 'json' });
      await ocr.savePage(1, page(1), metrics(1));
      await ocr.checkpoint.markFailed(2, 'timeout');

      const again = await target.open(scan.scanId);
      expect(await again.stageNames()).toEqual(['ocr', 'source']);
      const src = again.stage('source'); // the format comes from what the scan recorded
      expect(src.pageFormat).toBe('png');
      expect(await src.listPages()).toEqual([1, 2]);
      const o = again.stage('ocr', { schema: PageSchema });
      expect(await o.checkpoint.remainingPages()).toEqual([2, 3, 4]);
      expect((await o.checkpoint.metrics()).get(1)).toMatchObject({ words: 10 });
      expect((await o.checkpoint.status()).failedPages.map((f) => f.page)).toEqual([2]);
    });

    it('pageNumbers falls back to the source pages when metadata has no page count', async () => {
      const scan = await openFresh();
      const png = await tinyPng();
      const source = scan.stage('source', { pageFormat: 'png' });
      await source.savePage(1, png, { pageNum: 1 });
      await source.savePage(2, png, { pageNum: 2 });
      expect(await scan.pageNumbers()).toEqual([1, 2]);
    });
  });
}
