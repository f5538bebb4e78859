// Merge bench: the merge stage on a 400-page book, correction and label included, must take under 1 s.
//
// Setup (not timed): real old-books scans (../shared/eval/old-books, two runs of consecutive pages) go
// through the default pipeline's source, OCR, correction and label stages (`createBookPipeline`, the last
// two in their deterministic modes).
// These 11 pages are repeated into a 400-page scan, written through the real storage (page files and
// journals, as the stages write them), with a label/page-numbers.json numbering the 400 pages.
//
// Timed: `Pipeline` with `new MergeStage()` alone on that scan, from scratch (`resume: false`), as a user
// runs it: the pipeline checks that ocr, correction and label completed, takes the scan lock and cleans the
// last merge; the stage reads and merges the 400 pages, saves them (validated, written atomically with
// fsync, journalled; since 2026-12-06 a save no longer waits for the folder's fsync after its rename, the
// stage's completion does, once), then after() writes report.csv, book.json and book.md. The figure held to the budget
// is the whole `Pipeline.run()`, median of five runs (until 2026-11-29 it was the stage's own time, its log
// lines "stage starting" to "stage done", which left out the dependency check that then read every input
// page: 0.5-1 s); the stage's own time is printed too. Also timed: an OCR-only merge.
// Whole process (what a user waits for): the real `bookpipe run --stages merge --clean` spawned on the same
// scan, from process start to exit (node start-up, module loading, the merge, the book files), median of
// five; held to the same 1 s budget. A bare `node -e ""` start in the same run shows the floor.
// Issue 18 (2026-12-06, machine shared with other work, load average 5-15 on 2 cores, where one fsync took
// 1-4 ms): the process's median went from 1.083 and 1.148 s (two runs) to 0.836, 1.373 and 1.003 s (three
// runs); the two builds' commands interleaved, 15 runs each: 1.333 against 1.124 s (min 0.841 against
// 0.645 s). Gone: node:http's ES namespace loading undici at start (20-60 ms), wordCore per token in
// book.json's vocabulary (~50 ms), re-testing every key of a decoded OCR page (~20 ms), and each page save
// waiting for a folder fsync. Under this load the 1 s budget is met in some runs only. On the quiet
// machine after (load average 1.1), with the LLM path's page cache merged too: the process 0.818 s median
// (0.667-0.909 s), the pipeline in-process 0.487 s, a bare node start 0.038 s.
// Baseline, in the same run: reading and JSON-parsing the 1,200 input files, and writing 400 merge-page-sized
// files with write + fsync + rename (no validation, no journal): the floor of the I/O.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rename, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createBookPipeline } from '@bookpipe/book-pipeline';
import { LabelPageSchema } from '@bookpipe/contracts';
import { createLogger, loadConfig, type OcrPage, OcrPageSchema, Pipeline, silentLogger } from '@bookpipe/core';
import { MergeStage } from '@bookpipe/stage-merge';
import { openScan } from '@bookpipe/storage';

const PAGES = 400;
const RUNS = 5;
const LIMIT_SECONDS = 1;
const here = import.meta.dirname;
const bin = resolve(here, '../../packages/cli/dist/bin.js');
const oldBooks = resolve(here, '../../../shared/eval/old-books');
if (!existsSync(oldBooks)) {
  console.error(`bench/merge needs the real pages in ${oldBooks} (see ../shared/eval/README.md).`);
  process.exit(1);
}
const SOURCE_RUNS = [
  ['c015', 'c016', 'c017', 'c018', 'c019', 'c020'],
  ['d014', 'd015', 'd016', 'd017', 'd018'],
];

const dir = await mkdtemp(join(tmpdir(), 'bookpipe-bench-merge-'));
const config = loadConfig({});
const ms = (t0: number) => performance.now() - t0;
/** `items.map(fn)`, `limit` at a time. */
async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

try {
  // --- setup: real OCR of the eval pages, then correction and label pages as the deterministic passes make them
  const t0 = performance.now();
  const ocrPages: OcrPage[] = [];
  const corrections: unknown[] = [];
  const labels: unknown[] = [];
  for (const ids of SOURCE_RUNS) {
    const scan = openScan({ root: join(dir, 'ocr'), scanId: ids[0]! });
    const { pipeline } = await createBookPipeline({
      scan,
      inputs: ids.map((id) => join(oldBooks, `${id}.tiff`)),
      stages: ['source', 'ocr', 'correction', 'label'],
      config,
      logger: silentLogger,
      llm: false,
      ocrWorkers: 2,
    });
    await pipeline.run();
    for (let page = 1; page <= ids.length; page += 1) {
      ocrPages.push(await scan.stage('ocr').loadPage<OcrPage>(page, OcrPageSchema));
      corrections.push(await scan.stage('correction').loadPage(page));
      labels.push(await scan.stage('label').loadPage(page));
    }
  }
  console.log(
    `setup: source, OCR, correction and label (deterministic) of ${ocrPages.length} real pages (old-books ${SOURCE_RUNS.map((r) => `${r[0]}-${r.at(-1)}`).join(', ')}) in ${(ms(t0) / 1000).toFixed(1)} s`,
  );

  // --- a 400-page scan: the real pages repeated, with their correction and label pages
  const t1 = performance.now();
  const scan = openScan({ root: join(dir, 'scans'), scanId: 'book-400' });
  await scan.init();
  await scan.updateMetadata({ totalPages: PAGES, title: 'Merge bench' });
  const ocr = scan.stage('ocr', { schema: OcrPageSchema });
  const correction = scan.stage('correction');
  const label = scan.stage('label', { schema: LabelPageSchema });
  const metrics = (page: number) => ({ pageNum: page, processingTimeSeconds: 0, costUsd: 0 });
  for (let page = 1; page <= PAGES; page += 1) {
    const i = (page - 1) % ocrPages.length;
    await ocr.savePage(page, { ...ocrPages[i]!, pageNumber: page }, metrics(page));
    await correction.savePage(page, { ...(corrections[i] as object), pageNumber: page }, metrics(page));
    await label.savePage(page, labels[i], metrics(page));
  }
  await label.writeFile(
    'page-numbers.json',
    JSON.stringify(
      Array.from({ length: PAGES }, (_, i) => ({
        page: i + 1,
        printedPageNumber: String(i + 1),
        numberingStyle: 'arabic',
        inferred: false,
        read: String(i + 1),
        confidence: 0.9,
      })),
    ),
  );
  for (const stage of [ocr, correction, label]) await stage.checkpoint.markStageComplete({});
  const inputBytes = (await Promise.all([1, 2, 3].map((p) => readFile(ocr.pagePath(p))))).reduce((s, b) => s + b.length, 0) / 3;
  console.log(`setup: ${PAGES}-page scan written in ${(ms(t1) / 1000).toFixed(1)} s (OCR pages ~${Math.round(inputBytes / 1024)} KB each)`);

  // --- timed: the merge, from scratch, as `Pipeline.run()` (what a user waits for). The stage's own time
  // runs from its "stage starting" log line to its "stage done" one (before(), run(), after()); the
  // pipeline around it also checks that ocr, correction and label completed, and cleans the previous merge.
  const merge = async (use?: { correction: boolean; label: boolean }) => {
    const marks: Record<string, number> = {};
    let cpuAtStart = process.cpuUsage();
    let cpu = 0;
    const logger = createLogger({
      destination: (line) => {
        const { msg } = JSON.parse(line) as { msg: string };
        marks[msg] = performance.now();
        if (msg === 'stage starting') cpuAtStart = process.cpuUsage();
        if (msg === 'stage done') {
          const used = process.cpuUsage(cpuAtStart);
          cpu = (used.user + used.system) / 1e6;
        }
      },
    });
    const t = performance.now();
    await new Pipeline({ scan, config, logger, stages: [new MergeStage(use ? { use } : {})], resume: false }).run();
    const end = performance.now();
    return {
      pipeline: (end - t) / 1000,
      stage: (marks['stage done']! - marks['stage starting']!) / 1000,
      read: (marks['pages read and merged in memory']! - marks['stage starting']!) / 1000,
      save: (marks['book written']! - marks['pages read and merged in memory']!) / 1000,
      cpu,
    };
  };
  const loadBefore = loadavg();
  const full: Array<Awaited<ReturnType<typeof merge>>> = [];
  for (let i = 0; i < RUNS; i += 1) full.push(await merge());
  const ocrOnly: Array<Awaited<ReturnType<typeof merge>>> = [];
  for (let i = 0; i < RUNS; i += 1) ocrOnly.push(await merge({ correction: false, label: false }));
  // --- timed: the command, as a new process (node start-up and module loading included)
  const command = (args: string[]) => {
    const t = performance.now();
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
    const seconds = (performance.now() - t) / 1000;
    if (r.status !== 0) throw new Error(`\`${args.join(' ')}\` exited with ${r.status}: ${r.stderr}`);
    return seconds;
  };
  const mergeArgs = [bin, 'run', '--stages', 'merge', '--scan-id', 'book-400', '--root', join(dir, 'scans'), '--clean'];
  const wholeProcess: number[] = [];
  const bareNode: number[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    bareNode.push(command(['-e', '']));
    wholeProcess.push(command(mergeArgs));
  }
  await merge(); // leave the full merge's book behind
  const book = JSON.parse(await readFile(scan.stage('merge').filePath('book.json'), 'utf8')) as { stats: Record<string, number> };
  const md = await readFile(scan.stage('merge').filePath('book.md'), 'utf8');
  const mergePage = await readFile(scan.stage('merge').pagePath(1));

  // --- baseline: the bare I/O of the same files, no validation
  const tb = performance.now();
  await Promise.all(
    Array.from({ length: PAGES }, async (_, i) => {
      for (const stage of [ocr, correction, label]) JSON.parse(await readFile(stage.pagePath(i + 1), 'utf8'));
    }),
  );
  const readSeconds = (performance.now() - tb) / 1000;
  await mkdir(join(dir, 'bare'), { recursive: true });
  const tw = performance.now();
  await mapLimit(
    Array.from({ length: PAGES }, (_, i) => i),
    16,
    async (i) => {
      const path = join(dir, 'bare', `page_${i + 1}.json`);
      const handle = await open(`${path}.tmp`, 'w');
      await handle.writeFile(mergePage);
      await handle.sync();
      await handle.close();
      await rename(`${path}.tmp`, path);
    },
  );
  const writeSeconds = (performance.now() - tw) / 1000;

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const f = (s: number) => `${s.toFixed(3)} s`;
  const line = (name: string, runs: typeof full) => {
    const pipeline = runs.map((r) => r.pipeline);
    return (
      `${name}: whole pipeline ${f(median(pipeline))} median (min ${f(Math.min(...pipeline))}, max ${f(Math.max(...pipeline))}; runs ${pipeline.map(f).join(', ')}); ` +
      `the stage alone ${f(median(runs.map((r) => r.stage)))}: read and merge ${f(median(runs.map((r) => r.read)))}, save pages + report.csv + book.json + book.md ${f(median(runs.map((r) => r.save)))}; CPU time of the process during the stage ${f(median(runs.map((r) => r.cpu)))}`
    );
  };
  console.log('');
  console.log(line(`merge of ${PAGES} pages with correction and label`, full));
  console.log(line(`merge of ${PAGES} pages, OCR only`, ocrOnly));
  console.log(
    `\`bookpipe run --stages merge --clean\` as a process (start to exit), ${PAGES} pages with correction and label: ${f(median(wholeProcess))} median (runs ${wholeProcess.map(f).join(', ')}); bare \`node -e ""\` in the same run ${f(median(bareNode))} median`,
  );
  console.log(
    `book: ${book.stats.paragraphs} paragraphs, ${book.stats.words} words, ${book.stats.pageBreakJoins} paragraphs joined across pages; book.md ${Math.round(md.length / 1024)} KB; merge page ~${Math.round(mergePage.length / 1024)} KB`,
  );
  console.log(
    `baseline (same run): read + JSON.parse of the ${PAGES * 3} input files ${f(readSeconds)}; write + fsync + rename of ${PAGES} merge-page-sized files (16 at a time) ${f(writeSeconds)}`,
  );
  console.log(
    `load average before the timed runs ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (2 cores; other processes slow every figure)`,
  );
  const ok = median(full.map((r) => r.pipeline)) < LIMIT_SECONDS;
  console.log(
    ok
      ? `OK: merging ${PAGES} pages (the whole pipeline) takes under ${LIMIT_SECONDS} s`
      : `OVER the ${LIMIT_SECONDS} s budget for ${PAGES} pages (the whole pipeline)`,
  );
  const commandOk = median(wholeProcess) < LIMIT_SECONDS;
  console.log(
    commandOk
      ? `OK: \`bookpipe run --stages merge\` on ${PAGES} pages ends under ${LIMIT_SECONDS} s as a process`
      : `OVER the ${LIMIT_SECONDS} s budget for \`bookpipe run --stages merge\` on ${PAGES} pages as a process`,
  );
  process.exitCode = ok && commandOk ? 0 : 1;
} finally {
  // BENCH_KEEP=1 keeps the scans, to profile the command on them (`node --cpu-prof …/bin.js run --stages merge …`).
  if (process.env.BENCH_KEEP === '1') console.log(`scans kept in ${join(dir, 'scans')} (BENCH_KEEP=1)`);
  else await rm(dir, { recursive: true, force: true });
}
