// Start-up bench: what a user waits for when asking a 300-page scan how it is doing. Whole processes,
// start to exit: `bookpipe status`, `status --json`, `report --stage ocr` and `--help`, beside a bare
// `node -e ""` (the floor no command can go under) measured in the same run, interleaved. Target:
// `bookpipe status` on 300 pages in 0.3 s or less.
//
// Setup (not timed): the sample book (8 synthetic pages, @bookpipe/testkit/sample-book) goes through the
// default pipeline (deterministic stages, no LLM); its page files of every stage are repeated into a
// 300-page scan written through the real storage (page files and journals, as the stages write them).
// `status` validates every page file of every stage, so the figure grows with the book; `--help` does not.

import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createBookPipeline } from '@bookpipe/book-pipeline';
import { loadConfig, silentLogger } from '@bookpipe/core';
import { openScan } from '@bookpipe/storage';
import { generateSampleBook } from '@bookpipe/testkit/sample-book';

const PAGES = 300;
const RUNS = 7;
const LIMIT_SECONDS = 0.3;
const bin = resolve(import.meta.dirname, '../../packages/cli/dist/bin.js');
const dir = await mkdtemp(join(tmpdir(), 'bookpipe-bench-startup-'));

try {
  const t0 = performance.now();
  const pdf = join(dir, 'sample-book.pdf');
  await generateSampleBook(pdf);
  const small = openScan({ root: join(dir, 'setup'), scanId: 'sample' });
  const { pipeline } = await createBookPipeline({ scan: small, inputs: [pdf], config: loadConfig({}), logger: silentLogger, llm: false, ocrWorkers: 2 });
  await pipeline.run();
  const sourcePages = await small.stage('source').listPages();

  const root = join(dir, 'scans');
  const scan = openScan({ root, scanId: 'book-300' });
  await scan.init();
  await scan.updateMetadata({ ...(await small.readMetadata()), totalPages: PAGES, title: 'Start-up bench' });
  const metrics = (page: number) => ({ pageNum: page, processingTimeSeconds: 0, costUsd: 0 });
  for (const name of ['source', 'ocr', 'correction', 'label', 'merge']) {
    const from = small.stage(name);
    const to = scan.stage(name, name === 'source' ? { pageFormat: 'png' } : {});
    for (let page = 1; page <= PAGES; page += 1) {
      const model = ((page - 1) % sourcePages.length) + 1;
      const bytes = await readFile(from.pagePath(model));
      if (name === 'source') await to.savePage(page, bytes, metrics(page));
      else {
        const data = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
        if ('pageNumber' in data) data.pageNumber = page;
        await to.savePage(page, data, metrics(page));
      }
    }
    if (name !== 'source') await to.writeFile('report.csv', await from.readFile('report.csv'));
    await to.checkpoint.markStageComplete({});
  }
  console.log(`setup: sample book through the pipeline, repeated into ${PAGES} pages of 5 stages, in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const commands: Record<string, string[]> = {
    'node -e ""': ['-e', ''],
    'bookpipe --help': [bin, '--help'],
    'bookpipe status': [bin, 'status', 'book-300', '--root', root],
    'bookpipe status --json': [bin, 'status', 'book-300', '--root', root, '--json'],
    'bookpipe report --stage ocr': [bin, 'report', 'book-300', '--stage', 'ocr', '--root', root],
  };
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((name) => [name, []]));
  const loadBefore = loadavg();
  for (let i = 0; i < RUNS; i += 1) {
    for (const [name, args] of Object.entries(commands)) {
      const t = performance.now();
      const r = spawnSync(process.execPath, args, { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
      times[name]!.push((performance.now() - t) / 1000);
      if (r.status !== 0) throw new Error(`${name} exited with ${r.status}: ${r.stderr}`);
      if (name === 'bookpipe status' && i === 0) console.log(r.stdout.trim());
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const f = (s: number) => `${s.toFixed(3)} s`;
  console.log('');
  for (const [name, xs] of Object.entries(times)) {
    console.log(`${name.padEnd(28)} ${f(median(xs))} median of ${RUNS} (min ${f(Math.min(...xs))}, max ${f(Math.max(...xs))}), start to exit`);
  }
  console.log(
    `load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (2 cores; other processes slow every figure)`,
  );
  const status = median(times['bookpipe status']!);
  const ok = status <= LIMIT_SECONDS;
  console.log(
    ok
      ? `OK: bookpipe status on ${PAGES} pages takes ${f(status)} (<= ${LIMIT_SECONDS} s)`
      : `OVER: bookpipe status on ${PAGES} pages takes ${f(status)} (> ${LIMIT_SECONDS} s; bare node start ${f(median(times['node -e ""']!))})`,
  );
  process.exitCode = ok ? 0 : 1;
} finally {
  if (process.env.BENCH_KEEP === '1') console.log(`kept ${dir}`);
  else await rm(dir, { recursive: true, force: true });
}
