import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { BookpipeError, ErrorCode } from '@bookpipe/core';
import { type LoopbackS3, startLoopbackS3 } from '@bookpipe/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { openS3Scan } from './open-s3-scan.js';
import { parseS3Url } from './s3-location.js';

// What only the S3 backend has: URLs, the lease's expiry, the journal objects, a missing bucket.
let s3: LoopbackS3;
let n = 0;
const root = () => `s3://${s3.bucket}/books`;
const open = (scanId: string, now?: () => Date) => openS3Scan(root(), scanId, { endpoint: s3.endpoint, credentials: s3.credentials, ...(now ? { now } : {}) });
const put = (key: string, body: string) => s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `books/${key}`, Body: body }));
const fresh = async (totalPages = 3) => {
  const scan = await open(`s3-${++n}`);
  await scan.init();
  await scan.updateMetadata({ totalPages });
  return scan;
};

beforeAll(async () => {
  s3 = await startLoopbackS3();
});
afterAll(async () => {
  await s3?.close();
});

describe('S3 locations', () => {
  it('parses s3://bucket/prefix and refuses anything else with the expected form', () => {
    expect(parseS3Url('s3://my-books/library/2024/')).toEqual({ bucket: 'my-books', prefix: 'library/2024/' });
    expect(parseS3Url('s3://my-books')).toEqual({ bucket: 'my-books', prefix: '' });
    for (const bad of ['https://my-books/x', 's3://B/x', 's3://my-books/../x', 'my-books/x']) {
      let error: unknown;
      try {
        parseS3Url(bad);
      } catch (e) {
        error = e;
      }
      expect(BookpipeError.isInstance(error) && error.code, bad).toBe(ErrorCode.CONFIG_INVALID);
      expect((error as Error).message).toContain('s3://<bucket>/<prefix>');
    }
  });

  it('gives s3:// URLs for the scan, its stages, pages and files', async () => {
    const scan = await fresh();
    const ocr = scan.stage('ocr');
    expect(scan.root).toBe(`s3://${s3.bucket}/books`);
    expect(scan.dir).toBe(`s3://${s3.bucket}/books/${scan.scanId}`);
    expect(ocr.pagePath(12)).toBe(`${scan.dir}/ocr/page_0012.json`);
    expect(ocr.filePath('logs/a/../b.jsonl')).toBe(`${scan.dir}/ocr/logs/b.jsonl`);
  });

  it('a missing bucket is a STORAGE_ERROR naming the object and the fix', async () => {
    // Opening reads the stages' records: the missing bucket is found there, before anything runs.
    const error = await openS3Scan('s3://no-such-bucket/books', 'x', { endpoint: s3.endpoint, credentials: s3.credentials }).catch((e: unknown) => e);
    expect(BookpipeError.isInstance(error) && error.code).toBe(ErrorCode.STORAGE_ERROR);
    expect((error as Error).message).toContain('s3://no-such-bucket/books/x/');
    expect((error as Error).message).toContain('Create the bucket');
  });
});

describe('the lease', () => {
  it('is taken over once it has expired (its holder stopped renewing it)', async () => {
    const scan = await fresh();
    const dead = {
      pid: 999_999,
      hostname: 'gone',
      startedAt: '2026-01-01T00:00:00.000Z',
      argv: ['bookpipe', 'run'],
      token: 'dead',
      expiresAt: '2026-01-01T00:01:00.000Z',
    };
    await put(`${scan.scanId}/_lock/000000000000001-dead.json`, JSON.stringify(dead));
    const lock = await scan.acquireLock();
    await lock.release();
  });

  it('a live lease is respected, with its holder and expiry in the message', async () => {
    const scan = await fresh();
    const alive = {
      pid: 4242,
      hostname: 'worker-7',
      startedAt: new Date().toISOString(),
      argv: ['bookpipe', 'worker'],
      token: 't',
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    };
    await put(`${scan.scanId}/_lock/000000000000002-t.json`, JSON.stringify(alive));
    const error = await scan.acquireLock().catch((e: unknown) => e);
    expect(BookpipeError.isInstance(error) && error.code).toBe(ErrorCode.SCAN_LOCKED);
    expect((error as Error).message).toMatch(/pid 4242 on host "worker-7".*bookpipe worker/);
  });
});

describe('lease renewal (the renewal timer faked, the clock injected)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });
  /** The lease's expiry, or undefined while s3rver is still writing it (it writes objects in place). */
  const expiresAt = async (key: string): Promise<string | undefined> => {
    const out = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
    try {
      return JSON.parse(await out.Body!.transformToString()).expiresAt;
    } catch {
      return undefined;
    }
  };
  /** Waits for `check` to hold, a bounded number of event-loop turns (the renewal's requests are real). */
  const until = async (check: () => Promise<boolean>) => {
    for (let i = 0; i < 200; i++) {
      if (await check()) return true;
      await new Promise((r) => setImmediate(r));
    }
    return false;
  };

  it('the holder renews its lease with a later expiry', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    let clock = Date.parse('2026-06-01T12:00:00Z');
    const scan = await open(`s3-${++n}`, () => new Date(clock));
    await scan.init();
    const lock = await scan.acquireLock();
    const first = await expiresAt(lock.key);
    expect(first).toBe('2026-06-01T12:01:00.000Z');
    clock += 30_000;
    vi.advanceTimersByTime(20_000);
    expect(await until(async () => (await expiresAt(lock.key)) === '2026-06-01T12:01:30.000Z')).toBe(true);
    await lock.release();
  });

  it('a lease taken over while its holder was stalled is not written back: it says so instead', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const scan = await fresh();
    const lock = await scan.acquireLock();
    await s3.client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: lock.key }));
    const warned = new Promise<Error>((resolve) => process.once('warning', resolve));
    vi.advanceTimersByTime(20_000);
    expect((await warned).message).toMatch(/expired and was taken over/);
    const other = await (await open(scan.scanId)).acquireLock(); // nothing written back in its way
    await other.release();
    await lock.release();
  });
});

describe('the journal objects', () => {
  it('a page journalled but never written (killed between the two puts) is redone', async () => {
    const scan = await fresh(2);
    const ocr = scan.stage('ocr', { pageFormat: 'json' });
    await ocr.savePage(1, { text: 'one' }, { pageNum: 1 });
    await put(`${scan.scanId}/ocr/_journal/page_0002.json`, JSON.stringify({ page: 2, metrics: { pageNum: 2 }, bytes: 99, at: 'x' }));
    expect(await ocr.checkpoint.remainingPages()).toEqual([2]);
    // A redo journalled at another size, the old page still in place: redone too.
    await put(`${scan.scanId}/ocr/_journal/page_0001.json`, JSON.stringify({ page: 1, metrics: { pageNum: 1 }, bytes: 5, at: 'x' }));
    expect(await (await open(scan.scanId)).stage('ocr').checkpoint.remainingPages()).toEqual([1, 2]);
  });

  it('a page object with no record counts as done, its metrics missing', async () => {
    const scan = await fresh(1);
    await put(`${scan.scanId}/ocr/page_0001.json`, '{"text":"by hand"}');
    const ocr = scan.stage('ocr', { pageFormat: 'json' });
    expect(await ocr.checkpoint.remainingPages()).toEqual([]);
    expect((await ocr.checkpoint.metrics()).get(1)).toEqual({ pageNum: 1, metricsMissing: true });
  });

  it('a clean killed midway is finished by the next run, never read as a stage partly done', async () => {
    const scan = await fresh(2);
    const ocr = scan.stage('ocr', { pageFormat: 'json' });
    await ocr.savePage(1, { text: 'one' }, { pageNum: 1 });
    await ocr.savePage(2, { text: 'two' }, { pageNum: 2 });
    await ocr.checkpoint.markStageComplete({});
    await put(`${scan.scanId}/ocr/.clean-pending`, '{"stage":"ocr"}');
    const again = (await open(scan.scanId)).stage('ocr');
    expect(await again.listPages()).toEqual([]);
    expect(await again.checkpoint.isComplete()).toBe(false);
    expect((await again.checkpoint.status()).warnings[0]).toContain('interrupted');
    expect(await again.checkpoint.remainingPages()).toEqual([1, 2]);
    expect(await again.listPages()).toEqual([]);
  });
});
