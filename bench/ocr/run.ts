/**
 * OCR speed and memory: tesseract.js (our engine, piscina workers) beside native tesseract on the same
 * pages, the same model file, the same PSM, one thread per process, as many processes as workers.
 *
 *   pnpm bench ocr                                 # everything (about 40 minutes on 2 cores)
 *   BENCH_OCR_MEMORY_PAGES=60 pnpm bench ocr       # shorter memory runs
 *   BENCH_OCR_ONLY=speed,memory pnpm bench ocr     # some sections only (cold, speed, osd, margin, models, memory)
 *   BENCH_OCR_ONLY=cold BENCH_OCR_COLD_PAGES=24 pnpm bench ocr   # what a user waits for, start-up included
 *
 * Measured, all in this run (OCR only unless said; BENCH_OCR_ROUNDS rounds, 3 by default):
 * 0. cold: from creating the engine to the last page read, on BENCH_OCR_COLD_PAGES (24) real pages, with
 *    the engine's defaults (orientation detection on): tesseract.js pays its workers' start-up here, as
 *    native pays a process per page. 1 and 2 workers, both engines, interleaved rounds; the ratio to
 *    native and the 1 -> 2 scaling are taken in this same run; and the whole `bookpipe run` command on a
 *    folder of the same pages (every deterministic stage, process start to exit) against native OCR alone;
 *    and native tesseract held to SSE dot products (`-c dotproduct=sse`, the SIMD width WebAssembly has);
 * 1a. tesseract.js time / native time with both engines running at the same time (a ratio that holds
 *     on a machine busy with other work);
 * 1b. pages per second with 1 and 2 workers, one engine at a time (the 1 -> 2 scaling needs 2 idle
 *     cores: best of the rounds, and CPU seconds per page to tell lost cores from extra work);
 * 2. the cost of orientation detection (on by default) for both engines; 2b. the cost of the margin pass (on by default);
 * 3. the two models of @tesseract.js-data: speed, and error rate against the old-books truth;
 * 4. memory of tesseract.js over BENCH_OCR_MEMORY_PAGES pages (200), without recycling and with it,
 *    each in a child process: RSS of the whole process (all threads) sampled after every page; and
 *    the peak RSS of one native tesseract process.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { createOcrEngine, type OcrEngineOptions, type OcrModel, ocrPageText } from '@bookpipe/stage-ocr';
// The shared test helpers: the eval data loader and the error-rate measures.
import { bodyCer, evalDir, hasEval, ocrmypdf, pagesIn, runNode, spread, toPng } from '@bookpipe/testkit';

const MEMORY_PAGES = Number(process.env.BENCH_OCR_MEMORY_PAGES ?? 200);
const ONLY = new Set((process.env.BENCH_OCR_ONLY ?? 'cold,speed,osd,margin,models,memory').split(','));

interface BenchPage {
  name: string;
  png: string;
  truth?: string;
}

async function preparePages(dir: string): Promise<BenchPage[]> {
  const oldBooks = spread(pagesIn(join(evalDir, 'old-books')), 8);
  return [
    { name: 'linn', png: ocrmypdf('linn.png') },
    { name: 'typewriter', png: ocrmypdf('typewriter.png') },
    ...(await Promise.all(oldBooks.map(async (p) => ({ name: p.name, png: await toPng(p.image, dir), truth: p.truth })))),
  ];
}

interface RunResult {
  seconds: number;
  pagesPerSecond: number;
  /** CPU seconds per page: this process's threads plus finished child processes (native tesseract). */
  cpuPerPage: number;
  texts: string[];
  startSeconds: number;
}

/**
 * CPU seconds used so far by this process (all threads) and by its finished child processes, which
 * Linux adds to the parent's cutime/cstime once reaped. Unlike wall time, it does not depend on what
 * else the machine runs, so it compares the engines' work even on a busy machine.
 */
function cpuSeconds(): number {
  const self = process.cpuUsage();
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(fields[13]) + Number(fields[14]); // cutime + cstime, in clock ticks
  return (self.user + self.system) / 1e6 + ticks / CLOCK_TICKS;
}
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/**
 * Reads all pages once with a fresh engine. The engine starts and reads one page per worker first
 * (not timed: tesseract.js instances start lazily), then the timed run reads every page.
 */
async function timedRun(pages: readonly BenchPage[], options: OcrEngineOptions): Promise<RunResult> {
  const t0 = performance.now();
  const engine = await createOcrEngine(options);
  try {
    const workers = options.maxWorkers ?? 1;
    await Promise.all(pages.slice(0, workers).map((p, i) => engine.recognize(p.png, i + 1)));
    const startSeconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    const c1 = cpuSeconds();
    const results = await Promise.all(pages.map((p, i) => engine.recognize(p.png, i + 1)));
    const seconds = (performance.now() - t1) / 1000;
    const cpuPerPage = (cpuSeconds() - c1) / pages.length;
    return { seconds, pagesPerSecond: pages.length / seconds, cpuPerPage, texts: results.map((r) => ocrPageText(r.page)), startSeconds };
  } finally {
    await engine.destroy();
  }
}

/**
 * A whole job as a user waits for it: engine start (tesseract.js workers and their instances), every
 * page, engine stopped. Nothing is warmed first.
 */
async function coldRun(pages: readonly BenchPage[], options: OcrEngineOptions): Promise<number> {
  const t0 = performance.now();
  const engine = await createOcrEngine(options);
  try {
    await Promise.all(pages.map((p, i) => engine.recognize(p.png, i + 1)));
    return (performance.now() - t0) / 1000;
  } finally {
    await engine.destroy();
  }
}

const COLD_PAGES = Number(process.env.BENCH_OCR_COLD_PAGES ?? 24);

/** A temporary tessdata folder holding the model tesseract.js reads (eng, best_int), for native tesseract run by hand. */
function engTessdata(): string {
  const tessdata = join(tmpdir(), `bench-ocr-tessdata-${process.pid}`);
  mkdirSync(tessdata, { recursive: true });
  const engData = createRequire(import.meta.resolve('@bookpipe/stage-ocr')).resolve('@tesseract.js-data/eng/package.json');
  writeFileSync(join(tessdata, 'eng.traineddata'), gunzipSync(readFileSync(join(dirname(engData), '4.0.0_best_int', 'eng.traineddata.gz'))));
  return tessdata;
}

/**
 * Native tesseract held to 128-bit SIMD dot products (`-c dotproduct=sse`), `workers` processes at a time,
 * one per page, the same model and PSM as the native engine, no orientation detection: the width of SIMD
 * that WebAssembly has. Native tesseract picks AVX2 (or AVX-512) where the CPU has it, which tesseract.js's
 * WebAssembly cannot use: this tells how much of the ratio to native is that, and how much is tesseract.js.
 */
async function coldNativeSse(pages: readonly BenchPage[], workers: number, tessdata: string): Promise<number> {
  const t0 = performance.now();
  let next = 0;
  const one = (png: string) =>
    new Promise<void>((resolve, reject) => {
      const args = [png, 'stdout', '--tessdata-dir', tessdata, '-l', 'eng', '--psm', '3', '--oem', '1', '-c', 'tessedit_create_tsv=1', '-c', 'dotproduct=sse'];
      const child = spawn('tesseract', args, { env: { ...process.env, OMP_THREAD_LIMIT: '1' }, stdio: 'ignore' });
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`tesseract exited ${code} on ${png}`))));
    });
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < pages.length) await one(pages[next++]!.png);
    }),
  );
  return (performance.now() - t0) / 1000;
}
const bin = join(dirname(fileURLToPath(import.meta.url)), '../../packages/cli/dist/bin.js');

/**
 * The whole command a user runs on a folder of these pages, with the deterministic stages (no API key in
 * its environment): `bookpipe run <folder> --workers 2` into a fresh scan root, from process start to exit
 * (node start-up, source, OCR with its default orientation check, correction, label, merge, book files).
 */
async function wholeRun(folder: string, root: string, workers: number): Promise<number> {
  rmSync(root, { recursive: true, force: true });
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/_API_KEY$|^BOOKPIPE_/.test(name)));
  const t0 = performance.now();
  const { code, stderr } = await runNode([bin, 'run', folder, '--root', root, '--workers', String(workers)], { env });
  if (code !== 0) throw new Error(`bookpipe run exited ${code}: ${stderr.slice(-500)}`);
  return (performance.now() - t0) / 1000;
}

async function cold(dir: string) {
  const oldBooks = spread(pagesIn(join(evalDir, 'old-books')), Math.max(0, COLD_PAGES - 2));
  const pages: BenchPage[] = [
    { name: 'linn', png: ocrmypdf('linn.png') },
    { name: 'typewriter', png: ocrmypdf('typewriter.png') },
    ...(await Promise.all(oldBooks.map(async (p) => ({ name: p.name, png: await toPng(p.image, dir) })))),
  ].slice(0, COLD_PAGES);
  console.log(`\n## 0. Cold runs, start-up included (engine defaults: orientation detection on), ${pages.length} real pages, ${ROUNDS} interleaved rounds`);
  const configs: Record<string, OcrEngineOptions> = {
    'tesseract.js/1': { engine: 'tesseract.js', maxWorkers: 1 },
    'native/1': { engine: 'native', maxWorkers: 1 },
    'tesseract.js/2': { engine: 'tesseract.js', maxWorkers: 2 },
    'native/2': { engine: 'native', maxWorkers: 2 },
  };
  // The same pages as a folder of page images for the whole command.
  const folder = join(dir, 'cold-book');
  mkdirSync(folder, { recursive: true });
  for (const [index, page] of pages.entries()) writeFileSync(join(folder, `page_${String(index + 1).padStart(4, '0')}.png`), readFileSync(page.png));
  const times: Record<string, number[]> = Object.fromEntries([...Object.keys(configs), 'native-sse/2', 'bookpipe run/2'].map((k) => [k, []]));
  const tessdata = engTessdata();
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, options] of Object.entries(configs)) times[name]!.push(await coldRun(pages, options));
      times['native-sse/2']!.push(await coldNativeSse(pages, 2, tessdata));
      times['bookpipe run/2']!.push(await wholeRun(folder, join(dir, 'cold-root'), 2));
    }
  } finally {
    rmSync(tessdata, { recursive: true, force: true });
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  for (const [name, xs] of Object.entries(times)) console.log(`${name.padEnd(15)} ${fmt(median(xs))} s median (rounds ${xs.map((x) => fmt(x)).join(' ')})`);
  for (const w of [1, 2]) {
    console.log(
      `tesseract.js / native, ${w} worker(s), start-up included: ${fmt(median(times[`tesseract.js/${w}`]!) / median(times[`native/${w}`]!))}x (target at 2 workers: <= 1.1x)`,
    );
  }
  for (const e of ['tesseract.js', 'native']) {
    console.log(`${e} 1 -> 2 workers: ${fmt(median(times[`${e}/1`]!) / median(times[`${e}/2`]!))}x (target: >= 1.85x; needs 2 idle cores)`);
  }
  console.log(
    `tesseract.js / native held to SSE (128-bit SIMD, as WebAssembly), 2 workers: ${fmt(median(times['tesseract.js/2']!) / median(times['native-sse/2']!))}x; native SSE / native: ${fmt(median(times['native-sse/2']!) / median(times['native/2']!))}x`,
  );
  console.log(
    `whole \`bookpipe run\` (all deterministic stages, process start to exit) / native OCR alone, 2 workers: ${fmt(median(times['bookpipe run/2']!) / median(times['native/2']!))}x (target: <= 1.1x)`,
  );
  console.log(`load average after: ${load()}`);
}

const fmt = (x: number, d = 2) => x.toFixed(d);
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

/** Rounds of every configuration, in turn, so that a burst of other work on the machine hits all alike. */
const ROUNDS = Number(process.env.BENCH_OCR_ROUNDS ?? 3);

/** Runs each configuration ROUNDS times, interleaved, and keeps each one's fastest round. */
async function interleaved(pages: readonly BenchPage[], configs: Record<string, OcrEngineOptions>): Promise<Record<string, RunResult & { all: number[] }>> {
  const best: Record<string, RunResult & { all: number[] }> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, options] of Object.entries(configs)) {
      const res = await timedRun(pages, options);
      const prev = best[name];
      const all = [...(prev?.all ?? []), res.pagesPerSecond];
      best[name] = !prev || res.pagesPerSecond > prev.pagesPerSecond ? { ...res, all } : { ...prev, all };
    }
  }
  return best;
}

const rounds = (all: number[]) => all.map((x) => fmt(x, 3)).join(' ');

/**
 * Both engines at the same time on the same pages, `workers` each: the machine's scheduler shares the
 * cores alike between them, so the ratio of their times holds even while other work runs, which a
 * one-after-the-other comparison on a shared machine does not. Both start together after a warm-up
 * page per worker, and the one that finishes first goes on reading until the other is done, so that
 * the other never gets the machine to itself.
 */
async function headToHead(pages: readonly BenchPage[], workers: number): Promise<number> {
  const engines = await Promise.all(
    (['tesseract.js', 'native'] as const).map((engine) => createOcrEngine({ engine, maxWorkers: workers, detectOrientation: false })),
  );
  try {
    await Promise.all(engines.map((e) => Promise.all(pages.slice(0, workers).map((p, i) => e.recognize(p.png, i + 1)))));
    let finished = 0;
    const firstPass = await Promise.all(
      engines.map(async (e) => {
        const t0 = performance.now();
        await Promise.all(pages.map((p, i) => e.recognize(p.png, i + 1)));
        const seconds = (performance.now() - t0) / 1000;
        finished++;
        // Keep the machine as busy until the other engine is done too.
        for (let i = 0; finished < engines.length; i += workers) {
          await Promise.all(Array.from({ length: workers }, (_, k) => e.recognize(pages[(i + k) % pages.length]!.png, 1)));
        }
        return seconds;
      }),
    );
    return firstPass[0]! / firstPass[1]!;
  } finally {
    await Promise.all(engines.map((e) => e.destroy()));
  }
}

async function speed(pages: readonly BenchPage[]) {
  console.log(`\n## 1. Speed, OCR only (detectOrientation off), model 4.0.0_best_int, PSM 3, ${pages.length} pages`);
  console.log(`\n### 1a. tesseract.js time / native time, both engines running at the same time (${ROUNDS} rounds)`);
  for (const workers of [1, 2]) {
    const ratios: number[] = [];
    for (let i = 0; i < ROUNDS; i++) ratios.push(await headToHead(pages, workers));
    ratios.sort((a, b) => a - b);
    console.log(
      `${workers} worker(s) each: median ${fmt(ratios[Math.floor(ratios.length / 2)]!)}x (rounds: ${ratios.map((x) => fmt(x)).join(' ')}; aim: <= 1.30x)   load ${load()}`,
    );
  }

  // The pages twice: with more pages, the last page's wait for a free worker weighs less.
  const twice = [...pages, ...pages];
  console.log(`\n### 1b. One engine at a time, 1 and 2 workers, ${twice.length} pages (the ${pages.length} twice): best of ${ROUNDS} interleaved rounds`);
  const r = await interleaved(twice, {
    'tesseract.js/1': { engine: 'tesseract.js', maxWorkers: 1, detectOrientation: false },
    'native/1': { engine: 'native', maxWorkers: 1, detectOrientation: false },
    'tesseract.js/2': { engine: 'tesseract.js', maxWorkers: 2, detectOrientation: false },
    'native/2': { engine: 'native', maxWorkers: 2, detectOrientation: false },
  });
  console.log('engine        workers  pages/s  s/page  CPU s/page  (pages/s of each round)');
  for (const [name, res] of Object.entries(r)) {
    const [engine, workers] = name.split('/');
    console.log(
      `${engine!.padEnd(13)} ${workers!.padStart(7)}  ${fmt(res.pagesPerSecond, 3).padStart(7)}  ${fmt(1 / res.pagesPerSecond).padStart(6)}  ${fmt(res.cpuPerPage).padStart(10)}  (${rounds(res.all)})`,
    );
  }
  for (const w of [1, 2]) {
    const wall = r[`native/${w}`]!.pagesPerSecond / r[`tesseract.js/${w}`]!.pagesPerSecond;
    console.log(`tesseract.js time / native time, ${w} worker(s): ${fmt(wall)}x (aim: <= 1.30x)`);
  }
  for (const e of ['tesseract.js', 'native']) {
    const [one, two] = [r[`${e}/1`]!, r[`${e}/2`]!];
    console.log(
      `${e} 1 -> 2 workers: ${fmt(two.pagesPerSecond / one.pagesPerSecond)}x pages/s (aim: >= 1.8x; needs 2 idle cores), CPU per page x${fmt(two.cpuPerPage / one.cpuPerPage)}`,
    );
  }
  console.log(`load average after: ${load()}`);
}

async function orientation(pages: readonly BenchPage[]) {
  console.log(`\n## 2. Orientation detection (OSD) cost, 2 workers, best of ${ROUNDS} interleaved rounds`);
  const r = await interleaved(pages, {
    'tesseract.js/off': { engine: 'tesseract.js', maxWorkers: 2, detectOrientation: false },
    'tesseract.js/on': { engine: 'tesseract.js', maxWorkers: 2, detectOrientation: true },
    'native/off': { engine: 'native', maxWorkers: 2, detectOrientation: false },
    'native/on': { engine: 'native', maxWorkers: 2, detectOrientation: true },
  });
  for (const engine of ['tesseract.js', 'native']) {
    const [off, on] = [r[`${engine}/off`]!, r[`${engine}/on`]!];
    console.log(
      `${engine.padEnd(13)} off ${fmt(off.pagesPerSecond, 3)} pages/s, on ${fmt(on.pagesPerSecond, 3)} pages/s: OSD adds ${fmt((off.pagesPerSecond / on.pagesPerSecond - 1) * 100, 0)}% time per page`,
    );
  }
  console.log(`load average after: ${load()}`);
}

async function marginPass(common: readonly BenchPage[], dir: string) {
  // The old prints of vd-sbb too (each work's first page): their folios and catch-words are what the pass reads.
  const vd = join(evalDir, 'vd-sbb');
  const works = readdirSync(vd).sort();
  const prints = await Promise.all(works.map(async (work) => ({ name: work, png: await toPng(pagesIn(join(vd, work))[0]!.image, dir) })));
  const pages = [...common, ...prints];
  console.log(
    `\n## 2b. Margin pass cost (on by default), 2 workers, orientation detection off, ${pages.length} pages (${common.length} above and ${prints.length} vd-sbb prints), best of ${ROUNDS} interleaved rounds`,
  );
  const r = await interleaved(pages, {
    'tesseract.js/off': { engine: 'tesseract.js', maxWorkers: 2, detectOrientation: false, marginPass: false },
    'tesseract.js/on': { engine: 'tesseract.js', maxWorkers: 2, detectOrientation: false, marginPass: true },
    'native/off': { engine: 'native', maxWorkers: 2, detectOrientation: false, marginPass: false },
    'native/on': { engine: 'native', maxWorkers: 2, detectOrientation: false, marginPass: true },
  });
  for (const engine of ['tesseract.js', 'native']) {
    const [off, on] = [r[`${engine}/off`]!, r[`${engine}/on`]!];
    console.log(
      `${engine.padEnd(13)} off ${fmt(off.pagesPerSecond, 3)} pages/s (${rounds(off.all)}), on ${fmt(on.pagesPerSecond, 3)} pages/s (${rounds(on.all)}): the margin pass adds ${fmt((off.pagesPerSecond / on.pagesPerSecond - 1) * 100, 1)}% time per page`,
    );
  }
  console.log(`load average after: ${load()}`);
}

async function models(pages: readonly BenchPage[]) {
  const scored = pages.filter((p) => p.truth !== undefined);
  console.log(
    `\n## 3. Models, 2 workers, OCR only: speed on ${pages.length} pages (best of ${ROUNDS} interleaved rounds), body CER against the Gutenberg text on ${scored.length} old-books pages`,
  );
  const configs: Record<string, OcrEngineOptions> = {};
  for (const engine of ['tesseract.js', 'native'] as const) {
    for (const model of ['4.0.0_best_int', '4.0.0'] as OcrModel[]) configs[`${engine}/${model}`] = { engine, model, maxWorkers: 2, detectOrientation: false };
  }
  const r = await interleaved(pages, configs);
  console.log('engine        model            pages/s  mean CER  median CER');
  for (const [name, res] of Object.entries(r)) {
    const [engine, model] = name.split('/');
    const cers = pages.flatMap((p, i) => (p.truth ? [bodyCer(readFileSync(p.truth, 'utf8'), res.texts[i]!)] : [])).sort((a, b) => a - b);
    const mean = cers.reduce((s, x) => s + x, 0) / cers.length;
    const median = cers[Math.floor(cers.length / 2)]!;
    console.log(
      `${engine!.padEnd(13)} ${model!.padEnd(15)} ${fmt(res.pagesPerSecond, 3).padStart(8)}  ${fmt(mean * 100).padStart(7)}%  ${fmt(median * 100).padStart(9)}%`,
    );
  }
  console.log(`load average after: ${load()}`);
}

interface MemoryReport {
  recycleAfterPages: number;
  workers: number;
  pages: number;
  baselineMb: number;
  peakMb: number;
  vmHwmMb: number;
  samples: Array<[page: number, rssMb: number]>;
  seconds: number;
}

/** Child-process part of the memory measurement: prints one JSON line. */
async function memoryChild(pngs: string[], recycleAfterPages: number, workers: number, pages: number) {
  const mb = (b: number) => Math.round(b / 104_857.6) / 10; // MiB, as VmHWM
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 100);
  const engine = await createOcrEngine({ maxWorkers: workers, recycleAfterPages, detectOrientation: false });
  const samples: Array<[number, number]> = [];
  const t0 = performance.now();
  let done = 0;
  try {
    await Promise.all(
      Array.from({ length: pages }, (_, i) =>
        engine.recognize(pngs[i % pngs.length]!, i + 1).then(() => {
          done++;
          const rss = process.memoryUsage.rss();
          peak = Math.max(peak, rss);
          samples.push([done, mb(rss)]);
        }),
      ),
    );
  } finally {
    await engine.destroy();
    clearInterval(sampler);
  }
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  const report: MemoryReport = {
    recycleAfterPages,
    workers,
    pages,
    baselineMb: mb(baseline),
    peakMb: mb(peak),
    vmHwmMb: hwm ? Math.round(Number(hwm[1]) / 102.4) / 10 : NaN,
    samples,
    seconds: (performance.now() - t0) / 1000,
  };
  console.log(JSON.stringify(report));
}

async function memory(pages: readonly BenchPage[]) {
  console.log(`\n## 4. tesseract.js memory over ${MEMORY_PAGES} pages (the ${pages.length} pages repeated), 2 workers, OCR only`);
  console.log('RSS of the whole process (main thread + worker threads + WebAssembly heaps), sampled after each page.');
  for (const recycle of [Infinity, 50]) {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(import.meta.url), '--memory-child', String(recycle), '2', String(MEMORY_PAGES), ...pages.map((p) => p.png)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    if (code !== 0) throw new Error(`memory child exited with ${code}`);
    const rep = JSON.parse(out.trim().split('\n').pop()!) as MemoryReport;
    const at = (n: number) => rep.samples.find(([p]) => p >= n)?.[1] ?? NaN;
    const marks = [10, 50, 100, 150, rep.pages].filter((n, i, a) => n <= rep.pages && a.indexOf(n) === i);
    console.log(
      `recycleAfterPages=${String(recycle).padEnd(8)} baseline ${rep.baselineMb} MiB, peak ${rep.peakMb} MiB (VmHWM ${rep.vmHwmMb} MiB), ` +
        `peak per worker ${fmt((rep.peakMb - rep.baselineMb) / rep.workers, 0)} MiB; RSS after page ${marks.map((n) => `${n}: ${at(n)}`).join(', ')} MiB; ${fmt(rep.pages / rep.seconds, 3)} pages/s`,
    );
  }
  // Native: peak RSS of one tesseract process on the largest page, same model (GNU time's %M, in kB).
  const tessdata = engTessdata();
  try {
    for (const p of pages.slice(0, 2)) {
      const time = spawnSync(
        '/usr/bin/time',
        ['-f', '%M', 'tesseract', p.png, 'stdout', '--tessdata-dir', tessdata, '--psm', '3', '--oem', '1', '-c', 'tessedit_create_tsv=1'],
        {
          env: { ...process.env, OMP_THREAD_LIMIT: '1' },
          encoding: 'utf8',
        },
      );
      const kb = /(\d+)\s*$/.exec(time.stderr ?? '');
      if (kb) console.log(`native tesseract, one process on ${p.name} (same model): peak RSS ${fmt(Number(kb[1]) / 1024, 0)} MiB`);
    }
  } finally {
    rmSync(tessdata, { recursive: true, force: true });
  }
}

async function main() {
  if (process.argv[2] === '--memory-child') {
    const [recycle, workers, pages, ...pngs] = process.argv.slice(3);
    await memoryChild(pngs, Number(recycle), Number(workers), Number(pages));
    return;
  }
  if (!hasEval) {
    console.log(`bench/ocr: skipped, the real scans are not at ${evalDir}.`);
    return;
  }
  console.log(`# bench/ocr — ${availableParallelism()} cores, Node ${process.versions.node}, load average at start ${load()}`);
  if (loadavg()[0]! > availableParallelism() * 0.5) {
    console.log('Note: the machine is busy with other work; figures are noisy. Both engines run in this same run, one after the other.');
  }
  const dir = await mkdtemp(join(tmpdir(), 'bench-ocr-'));
  try {
    const pages = await preparePages(dir);
    console.log(`Pages: ${pages.map((p) => p.name).join(', ')}`);
    if (ONLY.has('cold')) await cold(dir);
    if (ONLY.has('speed')) await speed(pages);
    if (ONLY.has('osd')) await orientation(pages);
    if (ONLY.has('margin')) await marginPass(pages, dir);
    if (ONLY.has('models')) await models(pages);
    if (ONLY.has('memory')) await memory(pages);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
