import { readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '@bookpipe/core';
import { type ChildFixture, deadPid, runChild, tempDir } from '@bookpipe/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FsBookStorage, type FsScanLock, openScan, type ScanLockInfo } from './index.js';

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

describe('scan lock', () => {
  it('holds pid, hostname, startedAt and argv; release removes it and is idempotent', async () => {
    const lock = await scan.acquireLock();
    expect(await readLock()).toMatchObject({ pid: process.pid, hostname: hostname(), argv: process.argv, startedAt: expect.any(String) });
    await lock.release();
    await expect(stat(lockPath())).rejects.toMatchObject({ code: 'ENOENT' });
    await lock.release();
    lock.releaseSync();
    const again = await scan.acquireLock();
    again.releaseSync();
    await expect(stat(lockPath())).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a second runner (a real child process holding the lock), then takes over once it is killed', async () => {
    const holder = runChild(new URL('../test-programs/hold-lock.ts', import.meta.url), [root, 'book']);
    children.push(holder);
    const locked = await holder.waitFor((m) => m.event === 'locked' || m.event === 'refused');
    expect(locked.event).toBe('locked');
    const pid = holder.child.pid!;

    const error = await scan.acquireLock().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCode.SCAN_LOCKED, details: { holder: { pid } } });
    expect((error as Error).message).toMatch(
      new RegExp(`^Scan "book" is locked by pid ${pid} \\(started \\S+, command .*hold-lock\\.ts.*\\)\\. Wait for it to finish, or stop it\\.`),
    );

    // Killed without a chance to clean up: the lock file stays, naming a dead pid.
    holder.child.kill('SIGKILL');
    await holder.exited;
    expect((await readLock()).pid).toBe(pid);
    const lock = await scan.acquireLock();
    expect((await readLock()).pid).toBe(process.pid);
    await lock.release();
  });

  it('a child that finishes normally releases, and the parent can then lock', async () => {
    const holder = runChild(new URL('../test-programs/hold-lock.ts', import.meta.url), [root, 'book']);
    children.push(holder);
    await holder.waitFor((m) => m.event === 'locked');
    holder.child.stdin!.end();
    await holder.waitFor((m) => m.event === 'released');
    await (await scan.acquireLock()).release();
  });

  it('takes over a stale lock whose pid is dead on this host', async () => {
    await scan.init();
    await writeFile(lockPath(), JSON.stringify(staleLock(deadPid())));
    const lock = await scan.acquireLock();
    expect((await readLock()).pid).toBe(process.pid);
    await lock.release();
  });

  it('takes over a lock naming our own pid that this process does not hold (a restarted container gets the same pid)', async () => {
    await scan.init();
    await writeFile(lockPath(), JSON.stringify({ ...staleLock(process.pid), startedAt: new Date().toISOString() }));
    const lock = await scan.acquireLock();
    expect((await readLock()).token).not.toBe('dead');
    await lock.release();
  });

  it.skipIf(process.platform !== 'linux')(
    'a live pid that started after the lock was taken is not its holder (pid reused); one that started before is',
    async () => {
      await scan.init();
      // Our parent process is alive and started before now, but long after 2000.
      await writeFile(lockPath(), JSON.stringify({ ...staleLock(process.ppid), startedAt: '2000-01-01T00:00:00.000Z' }));
      await (await scan.acquireLock()).release();
      await writeFile(lockPath(), JSON.stringify({ ...staleLock(process.ppid), startedAt: new Date().toISOString() }));
      await expect(scan.acquireLock()).rejects.toMatchObject({ code: ErrorCode.SCAN_LOCKED, message: expect.stringContaining(`pid ${process.ppid}`) });
    },
  );

  it('respects a lock held on another host, whose pid cannot be checked', async () => {
    await scan.init();
    await writeFile(lockPath(), JSON.stringify({ ...staleLock(deadPid()), hostname: 'elsewhere' }));
    await expect(scan.acquireLock()).rejects.toMatchObject({ code: ErrorCode.SCAN_LOCKED, message: expect.stringContaining('on host "elsewhere"') });
  });

  it('an unreadable lock is respected while young (it may be being written) and taken over when old', async () => {
    await scan.init();
    await writeFile(lockPath(), '');
    await expect(scan.acquireLock()).rejects.toMatchObject({ code: ErrorCode.SCAN_LOCKED, message: expect.stringContaining(lockPath()) });
    const minuteAgo = new Date(Date.now() - 60_000);
    await utimes(lockPath(), minuteAgo, minuteAgo);
    await (await scan.acquireLock()).release();
  });

  it('eight takers racing for a stale lock in one process, 30 times over: exactly one wins each time', async () => {
    await scan.init();
    const dead = deadPid();
    for (let round = 0; round < 30; round++) {
      await writeFile(lockPath(), JSON.stringify({ ...staleLock(dead), token: `dead-${round}` }));
      const results = await Promise.allSettled(Array.from({ length: 8 }, () => openScan({ root, scanId: 'book' }).acquireLock()));
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won, `round ${round}`).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: ErrorCode.SCAN_LOCKED });
      await (won[0] as PromiseFulfilledResult<FsScanLock>).value.release();
    }
  });

  it('release leaves a lock that is no longer ours', async () => {
    const lock = await scan.acquireLock();
    const someoneElse = { ...staleLock(process.pid), token: 'not-ours' };
    await writeFile(lockPath(), JSON.stringify(someoneElse));
    await lock.release();
    expect(await readLock()).toEqual(someoneElse);
  });
});
