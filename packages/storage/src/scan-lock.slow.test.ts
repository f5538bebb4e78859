import { readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '@bookpipe/core';
import { type ChildFixture, deadPid, runChild, tempDir } from '@bookpipe/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FsBookStorage, openScan, type ScanLockInfo } from './index.js';

// Slow (a few seconds): four real processes start, line up on a wall-clock instant, then race.
let root: string;
let cleanup: () => Promise<void>;
let scan: FsBookStorage;
const children: ChildFixture[] = [];
beforeEach(async () => {
  ({ dir: root, remove: cleanup } = await tempDir('bookpipe-storage-'));
  scan = openScan({ root, scanId: 'book' });
});
afterEach(async () => {
  for (const c of children.splice(0)) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
  await cleanup();
});

const lockPath = () => join(scan.dir, '.lock');
const readLock = async () => JSON.parse(await readFile(lockPath(), 'utf8')) as ScanLockInfo;
const staleLock = (pid: number): ScanLockInfo => ({
  pid,
  hostname: hostname(),
  startedAt: '2020-01-01T00:00:00.000Z',
  argv: ['node', 'bookpipe', 'run'],
  token: 'dead',
});

describe('scan lock under a real race', () => {
  it('four processes racing for a stale lock: exactly one wins', async () => {
    await scan.init();
    await writeFile(lockPath(), JSON.stringify(staleLock(deadPid())));
    const startAt = Date.now() + 2500; // all children up and spinning by then, so they collide
    const racers = Array.from({ length: 4 }, () => runChild(new URL('../test-programs/hold-lock.ts', import.meta.url), [root, 'book', String(startAt)]));
    children.push(...racers);
    const outcomes = await Promise.all(racers.map((r) => r.waitFor((m) => m.event === 'locked' || m.event === 'refused')));
    const winners = outcomes.filter((o) => o.event === 'locked');
    expect(winners, JSON.stringify(outcomes)).toHaveLength(1);
    for (const o of outcomes.filter((x) => x.event === 'refused'))
      expect(o).toMatchObject({ code: ErrorCode.SCAN_LOCKED, message: expect.stringContaining(`pid ${winners[0]!.pid}`) });
    expect((await readLock()).pid).toBe(winners[0]!.pid);
  });
});
