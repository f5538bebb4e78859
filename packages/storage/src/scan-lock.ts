import { randomBytes } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { type FileHandle, open, readFile, rm, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BookpipeError, ErrorCode, type ScanLockHandle } from '@bookpipe/core';
import { makeDir } from './make-dir.js';
import { isProcessAlive, processStartTime } from './process-alive.js';
import { errnoCode, toStorageError } from './storage-error.js';

/** The lock file's name inside the scan folder. */
export const LOCK_FILE = '.lock';

/** What `<scan>/.lock` holds: who runs on this scan. */
export interface ScanLockInfo {
  pid: number;
  hostname: string;
  /** ISO time the lock was taken. */
  startedAt: string;
  argv: string[];
  /** Random, so that `release()` removes the lock only if it is still this one. */
  token: string;
}

/** The held lock of a scan. `release()` is idempotent and removes the lock only if it is still ours. */
export interface FsScanLock extends ScanLockHandle {
  readonly path: string;
  readonly info: ScanLockInfo;
  /** For `process.on('exit')` handlers, which cannot wait for promises. */
  releaseSync(): void;
}

/**
 * A lock file that cannot be parsed is normally one being written right now (between `open` and
 * `write`); only after this long is it treated as left by a process that died in that instant.
 */
const UNREADABLE_LOCK_GRACE_MS = 5_000;
/** A takeover file older than this was left by a process that died while breaking a stale lock. */
const TAKEOVER_GRACE_MS = 10_000;
const MAX_ATTEMPTS = 50;
/**
 * A live process that started this long after the lock was taken cannot be its holder: the pid was
 * reused. The slack covers the coarse clock of /proc (boot time in whole seconds) and small clock steps.
 */
const PID_REUSE_SLACK_MS = 5_000;

/** Tokens of the locks this process holds now, to tell them from a lock left by an earlier process with our pid. */
const heldTokens = new Set<string>();
/** How long to wait for an unreadable young lock to be written completely (it takes microseconds). */
const UNREADABLE_LOCK_WAIT_MS = 500;

interface Holder {
  raw: string;
  info: ScanLockInfo | undefined;
  ageMs: number;
}

export interface AcquireScanLockOptions {
  scanDir: string;
  scanId: string;
}

/**
 * Takes `<scan>/.lock`, created with O_EXCL (`wx`) so that exactly one process can hold it.
 *
 * A lock whose holder is gone (see `holderMayBeAlive`) is stale and is taken over. Breaking it is serialised by a
 * second exclusive file, `.lock.takeover`: its holder re-reads the lock and removes it only if it is
 * byte for byte the stale one it judged, then everyone retries `wx`. So two racing takers cannot both
 * win, and a live lock taken in between is never removed.
 *
 * A lock held on another host (a shared disk) cannot be checked and is always respected.
 * @throws BookpipeError SCAN_LOCKED naming the holder's pid, start time and command.
 */
export async function acquireScanLock(options: AcquireScanLockOptions): Promise<FsScanLock> {
  const { scanDir, scanId } = options;
  const path = join(scanDir, LOCK_FILE);
  const info: ScanLockInfo = {
    pid: process.pid,
    hostname: hostname(),
    // The real clock, not an injected one: pid-reuse detection compares it with process start times.
    startedAt: new Date().toISOString(),
    argv: [...process.argv],
    token: randomBytes(8).toString('hex'),
  };
  const storageError = (error: unknown, action: string, p = path) => toStorageError(error, { action, path: p, scanId });
  try {
    await makeDir(scanDir);
  } catch (error) {
    throw storageError(error, 'create', scanDir);
  }

  let holder: Holder | undefined;
  const waitUnreadableUntil = Date.now() + UNREADABLE_LOCK_WAIT_MS;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    // Registered before the file exists: another acquirer in this process may read the new lock before
    // tryCreate returns, and must see it as held, not as left by an earlier process with our pid.
    heldTokens.add(info.token);
    let created = false;
    try {
      created = await tryCreate(path, info);
    } catch (error) {
      throw storageError(error, 'create');
    } finally {
      if (!created) heldTokens.delete(info.token);
    }
    if (created) return heldLock(path, info, scanId);
    holder = await readHolder(path).catch((e) => Promise.reject(storageError(e, 'read')));
    if (!holder) continue; // released in between: try again
    if (holder.info) {
      if (holderMayBeAlive(holder.info)) throw lockedError(scanId, path, holder.info);
    } else if (holder.ageMs < UNREADABLE_LOCK_GRACE_MS) {
      if (Date.now() > waitUnreadableUntil) break;
      await sleep(20 + Math.random() * 30);
      continue;
    }
    const broke = await breakStaleLock(path, holder.raw).catch((e) => Promise.reject(storageError(e, 'take over the stale lock')));
    if (!broke) await sleep(10 + Math.random() * 30);
  }
  if (holder?.info) throw lockedError(scanId, path, holder.info);
  throw new BookpipeError(
    ErrorCode.SCAN_LOCKED,
    `Scan "${scanId}" is locked: ${path} exists but could not be read${holder && !holder.info ? ' (it is empty or not JSON, and recent: another process may be starting)' : ' or taken over'}. Wait a moment and try again; if no bookpipe process is running on this scan, delete ${path}.`,
    { details: { scanId, file: path } },
  );
}

/**
 * False only when the holder is certainly gone: its pid is dead on this host, or now belongs to a process
 * that started after the lock was taken, or is our own pid while we do not hold that lock (a restarted
 * container often gets the same pid). A lock from another host cannot be checked and counts as alive.
 */
function holderMayBeAlive(holder: ScanLockInfo): boolean {
  if (holder.hostname !== hostname()) return true;
  if (holder.pid === process.pid) return heldTokens.has(holder.token);
  if (!isProcessAlive(holder.pid)) return false;
  const started = processStartTime(holder.pid);
  const lockedAt = Date.parse(holder.startedAt);
  return started === undefined || !Number.isFinite(lockedAt) || started <= lockedAt + PID_REUSE_SLACK_MS;
}

async function tryCreate(path: string, info: ScanLockInfo): Promise<boolean> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'wx');
  } catch (error) {
    if (errnoCode(error) === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(`${JSON.stringify(info)}\n`);
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => {});
    await unlink(path).catch(() => {});
    throw error;
  }
  await handle.close();
  return true;
}

async function readHolder(path: string): Promise<Holder | undefined> {
  let raw: string;
  let mtimeMs: number;
  try {
    [raw, { mtimeMs }] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  }
  return { raw, info: parseLockInfo(raw), ageMs: Date.now() - mtimeMs };
}

function parseLockInfo(raw: string): ScanLockInfo | undefined {
  try {
    const v = JSON.parse(raw) as Partial<ScanLockInfo>;
    if (typeof v.pid === 'number' && typeof v.hostname === 'string' && typeof v.token === 'string') {
      return {
        pid: v.pid,
        hostname: v.hostname,
        startedAt: String(v.startedAt ?? 'unknown'),
        argv: Array.isArray(v.argv) ? v.argv.map(String) : [],
        token: v.token,
      };
    }
  } catch {
    // fall through: unreadable
  }
  return undefined;
}

/** Removes the lock if it still holds exactly `staleRaw`. Returns false when another process is breaking it. */
async function breakStaleLock(path: string, staleRaw: string): Promise<boolean> {
  const takeover = `${path}.takeover`;
  let handle: FileHandle;
  try {
    handle = await open(takeover, 'wx');
  } catch (error) {
    if (errnoCode(error) !== 'EEXIST') throw error;
    const st = await stat(takeover).catch(() => undefined);
    if (st && Date.now() - st.mtimeMs > TAKEOVER_GRACE_MS) await rm(takeover, { force: true });
    return false;
  }
  try {
    await handle.writeFile(String(process.pid));
    await handle.close();
    let current: string;
    try {
      current = await readFile(path, 'utf8');
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return true;
      throw error;
    }
    if (current === staleRaw) await unlink(path);
    return true;
  } finally {
    await rm(takeover, { force: true });
  }
}

function heldLock(path: string, info: ScanLockInfo, scanId: string): FsScanLock {
  let released = false;
  const ours = (raw: string) => parseLockInfo(raw)?.token === info.token;
  return {
    path,
    info,
    async release() {
      if (released) return;
      try {
        if (ours(await readFile(path, 'utf8'))) await unlink(path);
      } catch (error) {
        if (errnoCode(error) !== 'ENOENT') throw toStorageError(error, { action: 'release the lock', path, scanId });
      }
      released = true;
      heldTokens.delete(info.token);
    },
    releaseSync() {
      if (released) return;
      try {
        if (ours(readFileSync(path, 'utf8'))) unlinkSync(path);
      } catch (error) {
        if (errnoCode(error) !== 'ENOENT') throw toStorageError(error, { action: 'release the lock', path, scanId });
      }
      released = true;
      heldTokens.delete(info.token);
    },
  };
}

function lockedError(scanId: string, path: string, holder: ScanLockInfo): BookpipeError {
  const command = holder.argv.join(' ');
  const shown = command.length > 200 ? `${command.slice(0, 197)}...` : command || 'unknown';
  const where = holder.hostname === hostname() ? '' : ` on host "${holder.hostname}"`;
  return new BookpipeError(
    ErrorCode.SCAN_LOCKED,
    `Scan "${scanId}" is locked by pid ${holder.pid}${where} (started ${holder.startedAt}, command ${shown}). Wait for it to finish, or stop it. If that process is gone, delete ${path}.`,
    { details: { scanId, file: path, holder } },
  );
}
