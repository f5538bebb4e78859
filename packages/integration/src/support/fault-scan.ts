/**
 * Test support for the fault suites: a scan of real pages of ../shared/eval with complete source and
 * OCR stages (made once per suite by the real stages), fresh copies of it per case, and readers of
 * what a run leaves on disk: the book, a stage's report.csv, its JSON-lines logs.
 */
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, Pipeline, silentLogger } from '@bookpipe/core';
import { SourceStage } from '@bookpipe/source';
import { OcrStage } from '@bookpipe/stage-ocr';
import { openScan } from '@bookpipe/storage';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
export const evalDir = path.resolve(repoRoot, '../shared/eval');
export const hasEval = existsSync(path.join(evalDir, 'README.md'));

/** Skips a suite with a note when the real pages are absent. */
export function noteSkip(suite: string): void {
  if (!hasEval) console.warn(`${suite}: skipped, the real scans are not at ${evalDir} (see its README.md).`);
}

/** Consecutive pages of one real book (old-books "The Child of the Moat", c015 a chapter opening). */
export const bookPages = (count: number): string[] =>
  ['c015', 'c016', 'c017', 'c018', 'c019', 'c020'].slice(0, count).map((name) => path.join(evalDir, 'old-books', `${name}.tiff`));

export type Scan = ReturnType<typeof openScan>;

export interface BaseScan {
  /** Temporary folder holding the scan `base` and the copies made of it. */
  root: string;
  pages: number[];
}

/** Runs the real source and OCR stages on `files` into a new temporary folder. */
export async function makeBaseScan(files: readonly string[]): Promise<BaseScan> {
  const root = await mkdtemp(path.join(tmpdir(), 'bookpipe-faults-'));
  const scan = openScan({ root, scanId: 'base' });
  const result = await new Pipeline({
    scan,
    config: loadConfig({}),
    logger: silentLogger,
    stages: [new SourceStage({ inputs: [...files] }), new OcrStage({ maxWorkers: 2 })],
  }).run();
  for (const name of ['source', 'ocr']) {
    const outcome = result.stages[name];
    if (outcome?.status !== 'done' || outcome.stats.pagesFailed > 0) throw new Error(`base scan: ${name} did not complete: ${JSON.stringify(outcome)}`);
  }
  return { root, pages: await scan.pageNumbers() };
}

let copies = 0;

/** A fresh copy of the base scan (source and ocr complete, nothing else), under `root` or the base's folder. */
export async function copyScan(base: BaseScan, name = `case-${++copies}`, root = base.root): Promise<Scan> {
  await cp(path.join(base.root, 'base'), path.join(root, name), { recursive: true, filter: (source) => path.basename(source) !== '.lock' });
  return openScan({ root, scanId: name });
}

/**
 * What a reader gets: book.md, book.json, and every page file of correction, label and merge
 * (the model's answers as saved). Metrics and logs are left out: they hold times and attempts. So
 * that two scans compare, the scan's name reads SCAN and `createdAt` times are dropped.
 */
export async function bookSnapshot(scan: Scan): Promise<Record<string, string>> {
  const snapshot: Record<string, string> = {};
  const json = (text: string) =>
    JSON.stringify(
      JSON.parse(text, (key, value: unknown) => (key === 'createdAt' ? undefined : value)),
      null,
      1,
    );
  const anonymous = (text: string) => text.split(`"${scan.scanId}"`).join('"SCAN"').split(`# ${scan.scanId}\n`).join('# SCAN\n');
  snapshot['merge/book.md'] = anonymous(await scan.stage('merge').readFile('book.md'));
  snapshot['merge/book.json'] = anonymous(json(await scan.stage('merge').readFile('book.json')));
  snapshot['label/page-numbers.json'] = json(await scan.stage('label').readFile('page-numbers.json'));
  for (const stage of ['correction', 'label', 'merge']) {
    for (const page of await scan.stage(stage).listPages()) {
      snapshot[`${stage}/page_${page}`] = anonymous(json(await readFile(scan.stage(stage).pagePath(page), 'utf8')));
    }
  }
  return snapshot;
}

/** report.csv as rows keyed by column (plain split: enough for the cells compared, which are quoted when needed). */
export async function reportRows(scan: Scan, stage: string): Promise<Array<Record<string, string>>> {
  const lines = parseCsv(await scan.stage(stage).readFile('report.csv'));
  const [header, ...rows] = lines;
  return rows.map((cells) => Object.fromEntries(header!.map((column, i) => [column, cells[i] ?? ''])));
}

/** RFC 4180: quoted cells may hold commas, doubled quotes and newlines. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else if (c !== '\r') cell += c;
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

/** Every JSON line of a stage's logs (`<scan>/<stage>/logs/*.jsonl`), oldest file first. */
export async function logLines(scan: Scan, stage: string): Promise<Array<Record<string, unknown>>> {
  const dir = scan.stage(stage).filePath('logs');
  if (!existsSync(dir)) return [];
  const lines: Array<Record<string, unknown>> = [];
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.jsonl')).sort()) {
    for (const line of (await readFile(path.join(dir, file), 'utf8')).split('\n')) {
      if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
    }
  }
  return lines;
}
