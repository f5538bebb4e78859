/**
 * Test support: compares what two runs left in a scan folder. Page files, book.json, book.md,
 * label/page-numbers.json and the prepared page images (by page, see {@link logicalName}) must be byte-identical, with named exceptions that are timestamps
 * (see {@link TIMESTAMP_FIELDS}); report.csv and checkpoint.jsonl must hold every page exactly once,
 * with the same values once timing columns are dropped (see {@link isTimingField}).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Fields that hold the wall-clock moment a file was written, so two correct runs differ in them:
 * metadata.json `createdAt`/`updatedAt` (when the scan was opened and last updated) and the correction
 * page's `createdAt` (when the model's answer was turned into the page).
 */
export const TIMESTAMP_FIELDS: Readonly<Record<string, readonly string[]>> = {
  'metadata.json': ['createdAt', 'updatedAt'],
  'correction/page': ['createdAt'],
};

/**
 * The metadata.json fields each stage writes. A case that reruns some stages compares metadata.json
 * on the fields of those stages (and of any stage it copied complete): the uninterrupted run's file
 * also holds what later stages added, e.g. the language the OCR stage's after() read, with its
 * `metadataSources`, which a `--stages source` run cannot have. Fields no stage here claims are
 * always compared.
 */
export const METADATA_FIELDS_BY_STAGE: Readonly<Record<string, readonly string[]>> = {
  source: ['scanId', 'totalPages', 'sourceFiles', 'dpi', 'sourceSettings'],
  ocr: ['title', 'author', 'year', 'publisher', 'isbn', 'language', 'metadataSources'],
};

/** metadata.json without the fields of the stages not in `stages` (see {@link METADATA_FIELDS_BY_STAGE}). */
export function metadataOfStages(metadata: Record<string, unknown>, stages: readonly string[]): Record<string, unknown> {
  const others = Object.entries(METADATA_FIELDS_BY_STAGE).flatMap(([stage, fields]) => (stages.includes(stage) ? [] : fields));
  return Object.fromEntries(Object.entries(metadata).filter(([k]) => !others.includes(k)));
}

/** Durations measured by the run (processingTimeSeconds, queueSeconds, osdSeconds...): they differ on every run. */
export const isTimingField = (name: string): boolean => /Seconds$|Ms$/.test(name);

/** Relative paths of the files under `dir`, sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

function dropKeys(value: unknown, keys: readonly string[]): unknown {
  if (Array.isArray(value)) return value.map((v) => dropKeys(v, keys));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => !keys.includes(k))
        .map(([k, v]) => [k, dropKeys(v, keys)]),
    );
  }
  return value;
}

/** report.csv as page -> row without timing columns; throws when a page has two rows. */
export function reportRows(csv: string, file: string): Map<number, Record<string, string>> {
  const [header, ...lines] = csv.trimEnd().split('\n');
  const columns = header!.split(',');
  const rows = new Map<number, Record<string, string>>();
  for (const line of lines) {
    // Values here hold no commas (paths of the eval files, numbers, names); a quoted field would break this.
    const cells = line.split(',');
    const row = Object.fromEntries(columns.map((c, i) => [c, cells[i] ?? '']).filter(([c]) => !isTimingField(c!)));
    const page = Number(row.pageNum);
    if (rows.has(page)) throw new Error(`${file}: page ${page} has two rows`);
    rows.set(page, row);
  }
  return rows;
}

/** checkpoint.jsonl as page -> metrics without timing fields; throws when a page has two lines. */
export function journalPages(text: string, file: string): Map<number, unknown> {
  const pages = new Map<number, unknown>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const entry = JSON.parse(line) as { type: string; page?: number; metrics?: Record<string, unknown> };
    if (entry.type !== 'page') continue;
    if (pages.has(entry.page!)) throw new Error(`${file}: page ${entry.page} journalled twice`);
    pages.set(entry.page!, Object.fromEntries(Object.entries(entry.metrics ?? {}).filter(([k]) => !isTimingField(k))));
  }
  return pages;
}

const PREPARED_IMAGES = `source${path.sep}.llm-images${path.sep}`;

/**
 * The stages whose run writes a file: a stage's own folder, except the page images the LLM stages prepare
 * into `source/.llm-images` (made by correction or label, never by the source stage).
 */
function ownerStages(file: string): string[] {
  return file.startsWith(PREPARED_IMAGES) ? ['correction', 'label'] : [file.split(path.sep)[0]!];
}

/**
 * A prepared page image (`page_0001.<key>.jpg`) by its page alone: the key hashes the source file's
 * identity (inode, mtime), which differs between two scans holding the same page; its bytes must not.
 * Anything else in the folder (a temp file a killed run left) keeps its name, so it shows as a difference.
 */
function logicalName(file: string): string {
  if (!file.startsWith(PREPARED_IMAGES)) return file;
  const page = /^(page_\d{4})\.[0-9a-f]+\.jpg$/.exec(file.slice(PREPARED_IMAGES.length));
  return page ? `${PREPARED_IMAGES}${page[1]}.jpg` : file;
}

/** A difference between the expected and the actual scan, for the test's failure message. */
export interface ScanDifference {
  file: string;
  problem: string;
}

/**
 * Compares scan folder `actual` with `expected` (the uninterrupted run): metadata.json (on the fields of
 * the stages in `only`, see {@link METADATA_FIELDS_BY_STAGE}) and the folders of the stages in `only`
 * (default: all). Logs are left out (one file per run, named by time). Returns the differences; empty
 * when the runs agree.
 */
export async function compareScans(expected: string, actual: string, only?: readonly string[]): Promise<ScanDifference[]> {
  const differences: ScanDifference[] = [];
  const keep = (f: string) =>
    !f.split(path.sep).includes('logs') &&
    !f.endsWith('.lock') &&
    (only === undefined || f === 'metadata.json' || ownerStages(f).some((s) => only.includes(s)));
  // Compared by logical name (a prepared image without its key), read by real name.
  const byName = async (dir: string) => new Map((await listFiles(dir)).filter(keep).map((f) => [logicalName(f), f] as const));
  const [wantFiles, gotFiles] = await Promise.all([byName(expected), byName(actual)]);
  const want = [...wantFiles.keys()];
  const got = [...gotFiles.keys()];
  for (const f of want.filter((f) => !gotFiles.has(f))) differences.push({ file: wantFiles.get(f)!, problem: 'missing' });
  for (const f of got.filter((f) => !wantFiles.has(f))) differences.push({ file: gotFiles.get(f)!, problem: 'not in the uninterrupted run' });
  for (const file of want.filter((f) => gotFiles.has(f))) {
    const [a, b] = await Promise.all([readFile(path.join(expected, wantFiles.get(file)!)), readFile(path.join(actual, gotFiles.get(file)!))]);
    const base = path.basename(file);
    if (base === 'report.csv') {
      const [ra, rb] = [reportRows(a.toString('utf8'), file), reportRows(b.toString('utf8'), file)];
      for (const page of new Set([...ra.keys(), ...rb.keys()])) {
        const [x, y] = [JSON.stringify(ra.get(page)), JSON.stringify(rb.get(page))];
        if (x !== y) differences.push({ file, problem: `page ${page} row differs (timing columns dropped): expected ${x}, got ${y}` });
      }
    } else if (base === 'checkpoint.jsonl') {
      try {
        const [ja, jb] = [journalPages(a.toString('utf8'), file), journalPages(b.toString('utf8'), file)];
        for (const page of new Set([...ja.keys(), ...jb.keys()])) {
          const [x, y] = [JSON.stringify(ja.get(page)), JSON.stringify(jb.get(page))];
          if (x !== y) differences.push({ file, problem: `page ${page} journalled differently (timing fields dropped): expected ${x}, got ${y}` });
        }
      } catch (error) {
        differences.push({ file, problem: (error as Error).message });
      }
    } else if (!a.equals(b)) {
      const timestamps =
        file === 'metadata.json'
          ? TIMESTAMP_FIELDS['metadata.json']
          : file.startsWith(`correction${path.sep}page_`)
            ? TIMESTAMP_FIELDS['correction/page']
            : undefined;
      const parse = (bytes: Buffer): unknown => {
        const value = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
        return file === 'metadata.json' && only !== undefined ? metadataOfStages(value, only) : value;
      };
      const [x, y] = timestamps === undefined ? [] : [JSON.stringify(dropKeys(parse(a), timestamps)), JSON.stringify(dropKeys(parse(b), timestamps))];
      if (x !== y || timestamps === undefined) {
        const also = file === 'metadata.json' && only !== undefined ? ` (fields of ${only.join(', ')})` : '';
        differences.push({ file, problem: timestamps ? `differs beyond ${timestamps.join(', ')}${also}: expected ${x}, got ${y}` : 'bytes differ' });
      }
    }
  }
  return differences;
}
