// Quality bench: how close bookpipe's text comes to the book, on every scan of ../shared/eval that has
// ground truth, for the OCR alone and for the deterministic correction, labelling and merge.
//
// Each scan goes through bookpipe's default pipeline (`createBookPipeline`: source, OCR with tesseract.js
// and 2 workers, correction and label in their deterministic modes, merge), then `evaluateScan` of
// @bookpipe/eval scores it. Scans are
// kept in bench/results/quality/scans (git-ignored; BOOKPIPE_BENCH_QUALITY_DIR overrides it): a rerun
// resumes them and OCRs nothing again. Delete that folder to start afresh.
//
// Baseline, in the same run: the OCR text is the baseline of the corrected and merged text. Figures are
// normalised text (see @bookpipe/eval's README); overall = total edits / total truth length.
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createBookPipeline } from '@bookpipe/book-pipeline';
import { loadConfig, silentLogger } from '@bookpipe/core';
import {
  addClassCounts,
  addLineCounts,
  type EvalResult,
  evaluateScan,
  LINE_KINDS,
  precisionRecall,
  SCORED_CLASSES,
  type TextStage,
  totalErrorRate,
} from '@bookpipe/eval';
import { openScan } from '@bookpipe/storage';

const here = import.meta.dirname;
const evalDir = resolve(here, '../../../shared/eval');
if (!existsSync(join(evalDir, 'README.md'))) {
  console.error(`bench/quality needs the real scans in ${evalDir} (see its README.md).`);
  process.exit(1);
}
const workDir = resolve(process.env.BOOKPIPE_BENCH_QUALITY_DIR ?? join(here, '../results/quality/scans'));

interface BenchScan {
  scanId: string;
  images: string[];
  truth: string;
}

const imagesIn = (dir: string, pattern: RegExp) =>
  readdirSync(dir)
    .filter((f) => pattern.test(f))
    .sort()
    .map((f) => join(dir, f));

/** Every scan with ground truth: found in the folders, not listed by hand. */
function discoverScans(): BenchScan[] {
  const scans: BenchScan[] = [];
  // old-books: one scan per book (the letter), its pages in order; the folder's <id>.txt are the truth.
  const oldBooks = join(evalDir, 'old-books');
  const books = new Map<string, string[]>();
  for (const image of imagesIn(oldBooks, /^[a-z]\d+\.tiff?$/i)) {
    const letter = image.split('/').pop()![0]!;
    books.set(letter, [...(books.get(letter) ?? []), image]);
  }
  for (const [letter, images] of books) scans.push({ scanId: `old-books-${letter}`, images, truth: oldBooks });
  // vd-sbb: one scan per work; PAGE-XML truth beside the images.
  const vd = join(evalDir, 'vd-sbb');
  for (const work of readdirSync(vd).sort()) {
    scans.push({ scanId: `vd-sbb-${work}`, images: imagesIn(join(vd, work), /^OCR-D-IMG_.*\.tif$/), truth: join(vd, work) });
  }
  // ajmc-commentaries: the four page images; the regions and lines in derived/.
  const ajmc = join(evalDir, 'ajmc-commentaries');
  for (const book of readdirSync(ajmc).filter((d) => existsSync(join(ajmc, d, 'imgs')))) {
    scans.push({ scanId: `ajmc-${book}`, images: imagesIn(join(ajmc, book, 'imgs'), /\.png$/), truth: join(ajmc, 'derived') });
  }
  // ocrmypdf-resources: linn.png with linn.txt (a reference OCR, not a hand transcription).
  const ocrmypdf = join(evalDir, 'ocrmypdf-resources');
  for (const txt of imagesIn(ocrmypdf, /\.txt$/)) {
    const image = txt.replace(/\.txt$/, '.png');
    if (existsSync(image))
      scans.push({
        scanId: `ocrmypdf-${image
          .split('/')
          .pop()!
          .replace(/\.png$/, '')}`,
        images: [image],
        truth: ocrmypdf,
      });
  }
  return scans;
}

const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const scans = discoverScans().filter((s) => only.length === 0 || only.some((o) => s.scanId.includes(o)));
// BOOKPIPE_OCR_LANG compares models (eng against each work's own); unset, the OCR stage guesses the language.
const config = loadConfig({ BOOKPIPE_OCR_LANG: process.env.BOOKPIPE_OCR_LANG });
const results: Array<{ scan: BenchScan; result: EvalResult; seconds: number }> = [];
const t0 = performance.now();
for (const bench of scans) {
  const t = performance.now();
  const scan = openScan({ root: workDir, scanId: bench.scanId });
  const { pipeline } = await createBookPipeline({ scan, inputs: bench.images, config, logger: silentLogger, llm: false, ocrWorkers: 2 });
  const run = await pipeline.run();
  const seconds = (performance.now() - t) / 1000;
  const failed = Object.values(run.stages).reduce((n, s) => n + (s.status === 'done' ? s.stats.pagesFailed : 0), 0);
  const stageFailures = Object.entries(run.stages).flatMap(([name, s]) => (s.status === 'failed' ? [`${name}: ${s.error}`] : []));
  if (stageFailures.length > 0) console.log(`${bench.scanId}: stage failed: ${stageFailures.join('; ')}`);
  // Truth folders such as old-books hold several books: score the pages of this scan only.
  const result = await evaluateScan({ scan, truth: bench.truth, ignoreUnmatched: true });
  results.push({ scan: bench, result, seconds });
  console.log(`${bench.scanId}: ${bench.images.length} pages, pipeline ${seconds.toFixed(1)} s${failed > 0 ? `, ${failed} page(s) failed` : ''}`);
}

const pct = (rate: number | null | undefined) => (rate === null || rate === undefined ? '-' : `${(rate * 100).toFixed(1)}`);
function print(rows: string[][]): void {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  for (const r of rows)
    console.log(
      r
        .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
        .join('  ')
        .trimEnd(),
    );
}
const rate = (r: EvalResult, stage: TextStage, kind: 'cer' | 'wer') => r.overall[stage]?.normalized[kind].rate;
const totals = (stage: TextStage, kind: 'cer' | 'wer') =>
  totalErrorRate(results.flatMap(({ result }) => result.pages.flatMap((p) => (p.text[stage] ? [p.text[stage].normalized[kind]] : [])))).rate;

console.log(`\nText (normalised, %; overall = total edits / total truth characters or words); merged = reading text, furniture left out:`);
const rows: string[][] = [['scan', 'pages', 'OCR CER', 'WER', 'corr. CER', 'WER', 'merged CER', 'WER', 'page no. right', 'truth']];
for (const { scan, result } of results) {
  const n = result.overall.pageNumbers;
  rows.push([
    scan.scanId,
    String(result.pages.length),
    pct(rate(result, 'ocr', 'cer')),
    pct(rate(result, 'ocr', 'wer')),
    pct(rate(result, 'corrected', 'cer')),
    pct(rate(result, 'corrected', 'wer')),
    pct(rate(result, 'merged', 'cer')),
    pct(rate(result, 'merged', 'wer')),
    n ? `${n.correct}/${n.pages}` : '-',
    result.pages[0]?.truth.format ?? '',
  ]);
}
const allNumbers = results.flatMap(({ result }) => (result.overall.pageNumbers ? [result.overall.pageNumbers] : []));
rows.push([
  'all',
  String(results.reduce((s, r) => s + r.result.pages.length, 0)),
  pct(totals('ocr', 'cer')),
  pct(totals('ocr', 'wer')),
  pct(totals('corrected', 'cer')),
  pct(totals('corrected', 'wer')),
  pct(totals('merged', 'cer')),
  pct(totals('merged', 'wer')),
  `${allNumbers.reduce((s, n) => s + n.correct, 0)}/${allNumbers.reduce((s, n) => s + n.pages, 0)}`,
  '',
]);
print(rows);

console.log(
  `\nRaw text (NFC and whitespace only), overall CER %: OCR ${pct(totalErrorRate(results.flatMap(({ result }) => result.pages.flatMap((p) => (p.text.ocr ? [p.text.ocr.raw.cer] : [])))).rate)}, merged ${pct(totalErrorRate(results.flatMap(({ result }) => result.pages.flatMap((p) => (p.text.merged ? [p.text.merged.raw.cer] : [])))).rate)}`,
);

const labelled = results.filter(({ result }) => result.overall.labels);
if (labelled.length > 0) {
  console.log(`\nBlock labels against typed truth regions, precision / recall % (correct/predicted, found/regions):`);
  const lrows: string[][] = [['scan', ...SCORED_CLASSES]];
  const cell = (c: { predicted: number; correct: number; regions: number; found: number }) => {
    const pr = precisionRecall(c);
    return c.predicted + c.regions === 0 ? '-' : `${pct(pr.precision)}/${pct(pr.recall)} (${c.correct}/${c.predicted}, ${c.found}/${c.regions})`;
  };
  for (const { scan, result } of labelled) lrows.push([scan.scanId, ...SCORED_CLASSES.map((c) => cell(result.overall.labels![c]))]);
  const all = addClassCounts(labelled.flatMap(({ result }) => result.pages.flatMap((p) => (p.labels ? [p.labels] : []))));
  lrows.push(['all', ...SCORED_CLASSES.map((c) => cell(all[c]))]);
  print(lrows);
}
const lined = results.filter(({ result }) => result.pages.some((p) => p.lineLabels));
if (lined.length > 0) {
  console.log(`\nFurniture lines against typed truth regions, precision / recall % (correct/predicted, found/regions):`);
  const cell = (c: { predicted: number; correct: number; regions: number; found: number }) => {
    const pr = precisionRecall(c);
    return c.predicted + c.regions === 0 ? '-' : `${pct(pr.precision)}/${pct(pr.recall)} (${c.correct}/${c.predicted}, ${c.found}/${c.regions})`;
  };
  const sum = (list: typeof lined) => addLineCounts(list.flatMap(({ result }) => result.pages.flatMap((p) => (p.lineLabels ? [p.lineLabels] : []))));
  const rows: string[][] = [['scan', ...LINE_KINDS]];
  for (const entry of lined) rows.push([entry.scan.scanId, ...LINE_KINDS.map((k) => cell(sum([entry])[k]))]);
  // The targets are per dataset (issue 13: running head, page number, catch-word >= 90% on vd-sbb and ajmc).
  for (const dataset of ['vd-sbb', 'ajmc', 'old-books']) {
    const group = lined.filter(({ scan }) => scan.scanId.startsWith(`${dataset}-`));
    if (group.length > 1) rows.push([`${dataset} (all)`, ...LINE_KINDS.map((k) => cell(sum(group)[k]))]);
  }
  rows.push(['all', ...LINE_KINDS.map((k) => cell(sum(lined)[k]))]);
  print(rows);
}
const pua = results.reduce((s, { result }) => s + result.pages.reduce((t, p) => t + p.truth.privateUseChars, 0), 0);
console.log(
  `\n${results.length} scans in ${((performance.now() - t0) / 1000).toFixed(0)} s (scans cached in ${workDir}); ${pua} private-use truth characters (vd-sbb MUFI glyphs) count as errors.`,
);
