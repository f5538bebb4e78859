/**
 * Many books on one machine: the same books read one after the other with `bookpipe run` (one process
 * per book, each starting its own OCR workers and leaving them idle while its label and merge run)
 * against one `bookpipe run-all` (one OCR pool for every book, two books at a time, so the next book's
 * pages fill the pool while the previous one finishes).
 *
 *   pnpm bench run-all                          # 3 copies of the sample book (8 pages each), 2 workers
 *   BENCH_RUN_ALL_BOOKS=4 BENCH_RUN_ALL_WORKERS=2 pnpm bench run-all
 *
 * Both through the real bin (packages/cli/dist/bin.js: `pnpm build` first), no LLM (deterministic
 * correction and label), into fresh scan roots. Reported for each: wall time, CPU seconds of the child
 * processes, CPU utilisation = CPU seconds / (wall seconds x CPUs), and the load average before and
 * after, since the machine may be shared: compare the two modes of one run, not figures across runs.
 * Also checks that both produced byte-identical book.md files.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSampleBook } from '@bookpipe/testkit/sample-book';

const here = dirname(fileURLToPath(import.meta.url));
const bin = resolve(here, '../../packages/cli/dist/bin.js');
const BOOKS = Number(process.env.BENCH_RUN_ALL_BOOKS ?? 3);
const WORKERS = Number(process.env.BENCH_RUN_ALL_WORKERS ?? Math.min(2, availableParallelism()));
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/**
 * CPU seconds of this process's reaped children: cutime + cstime of /proc/self/stat (fields after the
 * command name, which may hold spaces). Linux adds a child's CPU there once it is waited for.
 */
function childCpuSeconds(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS;
}

/** The environment of a fresh shell: no API key (no LLM), no bookpipe or pnpm settings. */
const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/_API_KEY$|^npm_|^BOOKPIPE_/.test(name)));

function bookpipe(args: readonly string[], cwd: string): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.on('error', fail);
    child.on('close', (code) => (code === 0 ? done() : fail(new Error(`bookpipe ${args.join(' ')} exited ${code}:\n${stderr}`))));
  });
}

interface Measured {
  seconds: number;
  cpuSeconds: number;
  utilisation: number;
  loadBefore: number;
  loadAfter: number;
}

async function measure(run: () => Promise<void>): Promise<Measured> {
  const loadBefore = loadavg()[0]!;
  const cpu0 = childCpuSeconds();
  const t0 = performance.now();
  await run();
  const seconds = (performance.now() - t0) / 1000;
  const cpuSeconds = childCpuSeconds() - cpu0;
  return { seconds, cpuSeconds, utilisation: cpuSeconds / (seconds * availableParallelism()), loadBefore, loadAfter: loadavg()[0]! };
}

const dir = await mkdtemp(join(tmpdir(), 'bench-run-all-'));
try {
  const books = join(dir, 'books');
  const sample = await generateSampleBook(join(dir, 'sample.pdf'));
  const names = Array.from({ length: BOOKS }, (_, i) => `book-${i + 1}`);
  await mkdir(books);
  for (const name of names) await copyFile(sample.path, join(books, `${name}.pdf`));
  console.log(`${BOOKS} books of ${sample.pages} pages (the sample book), ${WORKERS} OCR workers, ${availableParallelism()} CPUs, no LLM.`);

  const single = await measure(async () => {
    for (const name of names) await bookpipe(['run', join(books, `${name}.pdf`), '--root', 'single', '--workers', String(WORKERS)], dir);
  });
  const library = await measure(() => bookpipe(['run-all', books, '--out', 'library', '--workers', String(WORKERS)], dir));

  const line = (label: string, m: Measured) =>
    `${label.padEnd(28)} ${m.seconds.toFixed(1).padStart(7)} s wall  ${m.cpuSeconds.toFixed(1).padStart(7)} CPU-s  ${(m.utilisation * 100).toFixed(0).padStart(3)}% of ${availableParallelism()} CPUs  (load ${m.loadBefore.toFixed(1)} -> ${m.loadAfter.toFixed(1)})`;
  console.log(line(`bookpipe run x${BOOKS}, in turn`, single));
  console.log(line('bookpipe run-all', library));
  console.log(`run-all / runs in turn: wall ${(library.seconds / single.seconds).toFixed(2)}x, CPU ${(library.cpuSeconds / single.cpuSeconds).toFixed(2)}x`);

  for (const name of names) {
    const a = await readFile(join(dir, 'single', name, 'merge', 'book.md'));
    const b = await readFile(join(dir, 'library', name, 'merge', 'book.md'));
    if (!a.equals(b)) throw new Error(`${name}: book.md of run-all differs from the single run's`);
  }
  console.log('book.md: identical for every book.');
} finally {
  await rm(dir, { recursive: true, force: true });
}
