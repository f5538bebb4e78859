import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ChildFixture, runChild, SquareMetricsSchema, SquarePageSchema, tempDir } from '@bookpipe/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openScan } from './index.js';

// Slow: real child processes running a real pipeline, killed with SIGKILL at different moments.
const PAGES = 60;
/** Kill each run after this many of its pages were reported done; a last run then finishes. */
const KILL_AFTER = [1, 6, 17, 29];

let root: string;
let cleanup: () => Promise<void>;
const children: ChildFixture[] = [];
beforeEach(async () => {
  ({ dir: root, remove: cleanup } = await tempDir('bookpipe-storage-'));
  const scan = openScan({ root, scanId: 'book' });
  await scan.init();
  await scan.updateMetadata({ totalPages: PAGES });
});
afterEach(async () => {
  for (const c of children.splice(0)) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
  await cleanup();
});

const stage = () => openScan({ root, scanId: 'book' }).stage('square', { schema: SquarePageSchema, metricsSchema: SquareMetricsSchema });

/** Pages with a valid file right now, checked the way a new process would. */
async function validPages(): Promise<Set<number>> {
  const all = Array.from({ length: PAGES }, (_, i) => i + 1);
  const remaining = new Set(await stage().checkpoint.remainingPages(all));
  return new Set(all.filter((p) => !remaining.has(p)));
}

describe('crash safety', () => {
  it('SIGKILL at several moments, then resume: every page exactly once, valid, nothing paid twice, journal consistent', async () => {
    const starts: number[][] = [];
    for (const [run, killAfter] of [...KILL_AFTER, undefined].entries()) {
      const doneBefore = await validPages();
      const startLog = join(root, `starts-${run}.log`);
      const child = runChild(new URL('../test-programs/crash-run.ts', import.meta.url), [root, 'book', startLog]);
      children.push(child);
      if (killAfter !== undefined) {
        await child.waitFor((m) => m.event === 'page' && child.messages.filter((x) => x.event === 'page').length >= killAfter);
        child.child.kill('SIGKILL');
        expect((await child.exited).signal).toBe('SIGKILL');
      } else {
        const done = await child.waitFor((m) => m.event === 'done');
        expect(done, child.stderr()).toMatchObject({ stages: { square: { status: 'done', stats: { pagesFailed: 0, aborted: false } } } });
        expect((await child.exited).code).toBe(0);
      }
      const started = existsSync(startLog) ? (await readFile(startLog, 'utf8')).split('\n').filter(Boolean).map(Number) : [];
      starts.push(started);
      // Nothing paid twice: a page whose file was already valid is never started again.
      expect(
        started.filter((p) => doneBefore.has(p)),
        `run ${run}`,
      ).toEqual([]);
    }
    // The kills really happened mid-run: every killed run left work for the next one.
    expect(starts.every((s) => s.length > 0 && s.length < PAGES)).toBe(true);

    const s = stage();
    const all = Array.from({ length: PAGES }, (_, i) => i + 1);
    expect(await s.listPages()).toEqual(all);
    for (const p of all) expect(await s.loadPage(p)).toEqual({ page: p, square: p * p });
    // Temp files of the killed writers were cleaned up by the runs that resumed after them; the lock is released.
    const names = await readdir(s.dir);
    expect(names.filter((n) => n.startsWith('.'))).toEqual([]);
    expect(existsSync(join(root, 'book', '.lock'))).toBe(false);

    // The journal: exactly one page record per page (journalled before its rename, so a kill never loses
    // metrics: a page killed between the append and the rename had its temp file adopted). Damaged lines only from kills.
    const status = await s.checkpoint.status();
    expect(status).toMatchObject({ complete: true, completedPages: all, failedPages: [], invalidPages: [], metricsMissingPages: [] });
    const lines = (await readFile(join(s.dir, 'checkpoint.jsonl'), 'utf8')).split('\n').filter(Boolean);
    const records = lines.flatMap((l) => {
      try {
        return [JSON.parse(l) as { type: string; page?: number; problem?: string }];
      } catch {
        return [];
      }
    });
    expect(lines.length - records.length).toBe(status.warnings.length);
    expect(status.warnings.length).toBeLessThanOrEqual(KILL_AFTER.length);
    expect(records.filter((r) => r.type === 'repair' && r.problem !== 'temp-adopted')).toEqual([]);
    const metrics = await s.checkpoint.metrics();
    expect([...metrics.keys()]).toEqual(all);
    for (const p of all) {
      expect(records.filter((r) => r.type === 'page' && r.page === p).length, `page ${p}`).toBe(1);
      expect(metrics.get(p)).toMatchObject({ pageNum: p, square: p * p });
    }
    const report = (await s.readFile('report.csv')).trim().split('\n');
    expect(report).toHaveLength(PAGES + 1);
  });
});
