/**
 * The distributed runner end to end, with real processes and real servers on loopback: one Redis
 * (Debian's redis-server), one S3-compatible server (s3rver), `bookpipe submit`, then two `bookpipe worker`
 * processes of the real bin. The book they make is the book a local `bookpipe run` makes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type FakeProvider, type FakeRequest, startFakeProvider } from '@bookpipe/llm-batch/testing';
import { openS3Scan } from '@bookpipe/storage-s3';
import { type LoopbackRedis, type LoopbackS3, type ProcessOutput, redisServerMissing, runNode, startLoopbackRedis, startLoopbackS3 } from '@bookpipe/testkit';
import { generateSampleBook } from '@bookpipe/testkit/sample-book';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bin = resolve(import.meta.dirname, '../dist/bin.js');
const missing = redisServerMissing();
// CI must run this suite: there a missing redis-server is a failure, not a skip.
const required = Boolean(process.env.CI || process.env.BOOKPIPE_REQUIRE_REDIS);
if (missing) console.warn(`\n${'!'.repeat(100)}\n!! SKIPPING the distributed runner suite: ${missing}.\n${'!'.repeat(100)}\n`);

describe.runIf(required && missing)('distributed runner prerequisites', () => {
  it('has redis-server (required here by CI or BOOKPIPE_REQUIRE_REDIS)', () => {
    expect(missing).toBeUndefined();
  });
});

/** A fresh shell's environment (no key, no BOOKPIPE_*), with the S3 server's endpoint and keys. */
function env(s3: LoopbackS3, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/_API_KEY$|^npm_|^BOOKPIPE_|^AWS_/.test(name)));
  return {
    ...clean,
    AWS_ENDPOINT_URL: s3.endpoint,
    AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
    AWS_REGION: 'us-east-1',
    ...extra,
  };
}

function bookpipe(args: string[], cwd: string, environment: NodeJS.ProcessEnv): Promise<ProcessOutput> {
  return runNode([bin, ...args], { cwd, env: environment });
}

interface WorkerProcess {
  child: ChildProcess;
  stderr: () => string;
  /** Resolves when the worker's stderr has a line containing `text`. */
  waitFor(text: string): Promise<void>;
  exited: Promise<number | null>;
}

function startWorker(args: string[], cwd: string, environment: NodeJS.ProcessEnv): WorkerProcess {
  const child = spawn(process.execPath, [bin, 'worker', ...args], { cwd, env: environment, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const waiters: Array<{ text: string; done: () => void }> = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk;
    for (const w of [...waiters]) {
      if (!stderr.includes(w.text)) continue;
      waiters.splice(waiters.indexOf(w), 1);
      w.done();
    }
  });
  child.stdout?.resume();
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return {
    child,
    stderr: () => stderr,
    waitFor: (text) => (stderr.includes(text) ? Promise.resolve() : new Promise((done) => waiters.push({ text, done }))),
    exited,
  };
}

describe.skipIf(missing)('bookpipe submit + 2 workers on Redis and S3 (real processes, loopback servers)', () => {
  let dir: string;
  let redis: LoopbackRedis;
  let s3: LoopbackS3;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bookpipe-distributed-'));
    [redis, s3] = await Promise.all([startLoopbackRedis(), startLoopbackS3()]);
    await generateSampleBook(join(dir, 'sample-book.pdf'));
  }, 120_000);
  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
    await Promise.all([redis?.close(), s3?.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('bookpipe run --root s3://bucket/prefix keeps the scan in S3 (endpoint and keys from the AWS variables)', async () => {
    const root = `s3://${s3.bucket}/single`;
    const result = await bookpipe(['run', 'sample-book.pdf', '--root', root, '--stages', 'source'], dir, env(s3));
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`in ${root}/sample-book`);
    const scan = await openS3Scan(root, 'sample-book', { endpoint: s3.endpoint, credentials: s3.credentials });
    expect(await scan.stage('source').checkpoint.isComplete()).toBe(true);
    expect((await scan.pageNumbers()).length).toBeGreaterThan(3);
  }, 300_000);

  it('two workers make the same book.md as a local run', async () => {
    const storage = `s3://${s3.bucket}/library`;
    const e = env(s3);
    const local = await bookpipe(['run', 'sample-book.pdf', '--root', join(dir, 'scans'), '--workers', '1'], dir, e);
    expect(local.code, local.stderr).toBe(0);

    const submitted = await bookpipe(['submit', 'sample-book.pdf', '--redis', redis.url, '--storage', storage, '--json'], dir, e);
    expect(submitted.code, submitted.stderr).toBe(0);
    const book = JSON.parse(submitted.stdout) as { scanId: string; queued: string[]; pages: number };
    expect(book.queued).toEqual(['ocr']);

    for (let i = 0; i < 2; i++) workers.push(startWorker(['--redis', redis.url, '--storage', storage, '--workers', '1'], dir, e));
    await Promise.race(workers.map((w) => w.waitFor(`completed ${book.scanId}/merge/whole`)));

    // Both workers took OCR pages: the book was shared.
    for (const w of workers) expect(w.stderr(), w.stderr()).toMatch(new RegExp(`completed ${book.scanId}/ocr/page-`));
    const scan = await openS3Scan(storage, book.scanId, { endpoint: s3.endpoint, credentials: s3.credentials });
    const distributed = await scan.stage('merge').readFile('book.md');
    expect(distributed.length).toBeGreaterThan(500);
    expect(distributed).toBe(await readFile(join(dir, 'scans', book.scanId, 'merge', 'book.md'), 'utf8'));
    for (const stage of ['ocr', 'correction', 'label', 'merge']) expect(await scan.stage(stage).checkpoint.isComplete(), stage).toBe(true);

    const status = await bookpipe(['status', '--redis', redis.url, '--json'], dir, e);
    expect(status.code, status.stderr).toBe(0);
    const counts = JSON.parse(status.stdout) as { queues: Array<{ queue: string; completed: number; failed: number }> };
    const ocr = counts.queues.find((q) => q.queue === 'bookpipe-ocr');
    expect(ocr).toMatchObject({ completed: book.pages, failed: 0 });

    for (const w of workers) w.child.kill('SIGTERM');
    expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0]);
  }, 900_000);
});

/** The page a correction or label request is about: the page JSON after its prompt's first line. */
function pageOf(request: FakeRequest): number {
  const json = request.text.slice(request.text.indexOf('{', request.text.lastIndexOf('attached):')));
  return (JSON.parse(json) as { page: number }).page;
}

describe.skipIf(missing)('a worker SIGKILLed mid-page (LLM stages against the fake provider)', () => {
  let dir: string;
  let redis: LoopbackRedis;
  let s3: LoopbackS3;
  let fake: FakeProvider;
  const workers: WorkerProcess[] = [];
  /** The request the first worker was killed on (never answered), and every request answered. */
  let killedOn: FakeRequest | undefined;
  const answered: FakeRequest[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bookpipe-distributed-kill-'));
    [redis, s3] = await Promise.all([startLoopbackRedis(), startLoopbackS3()]);
    await generateSampleBook(join(dir, 'sample-book.pdf'));
    let corrections = 0;
    fake = await startFakeProvider({
      respond: (request) => {
        // The third correction page asked: the worker asking dies now, before any answer (the kill lands
        // mid-page, held there by the request, not by a timer). Its two pages before are saved.
        if (request.schemaName === 'page_correction' && ++corrections === 3 && killedOn === undefined) {
          killedOn = request;
          workers[0]!.child.kill('SIGKILL');
          return { fault: 'hang' };
        }
        answered.push(request);
        return undefined; // a schema-valid answer built from the request's schema
      },
    });
  }, 120_000);
  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
    await fake?.close();
    await Promise.all([redis?.close(), s3?.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  it("another worker finishes the killed worker's pages: nothing lost, no page answered twice", async () => {
    const storage = `s3://${s3.bucket}/killed`;
    const e = env(s3, {
      OPENAI_API_KEY: 'sk-distributed-test',
      BOOKPIPE_PROVIDER: 'openai',
      BOOKPIPE_BASE_URL: fake.openaiBaseURL,
      BOOKPIPE_MODEL: 'gpt-4o-mini',
      BOOKPIPE_LLM_REQUESTS_PER_MINUTE: '600',
      // A killed worker's job is taken by another once its lock is this old (BullMQ's stalled-job check).
      BOOKPIPE_JOB_LOCK_MS: '3000',
    });
    const submitted = await bookpipe(['submit', 'sample-book.pdf', '--redis', redis.url, '--storage', storage, '--json'], dir, e);
    expect(submitted.code, submitted.stderr).toBe(0);
    const book = JSON.parse(submitted.stdout) as { scanId: string; pages: number; plan: { llm: boolean } };
    expect(book.plan.llm).toBe(true);

    // One LLM page at a time on the first worker: when it dies, exactly one page is in flight.
    workers.push(startWorker(['--redis', redis.url, '--storage', storage, '--workers', '2', '--llm-workers', '1'], dir, e));
    expect(await workers[0]!.exited).toBe(null); // killed by SIGKILL, no exit code
    expect(killedOn).toBeDefined();
    workers.push(startWorker(['--redis', redis.url, '--storage', storage, '--workers', '2'], dir, e));
    await workers[1]!.waitFor(`completed ${book.scanId}/merge/whole`);

    const scan = await openS3Scan(storage, book.scanId, { endpoint: s3.endpoint, credentials: s3.credentials });
    const pages = await scan.pageNumbers();
    for (const stage of ['ocr', 'correction', 'label', 'merge']) {
      expect(await scan.stage(stage).checkpoint.remainingPages(), stage).toEqual([]);
      expect(await scan.stage(stage).checkpoint.isComplete(), stage).toBe(true);
    }
    expect((await scan.stage('merge').readFile('book.md')).length).toBeGreaterThan(500);
    // The killed page was asked again by the second worker, and answered once; every other page was
    // asked and answered exactly once, by whichever worker: none saved before the kill was asked again.
    const count = (schema: string) => {
      const per = new Map<number, number>();
      for (const request of answered.filter((r) => r.schemaName === schema)) per.set(pageOf(request), (per.get(pageOf(request)) ?? 0) + 1);
      return [...per.entries()].sort((a, b) => a[0] - b[0]);
    };
    expect(count('page_correction')).toEqual(pages.map((page) => [page, 1]));
    expect(count('page_label')).toEqual(pages.map((page) => [page, 1]));
    expect(answered.filter((r) => r.schemaName === 'book_metadata')).toHaveLength(1);
    expect(workers[1]!.stderr()).toContain(`completed ${book.scanId}/correction/page-${String(pageOf(killedOn!)).padStart(4, '0')}`);
  }, 900_000);
});
