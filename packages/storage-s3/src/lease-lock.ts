import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { BookpipeError, ErrorCode, type ScanLockHandle } from '@bookpipe/core';
import type { ObjectStore } from './object-store.js';

/** The lease objects' folder inside the scan: `<scan>/_lock/<startedAt>-<token>.json`. */
export const LOCK_PREFIX = '_lock/';

/** What a lease object holds: who runs on this scan, and until when the lease holds without renewal. */
export interface LeaseInfo {
  pid: number;
  hostname: string;
  startedAt: string;
  argv: string[];
  token: string;
  /** ISO time after which the lease is void unless renewed: a holder that died stops renewing it. */
  expiresAt: string;
}

/** The held lease of a scan. `release()` is idempotent. */
export interface S3ScanLock extends ScanLockHandle {
  readonly key: string;
  readonly info: LeaseInfo;
}

export interface AcquireLeaseOptions {
  store: ObjectStore;
  /** Key prefix of the scan, ending in "/". */
  scanKey: string;
  scanId: string;
  /** How long a lease holds without renewal; the holder renews it every third of that. */
  ttlMs: number;
  now: () => Date;
}

/** Rounds of "write, list, back off" when contenders meet; each round someone usually wins. */
const MAX_ROUNDS = 8;

/**
 * Takes the scan's lease. S3 has no exclusive create that every server honours (`If-None-Match: *` on
 * PutObject is honoured by AWS S3 since 2024, MinIO and R2, but s3rver ignores it and overwrites), so the
 * lock relies only on what every S3-compatible store guarantees, strong read-after-write and
 * list-after-write consistency:
 *
 * 1. list `_lock/`; a live lease of someone else: SCAN_LOCKED naming its holder; an expired one is deleted;
 * 2. put our own lease object (a key no one else writes);
 * 3. list again: if ours is the only live lease, we hold the lock; otherwise delete ours, back off a
 *    random moment and start again.
 *
 * Two contenders cannot both win: the one whose second listing came first saw only its own lease, so the
 * other's put came after that listing, after its own put, and the other's listing sees both. Both may lose
 * a round; the random back-off makes one of them first next time. A holder renews its lease every ttl/3;
 * a lease not renewed for `ttlMs` (its process died) is taken over. Clocks of the hosts must agree to
 * well within `ttlMs`.
 * @throws BookpipeError SCAN_LOCKED naming the holder's pid, host and command.
 */
export async function acquireLease(options: AcquireLeaseOptions): Promise<S3ScanLock> {
  const { store, scanKey, scanId, ttlMs, now } = options;
  const prefix = `${scanKey}${LOCK_PREFIX}`;
  const token = randomBytes(8).toString('hex');
  const startedAt = now();
  const key = `${prefix}${String(startedAt.getTime()).padStart(15, '0')}-${token}.json`;
  const lease = (): LeaseInfo => ({
    pid: process.pid,
    hostname: hostname(),
    startedAt: startedAt.toISOString(),
    argv: [...process.argv],
    token,
    expiresAt: new Date(now().getTime() + ttlMs).toISOString(),
  });
  const ctx = { scanId };

  /** The live leases other than ours; expired ones are deleted on the way. */
  const others = async (): Promise<LeaseInfo[]> => {
    const live: LeaseInfo[] = [];
    for (const { key: k } of await store.list(prefix, ctx)) {
      if (k === key) continue;
      const text = await store.getText(k, ctx);
      if (text === undefined) continue; // released in between
      const info = parseLease(text);
      // An unreadable lease is someone's (objects are written whole): live until it is older than a ttl by its key.
      const expires = info ? Date.parse(info.expiresAt) : keyTime(k) + ttlMs;
      if (Number.isFinite(expires) && expires < now().getTime()) {
        await store.delete(k, ctx);
        continue;
      }
      live.push(info ?? { pid: 0, hostname: 'unknown', startedAt: 'unknown', argv: [], token: k, expiresAt: new Date(expires).toISOString() });
    }
    return live;
  };

  let holder: LeaseInfo | undefined;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const before = await others();
    if (before.length > 0) throw lockedError(scanId, store.url(prefix), before[0]!);
    await store.put(key, JSON.stringify(lease()), ctx);
    const after = await others();
    if (after.length === 0) return heldLease(options, key, lease);
    holder = after[0];
    await store.delete(key, ctx);
    await sleep(20 + Math.random() * 80 * (round + 1));
  }
  throw lockedError(scanId, store.url(prefix), holder!);
}

function heldLease(options: AcquireLeaseOptions, key: string, lease: () => LeaseInfo): S3ScanLock {
  const { store, scanId, ttlMs } = options;
  const info = lease();
  let released = false;
  let lost = false;
  let renewing: Promise<void> = Promise.resolve();
  // Renewal keeps a long run's lease alive. unref: a forgotten lock never keeps the process running.
  // A failed renewal is retried at the next tick. A lease that is gone was expired and taken over (this
  // holder was stalled or cut off for a whole ttl): it is not written again, which would make two holders.
  const renew = async () => {
    if (released || lost) return;
    try {
      if (!(await store.exists(key, { scanId }))) {
        lost = true;
        process.emitWarning(`bookpipe: the lease ${store.url(key)} on scan "${scanId}" expired and was taken over; this process no longer holds the scan.`, {
          code: 'BOOKPIPE_LEASE_LOST',
        });
        return;
      }
      if (!released) await store.put(key, JSON.stringify(lease()), { scanId });
    } catch {
      // retried at the next tick
    }
  };
  const timer = setInterval(
    () => {
      renewing = renewing.then(renew);
    },
    Math.max(1_000, Math.floor(ttlMs / 3)),
  );
  timer.unref();
  return {
    key,
    info,
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      // A renewal in flight would otherwise put the lease back after the delete: a stale lease for a whole ttl.
      await renewing;
      await store.delete(key, { scanId });
    },
  };
}

function parseLease(text: string): LeaseInfo | undefined {
  try {
    const v = JSON.parse(text) as Partial<LeaseInfo>;
    if (typeof v.pid === 'number' && typeof v.token === 'string' && typeof v.expiresAt === 'string') {
      return {
        pid: v.pid,
        hostname: String(v.hostname ?? 'unknown'),
        startedAt: String(v.startedAt ?? 'unknown'),
        argv: Array.isArray(v.argv) ? v.argv.map(String) : [],
        token: v.token,
        expiresAt: v.expiresAt,
      };
    }
  } catch {
    // unreadable: see the caller
  }
  return undefined;
}

/** The time a lease key was written, from its name (`<ms>-<token>.json`), or now when it has none. */
function keyTime(key: string): number {
  const m = /\/(\d{15})-[^/]*$/.exec(key);
  return m ? Number(m[1]) : Date.now();
}

function lockedError(scanId: string, where: string, holder: LeaseInfo): BookpipeError {
  const command = holder.argv.join(' ');
  const shown = command.length > 200 ? `${command.slice(0, 197)}...` : command || 'unknown';
  return new BookpipeError(
    ErrorCode.SCAN_LOCKED,
    `Scan "${scanId}" is locked by pid ${holder.pid} on host "${holder.hostname}" (started ${holder.startedAt}, command ${shown}; its lease runs until ${holder.expiresAt} unless renewed). Wait for it to finish, or stop it: a lease its holder no longer renews is taken over once it expires. To break it now, delete the objects under ${where}.`,
    { details: { scanId, file: where, holder } },
  );
}
