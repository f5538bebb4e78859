// Distributed bench (issue 17): pages/s of the BullMQ runner with 1 and 2 worker processes, and what the queue and
// the object storage cost per page, against a local filesystem run of the same book measured in the same run.
//
// The book: the sample book's PDF given N times (default 5: 40 pages at 300 DPI), deterministic stages (no model).
// The source stage is done before the clock starts in every case (locally into the folder; on S3 by a pipeline
// of the source stage alone, as `bookpipe submit` does), so each figure times OCR, correction, label and merge:
//   local-1 / local-2  createBookPipeline on @bookpipe/storage, 1 or 2 OCR threads, one process
//   queue-1 / queue-2  1 or 2 `bookpipe worker` processes (the real bin, 1 OCR thread each) on one Redis
//                      (redis-server on loopback, no persistence) and one S3 server (s3rver on loopback);
//                      the clock runs from `submitBook` (workers already waiting) to the merge job's completion.
// overhead/page = (queue-1 - local-1) / pages: queue round trips, job bookkeeping, opening the scan per job, S3
// reads and writes (s3rver keeps objects as files on this same disk), and OCR's page staged in a temp file.
// The machine is shared: the load average is printed beside each figure, and only same-run comparisons mean much.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createBookPipeline } from '@bookpipe/book-pipeline';
import { type BookStorage, loadConfig, silentLogger } from '@bookpipe/core';
import { submitBook } from '@bookpipe/runner-bullmq';
import { openScan } from '@bookpipe/storage';
import { openS3Scan } from '@bookpipe/storage-s3';
import { redisServerMissing, startLoopbackRedis, startLoopbackS3 } from '@bookpipe/testkit';
import { generateSampleBook } from '@bookpipe/testkit/sample-book';

const copies = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 5);
const bin = resolve(import.meta.dirname, '../../packages/cli/dist/bin.js');
const load = () => loadavg()[0]!.toFixed(2);
const config = { ...loadConfig({}), logLevel: 'error' as const };

const missing = redisServerMissing();
if (missing) {
  console.error(`bench/distributed needs redis-server: ${missing}`);
  process.exit(1);
}

const dir = await mkdtemp(join(tmpdir(), 'bookpipe-bench-distributed-'));
const [redis, s3] = await Promise.all([startLoopbackRedis(), startLoopbackS3()]);
const children: ChildProcess[] = [];
try {
  const { path: pdf, pages: perCopy } = await generateSampleBook(join(dir, 'sample.pdf'));
  const inputs = Array.from({ length: copies }, () => pdf);
  const pages = perCopy * copies;
  console.log(`book: the sample book x${copies} = ${pages} pages at 300 DPI, deterministic stages; cores: 2 shared`);
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !/_API_KEY$|^npm_|^BOOKPIPE_|^AWS_/.test(name))),
    AWS_ENDPOINT_URL: s3.endpoint,
    AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
    AWS_REGION: 'us-east-1',
    BOOKPIPE_LOG_LEVEL: 'error',
  };
  const openS3 = (root: string, scanId: string) => openS3Scan(root, scanId, { endpoint: s3.endpoint, credentials: s3.credentials });
  const withSource = async (scan: BookStorage) => {
    const { pipeline } = await createBookPipeline({ scan, inputs, stages: ['source'], config, llm: false, logger: silentLogger });
    if (!(await pipeline.run()).ok) throw new Error('the source stage failed');
  };

  const results: Array<{ name: string; seconds: number; load: string }> = [];
  const report = (name: string, seconds: number) => {
    results.push({ name, seconds, load: load() });
    console.log(`${name.padEnd(8)} ${seconds.toFixed(1).padStart(6)} s  ${(pages / seconds).toFixed(3)} pages/s  (load ${load()})`);
  };

  for (const threads of [1, 2]) {
    const scan = openScan({ root: join(dir, 'scans'), scanId: `local-${threads}` });
    await withSource(scan);
    const { pipeline } = await createBookPipeline({
      scan,
      stages: ['ocr', 'correction', 'label', 'merge'],
      config,
      llm: false,
      ocrWorkers: threads,
      logger: silentLogger,
    });
    const t0 = performance.now();
    if (!(await pipeline.run()).ok) throw new Error('the local run failed');
    report(`local-${threads}`, (performance.now() - t0) / 1000);
  }

  for (const count of [1, 2]) {
    const root = `s3://${s3.bucket}/queue-${count}`;
    const scanId = `queue-${count}`;
    await withSource(await openS3(root, scanId));
    const ready: Array<Promise<void>> = [];
    const done = new Promise<void>((resolveDone, reject) => {
      for (let i = 0; i < count; i++) {
        let markReady = () => {};
        ready.push(new Promise<void>((r) => (markReady = r)));
        const child = spawn(process.execPath, [bin, 'worker', '--redis', redis.url, '--storage', root, '--workers', '1'], {
          env,
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        children.push(child);
        let stderr = '';
        child.stderr?.on('data', (chunk: Buffer) => {
          stderr += chunk;
          if (stderr.includes('waiting for jobs')) markReady();
          if (stderr.includes(`completed ${scanId}/merge/whole`)) resolveDone();
          if (/^failed /m.test(stderr)) reject(new Error(`a job failed:\n${stderr}`));
        });
      }
    });
    // Every worker waiting before the clock starts (a worker's start-up is not a page's cost).
    await Promise.all(ready);
    const t0 = performance.now();
    await submitBook({ redisUrl: redis.url, root, scanId, openScan: openS3, inputs: [], config, llm: false, hasModel: false });
    await done;
    report(`queue-${count}`, (performance.now() - t0) / 1000);
    for (const child of children.splice(0)) child.kill('SIGTERM');
  }

  const at = (name: string) => results.find((r) => r.name === name)!.seconds;
  console.log(
    `\noverhead of the queue and S3 per page: ${(((at('queue-1') - at('local-1')) / pages) * 1000).toFixed(0)} ms (queue-1 against local-1, 1 OCR thread each)`,
  );
  console.log(
    `2 workers against 1: ${(at('queue-1') / at('queue-2')).toFixed(2)}x the pages/s; 1 process with 2 threads against 1: ${(at('local-1') / at('local-2')).toFixed(2)}x`,
  );
} finally {
  for (const child of children) child.kill('SIGKILL');
  await Promise.all([redis.close(), s3.close()]);
  await rm(dir, { recursive: true, force: true });
}
