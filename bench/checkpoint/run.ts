// Checkpoint bench: what saving and journalling a page costs as a stage grows, and what resume costs.
//
// For 1,000 and 10,000 small JSON pages (OCR pages of one line, ~1 KB), through StageStorage.savePage with metrics (validate, temp file,
// fsync, rename, journal append), into a temp folder:
//   - save: time per page; the 10k run must cost no more than about 12x the 1k run (appends are O(1));
//   - resume: remainingPages() from a fresh scan object (a new process: reads the journal, checks
//     every page file), then again on the same object (unchanged files are only stat'ed), and metrics().
// Baseline, measured in the same run: the same pages with a bare writeFile + appendFile (no validation,
// no temp file, no fsync), i.e. what atomicity and durability cost on this disk.
import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BasePageMetricsSchema, OcrPageSchema, type OcrPage } from '@bookpipe/core';
import { openScan } from '@bookpipe/storage';

const SIZES = [1_000, 10_000] as const;
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
          lines: [{ bbox: box, text: `Page ${p}`, confidence: 0.93, words: [{ text: 'Page', bbox: box, confidence: 0.95 }, { text: String(p), bbox: box, confidence: 0.91 }] }],
        },
      ],
    },
  ],
});
const metrics = (p: number) => ({ pageNum: p, processingTimeSeconds: 0.012, costUsd: 0.0004 });

interface Figures {
  n: number;
  saveMs: number;
  baselineMs: number;
  resumeMs: number;
  resumeAgainMs: number;
  metricsMs: number;
}

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const result = await fn();
  return [performance.now() - t0, result];
}

async function measure(n: number): Promise<Figures> {
  const root = await mkdtemp(join(tmpdir(), `bookpipe-bench-checkpoint-${n}-`));
  try {
    const scan = openScan({ root, scanId: 'bench' });
    await scan.init();
    await scan.updateMetadata({ totalPages: n });
    const stage = scan.stage('ocr', { schema: PageSchema, metricsSchema: BasePageMetricsSchema });
    const [saveMs] = await timed(async () => {
      for (let p = 1; p <= n; p++) await stage.savePage(p, page(p), metrics(p));
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
        await writeFile(join(bare, `page_${String(p).padStart(4, '0')}.json`), JSON.stringify(page(p), null, 2));
        await appendFile(join(bare, 'checkpoint.jsonl'), JSON.stringify({ page: p, metrics: metrics(p) }) + '\n');
      }
    });
    return { n, saveMs, baselineMs, resumeMs, resumeAgainMs, metricsMs };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

const perPage = (ms: number, n: number) => `${((ms / n) * 1000).toFixed(1)} us/page`;
const results: Figures[] = [];
for (const n of SIZES) {
  const f = await measure(n);
  results.push(f);
  console.log(`n=${n.toLocaleString('en')}`);
  console.log(`  savePage + journal : ${f.saveMs.toFixed(0).padStart(7)} ms  ${perPage(f.saveMs, n)}   (${(f.saveMs / n).toFixed(3)} ms/page)`);
  console.log(`  baseline bare write: ${f.baselineMs.toFixed(0).padStart(7)} ms  ${perPage(f.baselineMs, n)}   (writeFile + appendFile, no validation/temp/fsync)`);
  console.log(`  resume, new process: ${f.resumeMs.toFixed(0).padStart(7)} ms  ${perPage(f.resumeMs, n)}   (remainingPages(): read journal, check every file)`);
  console.log(`  resume, same object: ${f.resumeAgainMs.toFixed(0).padStart(7)} ms  ${perPage(f.resumeAgainMs, n)}   (unchanged files only stat'ed)`);
  console.log(`  metrics()          : ${f.metricsMs.toFixed(1).padStart(7)} ms`);
}
const [small, large] = results as [Figures, Figures];
const ratio = (a: number, b: number) => (b / a).toFixed(2);
const saveRatio = large.saveMs / small.saveMs;
console.log(`ratio 10k/1k: save ${ratio(small.saveMs, large.saveMs)}x, baseline ${ratio(small.baselineMs, large.baselineMs)}x, resume ${ratio(small.resumeMs, large.resumeMs)}x (10x = linear)`);
if (saveRatio > MAX_RATIO) {
  console.log(`FAIL: saving 10,000 pages cost ${saveRatio.toFixed(2)}x saving 1,000 (limit about ${MAX_RATIO}x): appends are not O(1).`);
  process.exitCode = 1;
} else {
  console.log(`OK: saving 10,000 pages cost ${saveRatio.toFixed(2)}x saving 1,000 (limit about ${MAX_RATIO}x).`);
}
