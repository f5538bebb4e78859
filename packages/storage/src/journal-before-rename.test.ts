import { appendFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ErrorCode } from '@bookpipe/core';
import { type ChildFixture, deadPid, memoryLogger, runChild, tempDir } from '@bookpipe/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { openScan } from './index.js';

// savePage writes the temp file, journals the page (metrics and byte length), then renames: a page file
// never exists without its metrics, and a kill between the append and the rename leaves a complete temp
// file that resume renames into place instead of redoing (paying for) the page.
const PageSchema = z.object({ text: z.string() });
let root: string;
let cleanup: () => Promise<void>;
const children: ChildFixture[] = [];
beforeEach(async () => {
  ({ dir: root, remove: cleanup } = await tempDir('bookpipe-storage-'));
  const scan = openScan({ root, scanId: 'book' });
  await scan.init();
  await scan.updateMetadata({ totalPages: 4 });
});
afterEach(async () => {
  for (const c of children.splice(0)) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
  await cleanup();
});

/** A new process's view of the stage. */
const reopen = (logger = memoryLogger().logger) => openScan({ root, scanId: 'book', logger }).stage('pages', { schema: PageSchema });
const records = async (dir: string) =>
  (await readFile(join(dir, 'checkpoint.jsonl'), 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const dotfiles = async (dir: string) => (await readdir(dir)).filter((n) => n.startsWith('.'));
/** What a process killed between the append and the rename leaves, written by hand: the journal line and the temp file. */
async function journalledTemp(page: number, content: string, options: { pid?: number; bytes?: number | null } = {}): Promise<string> {
  const stage = reopen();
  await mkdir(stage.dir, { recursive: true });
  const bytes = options.bytes === null ? {} : { bytes: options.bytes ?? Buffer.byteLength(content) };
  await appendFile(
    join(stage.dir, 'checkpoint.jsonl'),
    `${JSON.stringify({ type: 'page', page, metrics: { pageNum: page, costUsd: 0.5 }, ...bytes, at: '2020-01-01T00:00:00.000Z' })}\n`,
  );
  const temp = join(stage.dir, `.${basename(stage.pagePath(page))}.${options.pid ?? deadPid()}.0123abcd.tmp`);
  await writeFile(temp, content);
  return temp;
}

describe('journal before rename', () => {
  it('SIGKILL between the journal append and the rename: resume renames the temp file into place, keeps the metrics, redoes nothing', async () => {
    // Page 2 is saved, then redone with a longer text (killed before its rename: the old file stays); page 3 is killed before its first rename.
    const child = runChild(new URL('../test-programs/kill-before-rename.ts', import.meta.url), [
      root,
      'book',
      '1:one:ok',
      '2:two:ok',
      '2:two-redone:hang',
      '3:three:hang',
    ]);
    children.push(child);
    await child.waitFor((m) => m.event === 'ready');
    child.child.kill('SIGKILL');
    expect((await child.exited).signal).toBe('SIGKILL');

    const dir = reopen().dir;
    expect((await records(dir)).filter((r) => r.type === 'page').map((r) => [r.page, r.bytes])).toEqual([
      [1, 15],
      [2, 15],
      [2, 22],
      [3, 17],
    ]);
    expect(await readFile(join(dir, 'page_0002.json'), 'utf8')).toBe('{"text":"two"}\n');
    expect(await readdir(dir)).not.toContain('page_0003.json');
    expect(await dotfiles(dir)).toHaveLength(2);

    const { logger, lines } = memoryLogger();
    const fresh = reopen(logger);
    expect(await fresh.checkpoint.remainingPages()).toEqual([4]);
    expect(await fresh.loadPage(2)).toEqual({ text: 'two-redone' });
    expect(await fresh.loadPage(3)).toEqual({ text: 'three' });
    expect(await dotfiles(dir)).toEqual([]);
    expect(lines.filter((l) => l.problem !== undefined).map((l) => [l.level, l.page, l.problem])).toEqual([
      ['info', 2, 'temp-adopted'],
      ['info', 3, 'temp-adopted'],
    ]);
    const metrics = { 1: { pageNum: 1, costUsd: 0.03 }, 2: { pageNum: 2, costUsd: 0.1 }, 3: { pageNum: 3, costUsd: 0.05 } };
    expect(Object.fromEntries(await fresh.checkpoint.metrics())).toEqual(metrics);
    expect(await fresh.checkpoint.status()).toMatchObject({
      completedPages: [1, 2, 3],
      metricsMissingPages: [],
      repairs: [
        { page: 2, problem: 'temp-adopted' },
        { page: 3, problem: 'temp-adopted' },
      ],
    });

    // A later process finds nothing more to repair.
    const { logger: laterLogger, lines: laterLines } = memoryLogger();
    const later = reopen(laterLogger);
    expect(await later.checkpoint.remainingPages()).toEqual([4]);
    expect(laterLines).toEqual([]);
    expect(Object.fromEntries(await later.checkpoint.metrics())).toEqual(metrics);
  });

  it('a journalled page whose temp file cannot be adopted is redone: damaged, wrong size, a live writer, or a record without a size', async () => {
    await journalledTemp(1, '{"text": 1}\n'); // JSON, but not the schema
    await journalledTemp(2, '{"text":"two"}\n', { bytes: 99 }); // not the file the journal recorded
    const live = await journalledTemp(3, '{"text":"three"}\n', { pid: process.ppid }); // its writer may still rename it
    await journalledTemp(4, '{"text":"four"}\n', { bytes: null }); // an older version's record: journalled after its rename
    const { logger, lines } = memoryLogger();
    const fresh = reopen(logger);
    expect(await fresh.checkpoint.remainingPages()).toEqual([1, 2, 3, 4]);
    expect(lines.map((l) => [l.page, l.problem])).toEqual([
      [1, 'file-missing'],
      [2, 'file-missing'],
      [3, 'file-missing'],
      [4, 'file-missing'],
    ]);
    expect((await fresh.checkpoint.metrics()).size).toBe(0);
    // Dead writers' temp files are swept after adoption had its chance; the live writer's is left alone.
    expect((await dotfiles(fresh.dir)).map((n) => join(fresh.dir, n))).toEqual([live]);
  });

  it('a page file of another size than journalled (the redone file was not renamed, and its temp is gone) is redone', async () => {
    const stage = reopen();
    await stage.savePage(1, { text: 'one' }, { pageNum: 1 });
    await writeFile(stage.pagePath(1), '{"text":"the old one"}\n');
    const { logger, lines } = memoryLogger();
    expect(await reopen(logger).checkpoint.remainingPages([1])).toEqual([1]);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'warn',
        page: 1,
        problem: 'file-invalid',
        msg: expect.stringContaining('its file has 23 bytes where the journal says 15'),
      }),
    ]);
  });

  it('a journal append that fails leaves no page file and no temp file: the page is not saved', async () => {
    const stage = reopen();
    await stage.savePage(1, { text: 'one' }, { pageNum: 1 });
    // The journal turned into a folder: every append fails (EISDIR).
    await rm(join(stage.dir, 'checkpoint.jsonl'));
    await mkdir(join(stage.dir, 'checkpoint.jsonl'));
    const fresh = reopen();
    await expect(fresh.savePage(2, { text: 'two' }, { pageNum: 2 })).rejects.toMatchObject({
      code: ErrorCode.STORAGE_ERROR,
      message: expect.stringContaining('[EISDIR]'),
    });
    await expect(fresh.savePage(1, { text: 'one, redone' }, { pageNum: 1 })).rejects.toMatchObject({ code: ErrorCode.STORAGE_ERROR });
    expect((await readdir(stage.dir)).sort()).toEqual(['checkpoint.jsonl', 'page_0001.json', 'stage.json']);
    expect(await fresh.loadPage(1)).toEqual({ text: 'one' });
  });
});
