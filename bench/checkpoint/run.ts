// Checkpoint bench: what saving and journalling a page costs as a stage grows, and what resume costs.
//
// For 1,000 and 10,000 small JSON pages (OCR pages of one line, ~1 KB), through StageStorage.savePage with metrics (validate, temp file,
// fsync, rename, journal append), into a temp folder:
//   - save: time per page; the 10k run must cost no more than about 12x the 1k run (appends are O(1));
//   - resume: remainingPages() from a fresh scan object (a new process: reads the journal, checks
//     every page file), then again on the same object (unchanged files are only stat'ed), and metrics().
// Baseline, measured in the same run: the same pages (compact JSON, as savePage writes them) with a bare writeFile + appendFile (no validation,
// no temp file, no fsync), i.e. what atomicity and durability cost on this disk.
//
// Saving is dominated by fsync, so a busy disk (other processes) moves every figure. To keep the 10k/1k
// ratio about the code, the 1k run is measured three times around the 10k run (median taken), the 10k
// run reports its cost per block of 1,000 pages (flat when an append is O(1) whatever the journal size),
// and the load average is printed.
//
// Folder fsync (issue 15): every atomic write (page files included) fsyncs its folder after the rename, so that
// the rename survives a power cut. Its cost is measured in the same run: 1,000 writeFileAtomic of the same page
// with and without the folder fsync, alternating in blocks of 100 so that both see the same disk load. Since
// issue 18, savePage starts that fsync without waiting for it (markStageComplete waits for one), so the
// save figures above no longer include it; the writeFileAtomic pair still measures what one costs.
import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BasePageMetricsSchema, type OcrPage, OcrPageSchema } from '@bookpipe/core';
import { openScan, writeFileAtomic } from '@bookpipe/storage';

const MAX_RATIO = 12;
const PageSchema = OcrPageSchema;
const box = { x: 100, y: 120, width: 900, height: 40 };
/** A small OCR page (one block, one line of two words), validated by the real OcrPageSchema. */
const page = (p: number): OcrPage => ({
  pageNumber: p,
  width: 1700,
  height: 2400,
  engine: { name: 'tesseract', version: '5.3.0', language: 'eng', psm: 3 },
  meanConfidence: 0.93,
  blocks: [
    {
      blockNum: 1,
      bbox: box,
      paragraphs: [
        {
          parNum: 1,
          bbox: box,
          text: `Page ${p}`,
          confidence: 0.93,
          lines: [
            {
              bbox: box,
              text: `Page ${p}`,
              confidence: 0.93,
              words: [
                { text: 'Page', bbox: box, confidence: 0.95 },
                { text: String(p), bbox: box, confidence: 0.91 },
              ],
            },
          ],
        },
      ],
    },
  ],
});
const metrics = (p: number) => ({ pageNum: p, processingTimeSeconds: 0.012, costUsd: 0.0004 });

interface SaveFigures {
  saveMs: number;
  /** Time of each successive block of 1,000 saves. */
  blockMs: number[];
  resumeMs: number;
  resumeAgainMs: number;
  metricsMs: number;
  baselineMs: number;
}

const BLOCK = 1_000;

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const result = await fn();
  return [performance.now() - t0, result];
}

async function measure(n: number): Promise<SaveFigures> {
  const root = await mkdtemp(join(tmpdir(), `bookpipe-bench-checkpoint-${n}-`));
  try {
    const scan = openScan({ root, scanId: 'bench' });
    await scan.init();
    await scan.updateMetadata({ totalPages: n });
    const stage = scan.stage('ocr', { schema: PageSchema, metricsSchema: BasePageMetricsSchema });
    const blockMs: number[] = [];
    const [saveMs] = await timed(async () => {
      let t0 = performance.now();
      for (let p = 1; p <= n; p++) {
        await stage.savePage(p, page(p), metrics(p));
        if (p % BLOCK === 0) {
          const t = performance.now();
          blockMs.push(t - t0);
          t0 = t;
        }
      }
    });

    // A new process resuming: nothing in memory, every page file checked once.
    const fresh = openScan({ root, scanId: 'bench' }).stage('ocr', { schema: PageSchema, metricsSchema: BasePageMetricsSchema });
    const [resumeMs, remaining] = await timed(() => fresh.checkpoint.remainingPages());
    if (remaining.length !== 0) throw new Error(`resume found ${remaining.length} pages left of ${n}`);
    const [resumeAgainMs] = await timed(() => fresh.checkpoint.remainingPages());
    const [metricsMs, m] = await timed(() => fresh.checkpoint.metrics());
    if (m.size !== n) throw new Error(`metrics() has ${m.size} pages, expected ${n}`);

    const bare = join(root, 'bare');
    await mkdir(bare);
    const [baselineMs] = await timed(async () => {
      for (let p = 1; p <= n; p++) {
        await writeFile(join(bare, `page_${String(p).padStart(4, '0')}.json`), `${JSON.stringify(page(p))}\n`);
        await appendFile(join(bare, 'checkpoint.jsonl'), `${JSON.stringify({ page: p, metrics: metrics(p) })}\n`);
      }
    });
    return { saveMs, blockMs, resumeMs, resumeAgainMs, metricsMs, baselineMs };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

const us = (ms: number, n: number) => `${((ms / n) * 1000).toFixed(0).padStart(5)} us/page`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');

function print(label: string, n: number, f: SaveFigures): void {
  console.log(`${label} (n=${n.toLocaleString('en')})`);
  console.log(`  savePage + journal : ${f.saveMs.toFixed(0).padStart(7)} ms ${us(f.saveMs, n)}  (${(f.saveMs / n).toFixed(3)} ms/page)`);
  console.log(
    `  baseline bare write: ${f.baselineMs.toFixed(0).padStart(7)} ms ${us(f.baselineMs, n)}  (writeFile + appendFile: no validation, temp file or fsync)`,
  );
  console.log(`  resume, new process: ${f.resumeMs.toFixed(0).padStart(7)} ms ${us(f.resumeMs, n)}  (remainingPages(): journal read, every page file checked)`);
  console.log(`  resume, same object: ${f.resumeAgainMs.toFixed(0).padStart(7)} ms ${us(f.resumeAgainMs, n)}  (unchanged files only stat'ed)`);
  console.log(`  metrics()          : ${f.metricsMs.toFixed(1).padStart(7)} ms`);
}

console.log(`load average at start: ${load()} (${'\u2248'} busy cores; fsync-bound figures move with it)`);
const small: SaveFigures[] = [];
small.push(await measure(1_000));
print('1k, run 1', 1_000, small[0]!);
const large = await measure(10_000);
print('10k', 10_000, large);
console.log(
  `  per block of 1,000 saves: ${large.blockMs.map((b) => b.toFixed(0)).join(', ')} ms (first ${large.blockMs[0]!.toFixed(0)}, last ${large.blockMs.at(-1)!.toFixed(0)})`,
);
for (const run of [2, 3]) {
  small.push(await measure(1_000));
  print(`1k, run ${run}`, 1_000, small.at(-1)!);
}

/** Milliseconds for `n` atomic page writes with the folder fsync and without it, alternating blocks of 100. */
async function folderSyncCost(n: number): Promise<{ withMs: number; withoutMs: number }> {
  const root = await mkdtemp(join(tmpdir(), 'bookpipe-bench-dirsync-'));
  try {
    const text = `${JSON.stringify(page(1))}\n`;
    let withMs = 0;
    let withoutMs = 0;
    for (let block = 0; block < n / 100; block++) {
      for (const syncDir of block % 2 === 0 ? [true, false] : [false, true]) {
        const [ms] = await timed(async () => {
          for (let i = 0; i < 100; i++) await writeFileAtomic(join(root, `page_${String(block * 100 + i + 1).padStart(4, '0')}.json`), text, { syncDir });
        });
        if (syncDir) withMs += ms;
        else withoutMs += ms;
      }
    }
    return { withMs, withoutMs };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
const dirSync = await folderSyncCost(1_000);
console.log(
  `folder fsync after rename (n=1,000 atomic page writes each): with ${us(dirSync.withMs, 1_000)}, without ${us(dirSync.withoutMs, 1_000)} ` +
    `(+${(((dirSync.withMs - dirSync.withoutMs) / dirSync.withoutMs) * 100).toFixed(0)}%)`,
);
console.log(`load average at end: ${load()}`);

const smallSave = median(small.map((f) => f.saveMs));
const smallResume = median(small.map((f) => f.resumeMs));
const smallBaseline = median(small.map((f) => f.baselineMs));
const saveRatio = large.saveMs / smallSave;
const blockGrowth = large.blockMs.at(-1)! / large.blockMs[0]!;
console.log(
  `ratio 10k / median 1k: save ${saveRatio.toFixed(2)}x, resume ${(large.resumeMs / smallResume).toFixed(2)}x, baseline ${(large.baselineMs / smallBaseline).toFixed(2)}x (10x = linear); ` +
    `last / first block of the 10k run: ${blockGrowth.toFixed(2)}x (1x = O(1) appends)`,
);
if (saveRatio > MAX_RATIO) {
  console.log(
    `FAIL: saving 10,000 pages cost ${saveRatio.toFixed(2)}x saving 1,000 (limit about ${MAX_RATIO}x). If the baseline ratio is as high, the disk was busy: run again on a quiet machine.`,
  );
  process.exitCode = 1;
} else {
  console.log(`OK: saving 10,000 pages cost ${saveRatio.toFixed(2)}x saving 1,000 (limit about ${MAX_RATIO}x).`);
}
