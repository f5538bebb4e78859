import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { memoryLogger, runChild, tempDir } from '@bookpipe/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type FsBookStorage, openScan, STAGE_FILE } from './index.js';
import { CLEAN_MARKER } from './stage-clean.js';

const m = (pageNum: number) => ({ pageNum, processingTimeSeconds: 0.5, costUsd: 0 });
const PageSchema = z.object({ text: z.string() });
const PAGES = Array.from({ length: 20 }, (_, i) => i + 1);

let root: string;
let cleanup: () => Promise<void>;
let scan: FsBookStorage;
beforeEach(async () => {
  ({ dir: root, remove: cleanup } = await tempDir('bookpipe-clean-'));
  scan = openScan({ root, scanId: 'book' });
  await scan.init();
});
afterEach(() => cleanup());

async function completeStage(name: string) {
  const stage = scan.stage(name, { schema: PageSchema });
  for (const p of PAGES) await stage.savePage(p, { text: `page ${p}` }, m(p));
  await stage.writeFile('report.csv', 'pageNum\n');
  await stage.writeFile('pages/../pages/1.html', '<p>');
  await stage.writeFile('logs/x-1.jsonl', '{}\n');
  await stage.checkpoint.markStageComplete({ pagesProcessed: PAGES.length });
  return stage;
}

describe('clean removes what the stage owns, and says what it left', () => {
  it("a user's files in the stage folder stay; the report names them", async () => {
    const stage = await completeStage('merge');
    await writeFile(join(stage.dir, 'my-notes.txt'), 'mine\n');
    await mkdir(join(stage.dir, 'drafts'));
    const report = await stage.clean();
    expect(report).toEqual({
      scanId: 'book',
      stage: 'merge',
      dir: stage.dir,
      removedPages: 20,
      removed: ['checkpoint.jsonl', 'pages', 'report.csv', STAGE_FILE],
      kept: ['drafts', 'logs', 'my-notes.txt'],
    });
    expect((await readdir(stage.dir)).sort()).toEqual(['drafts', 'logs', 'my-notes.txt']);
    expect(await readFile(join(stage.dir, 'my-notes.txt'), 'utf8')).toBe('mine\n');
    expect(await stage.checkpoint.status()).toMatchObject({ complete: false, completedPages: [] });
  });

  it('files the built-in stages wrote before stage.json recorded them (an older scan) are still removed', async () => {
    const stage = await completeStage('merge');
    await writeFile(join(stage.dir, 'book.md'), '# old\n');
    await rm(join(stage.dir, STAGE_FILE));
    const report = await stage.clean();
    expect(report.removed).toEqual(['book.md', 'checkpoint.jsonl', 'report.csv']);
    // Its sub-folder of pages was never recorded: left, and said so.
    expect(report.kept).toEqual(['logs', 'pages']);
  });

  it('a link inside the stage folder is removed as a link; its target stays', async () => {
    const stage = await completeStage('ocr');
    const outside = join(root, 'outside');
    await mkdir(outside);
    await writeFile(join(outside, 'keep.txt'), 'x');
    await rm(join(stage.dir, 'pages'), { recursive: true });
    await symlink(outside, join(stage.dir, 'pages'));
    await stage.clean();
    expect(existsSync(join(stage.dir, 'pages'))).toBe(false);
    expect(await readdir(outside)).toEqual(['keep.txt']);
  });
});

describe('a clean killed midway', () => {
  it('leaves the marker; nothing counts as done until the next run finishes the clean', async () => {
    await completeStage('ocr');
    // The real clean in a child process, SIGKILLed while one page file's unlink is parked (the others go).
    const child = runChild(new URL('../test-programs/clean-killed.ts', import.meta.url), [root, 'book', 'ocr', 'page_0007.json']);
    await child.waitFor((msg) => msg.event === 'parked');
    child.child.kill('SIGKILL');
    await child.exited;

    const fresh = openScan({ root, scanId: 'book' });
    const stage = fresh.stage('ocr', { schema: PageSchema });
    // Half a stage is on disk (on main, the journal went first and page 7 was then taken for done).
    expect(existsSync(stage.pagePath(7))).toBe(true);
    expect(existsSync(join(stage.dir, CLEAN_MARKER))).toBe(true);
    expect(await stage.listPages()).toEqual([]);
    expect(await stage.checkpoint.isComplete()).toBe(false);
    const status = await stage.checkpoint.status();
    expect(status).toMatchObject({ complete: false, completedPages: [] });
    expect(status.warnings).toEqual([expect.stringContaining('a clean of this stage was interrupted')]);

    // The next run (remainingPages) finishes the clean first: every page is to do again.
    const { logger, lines } = memoryLogger();
    const again = openScan({ root, scanId: 'book', logger }).stage('ocr', { schema: PageSchema });
    expect(await again.checkpoint.remainingPages(PAGES)).toEqual(PAGES);
    expect((await readdir(again.dir)).sort()).toEqual(['logs']);
    expect(lines.some((l) => String(l.msg).includes('finishing a clean that was interrupted'))).toBe(true);
  });

  it('taking the scan lock finishes it before anything is read', async () => {
    const stage = await completeStage('ocr');
    await writeFile(join(stage.dir, CLEAN_MARKER), '{}\n');
    const lock = await scan.acquireLock();
    try {
      expect((await readdir(stage.dir)).sort()).toEqual(['logs']);
    } finally {
      await lock.release();
    }
  });
});
