import { existsSync, lstatSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readBatchJournal } from '@bookpipe/book-pipeline/batch-journal';
import { BOOK_MD, SOURCE_STAGE } from '@bookpipe/contracts';
import { BookpipeError, type BookStorage, ErrorCode, loadConfig, type ScanMetadata } from '@bookpipe/core';
import { LOCK_FILE, openScan, type ScanLockInfo } from '@bookpipe/storage';
import { describeClean } from './clean-report.js';
import type { CliIo } from './cli-io.js';
import { KNOWN_STAGES } from './known-stages.js';
import { ExitCode } from './print-error.js';
import { shellQuote } from './resume-command.js';

export interface ScanFlags {
  /** @default BOOKPIPE_ROOT, else "./scans" */
  root?: string;
  json?: boolean;
}

/** The options of `bookpipe status`. */
export interface StatusFlags extends ScanFlags {
  /** Read every page in full (source images against their journalled SHA-256) and list missing pages; exit 1 when any is damaged or missing. */
  verify?: boolean;
}

/** Opens an existing scan. @throws BookpipeError SCAN_NOT_FOUND saying how to make it. */
async function existingScan(scanId: string, flags: ScanFlags, io: CliIo): Promise<BookStorage> {
  const root = flags.root ?? loadConfig(io.env).root;
  const scan = openScan({ root, scanId });
  if (!(await scan.exists())) {
    throw new BookpipeError(
      ErrorCode.SCAN_NOT_FOUND,
      `There is no scan "${scanId}" in ${scan.root}. Start one with \`bookpipe run <pdf-or-folder> --scan-id ${scanId}\`, or give --root.`,
      {
        details: { scanId, root: scan.root },
      },
    );
  }
  return scan;
}

/**
 * Folders that `bookpipe eval` and `bookpipe view` write into a scan. They look like stage folders on disk
 * but hold reports about the stages, not pages, so status, report and clean leave them out.
 */
const REPORT_FOLDERS: readonly string[] = ['eval', 'view'];

/** Stage folders of a scan, pipeline stages first in their order. */
async function stagesOf(scan: BookStorage): Promise<string[]> {
  const names = (await scan.stageNames()).filter((name) => !REPORT_FOLDERS.includes(name));
  const known = KNOWN_STAGES.filter((name) => names.includes(name));
  return [...known, ...names.filter((name) => !(KNOWN_STAGES as readonly string[]).includes(name))];
}

/**
 * metadata.json, or what is wrong with it: a corrupt file must not hide the rest of the scan's state,
 * which is what a user needs to see to decide how to repair it.
 */
async function readMetadataOrProblem(scan: BookStorage): Promise<{ metadata: ScanMetadata | undefined; problem: string | undefined }> {
  try {
    return { metadata: await scan.readMetadata(), problem: undefined };
  } catch (error) {
    if (BookpipeError.isInstance(error) && error.code === ErrorCode.FILE_CORRUPT) return { metadata: undefined, problem: error.message };
    throw error;
  }
}

/**
 * `bookpipe status <scanId>`: the scan's pages, each stage's progress and failures, the lock, book.md.
 * Pages are counted from the page files that validate (`checkpoint.status()`), not from the file names:
 * a garbage file is no done page. A corrupt metadata.json is reported, and the rest still shown. With
 * `--verify`, every page is read in full (a source image against the SHA-256 journalled when it was
 * made), pages journalled as done whose file is gone are listed, each with the command that redoes them,
 * and the exit code is 1 when anything is damaged or missing.
 */
export async function statusCommand(scanId: string, flags: StatusFlags, io: CliIo): Promise<number> {
  const scan = await existingScan(scanId, flags, io);
  const { metadata, problem } = await readMetadataOrProblem(scan);
  // Without readable metadata the source stage's page files say how many pages the scan has.
  const total = (metadata === undefined ? await scan.stage(SOURCE_STAGE).listPages() : await scan.pageNumbers()).length;
  const verify = flags.verify === true;
  // The stages' page files are checked side by side: the reads overlap instead of queueing stage by stage.
  const stages = await Promise.all(
    (await stagesOf(scan)).map(async (name) => {
      const status = await scan.stage(name).checkpoint.status({ verify });
      const invalidPages = status.invalidPages ?? [];
      const missingPages = status.missingPages ?? [];
      return {
        stage: name,
        pages: status.completedPages.length,
        complete: status.complete,
        failedPages: status.failedPages.map((f) => ({ page: f.page, error: f.error })),
        invalidPages,
        ...(verify ? { missingPages } : {}),
        ...(invalidPages.length + missingPages.length > 0 ? { nextStep: redoCommand(scanId, name, flags, metadata) } : {}),
        warnings: status.warnings ?? [],
      };
    }),
  );
  const damaged = stages.some((s) => s.invalidPages.length + (s.missingPages?.length ?? 0) > 0);
  const code = verify && damaged ? ExitCode.ERROR : ExitCode.OK;
  // A stage folder that is a symbolic link is no stage to storage (never followed): say why it is missing.
  const links = (await readdir(scan.dir, { withFileTypes: true })).filter((e) => e.isSymbolicLink()).map((e) => join(scan.dir, e.name));
  const lockPath = join(scan.dir, LOCK_FILE);
  const lock = existsSync(lockPath) ? (JSON.parse(await readFile(lockPath, 'utf8').catch(() => '{}')) as Partial<ScanLockInfo>) : undefined;
  const book = bookPath(scan);
  // Provider batches still running (journaled by `run --batch`): a rerun collects them.
  const batches = [];
  for (const name of await stagesOf(scan)) {
    const journal = await readBatchJournal(scan.stage(name)).catch(() => undefined);
    for (const entry of journal?.batches ?? []) {
      if (entry.state !== 'in_progress') continue;
      batches.push({
        stage: name,
        provider: entry.handle.provider,
        id: entry.handle.id,
        requests: entry.handle.requestIds.length,
        counts: entry.counts ?? null,
        submittedAt: entry.handle.submittedAt,
      });
    }
  }

  if (flags.json) {
    io.stdout.write(
      `${JSON.stringify(
        {
          scanId,
          dir: scan.dir,
          metadataProblem: problem ?? null,
          title: metadata?.title ?? null,
          totalPages: total,
          sourceFiles: metadata?.sourceFiles ?? [],
          verified: verify,
          stages,
          links,
          lock: lock ?? null,
          batches,
          bookMd: book,
        },
        null,
        2,
      )}\n`,
    );
    return code;
  }
  const out: string[] = [`Scan "${scanId}" in ${scan.dir}`];
  if (problem) out.push(`  metadata: ${problem}`);
  if (metadata?.title) out.push(`  title: ${metadata.title}`);
  out.push(`  pages: ${total}${metadata === undefined ? ' (counted from the source page files, since metadata.json cannot be read)' : ''}`);
  for (const file of metadata?.sourceFiles ?? []) out.push(`  source: ${file.path} (${file.pages} pages)`);
  if (stages.length === 0) out.push('  no stage has run yet');
  const width = Math.max(5, ...stages.map((s) => s.stage.length));
  for (const s of stages) {
    const state = s.complete ? 'complete' : s.failedPages.length > 0 ? `${s.failedPages.length} failed` : 'not complete';
    out.push(`  ${s.stage.padEnd(width)}  ${String(s.pages).padStart(String(total).length)}/${total} pages  ${state}`);
    for (const f of s.failedPages.slice(0, 10)) out.push(`    page ${f.page}: ${f.error}`);
    if (s.invalidPages.length > 0) {
      const shown = s.invalidPages.slice(0, 3).map((p) => `page ${p.page}: ${p.problem}`);
      out.push(
        `    ${s.invalidPages.length} page file${s.invalidPages.length === 1 ? ' is' : 's are'} damaged and not counted (${shown.join('; ')}${s.invalidPages.length > 3 ? '; ...' : ''}): the next run of the stage redoes them: \`${s.nextStep}\``,
      );
    }
    if (s.missingPages && s.missingPages.length > 0) {
      out.push(
        `    ${s.missingPages.length} page file${s.missingPages.length === 1 ? ' is' : 's are'} missing though journalled as done (${pageRuns(s.missingPages)}): the next run of the stage redoes them: \`${s.nextStep}\``,
      );
    }
    if (s.failedPages.length > 10) out.push(`    ... and ${s.failedPages.length - 10} more failed pages`);
    for (const w of s.warnings) out.push(`    note: ${w}`);
  }
  if (verify) out.push(damaged ? '  verify: damaged or missing pages found (above)' : '  verify: every page file read in full; all as written');
  for (const link of links)
    out.push(`  ${link} is a symbolic link, which bookpipe does not follow (nothing outside the scan is read, written or deleted): remove it (\`rm ${link}\`)`);
  if (lock)
    out.push(
      `  lock: held by pid ${lock.pid ?? '?'} on ${lock.hostname ?? '?'} since ${lock.startedAt ?? '?'} (a run is going on, or it was killed: the next run checks)`,
    );
  for (const b of batches) {
    const counts = b.counts
      ? `${b.counts.succeeded} answered, ${b.counts.failed} failed of ${b.counts.total} (${b.counts.providerStatus})`
      : `${b.requests} requests`;
    out.push(
      `  batch in flight: ${b.stage}, ${b.provider} ${b.id}: ${counts}, submitted ${formatAge(Date.now() - Date.parse(b.submittedAt))} ago; run again to collect it`,
    );
  }
  out.push(book ? `  book.md: ${book}` : '  book.md: not written yet');
  io.stdout.write(`${out.join('\n')}\n`);
  return code;
}

/**
 * The command that redoes a stage's damaged or missing pages: a run of that stage alone. The source
 * stage needs its inputs (from metadata.json; a source page is made again only from an unchanged input,
 * which the run checks); a later stage reads the scan alone.
 */
export function redoCommand(scanId: string, stage: string, flags: ScanFlags, metadata: ScanMetadata | undefined): string {
  const inputs =
    stage === SOURCE_STAGE
      ? metadata?.sourceFiles && metadata.sourceFiles.length > 0
        ? `${metadata.sourceFiles.map((f) => shellQuote(f.path)).join(' ')} `
        : "<the book's PDF or page images> "
      : '';
  return `bookpipe run ${inputs}--scan-id ${shellQuote(scanId)}${flags.root === undefined ? '' : ` --root ${shellQuote(flags.root)}`} --stages ${stage}`;
}

/** "3", "1-4, 7". */
function pageRuns(pages: readonly number[]): string {
  const runs: string[] = [];
  for (let i = 0; i < pages.length; ) {
    let j = i;
    while (j + 1 < pages.length && pages[j + 1] === pages[j]! + 1) j++;
    runs.push(j > i ? `pages ${pages[i]}-${pages[j]}` : `page ${pages[i]}`);
    i = j + 1;
  }
  return runs.join(', ');
}

/** "3 h 12 min", "5 min", "40 s": how long a batch has been at the provider. */
function formatAge(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** `bookpipe report <scanId> --stage <name>`: the stage's report.csv, as a table on a terminal, as CSV in a pipe. */
export async function reportCommand(scanId: string, flags: ScanFlags & { stage: string }, io: CliIo): Promise<number> {
  const scan = await existingScan(scanId, flags, io);
  const stage = scan.stage(flags.stage);
  let csv: string;
  try {
    csv = await stage.readFile('report.csv');
  } catch (error) {
    if (BookpipeError.isInstance(error) && error.code === ErrorCode.DEPENDENCY_MISSING) {
      const known = await stagesOf(scan);
      throw new BookpipeError(
        ErrorCode.DEPENDENCY_MISSING,
        `Stage "${flags.stage}" of scan "${scanId}" has no report (${stage.filePath('report.csv')}): it is written when the stage finishes. ${known.length > 0 ? `Stages of this scan: ${known.join(', ')}.` : 'No stage has run yet.'}`,
        { details: { scanId, stage: flags.stage } },
      );
    }
    throw error;
  }
  if (flags.json) {
    const [header = '', ...rows] = csv.trimEnd().split('\n');
    const columns = header.split(',');
    const records = rows.map((row) => Object.fromEntries(parseCsvRow(row).map((cell, i) => [columns[i] ?? `column${i + 1}`, csvValue(cell)])));
    io.stdout.write(`${JSON.stringify(records, null, 2)}\n`);
  } else if (io.stdout.isTTY) {
    io.stdout.write(`${stage.filePath('report.csv')}\n${alignTable(csv)}`);
  } else {
    io.stdout.write(csv);
  }
  return ExitCode.OK;
}

/**
 * `bookpipe clean <scanId> --stage <name>`: removes what each stage owns (`StageStorage.clean()`, the clean of `run --clean`
 * too) under the scan's lock, and prints what went and what was left.
 */
export async function cleanCommand(scanId: string, flags: ScanFlags & { stage: string }, io: CliIo): Promise<number> {
  const scan = await existingScan(scanId, flags, io);
  const names = flags.stage
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const existing = await scan.stageNames();
  // A stage folder that is a symbolic link is no stage of the scan's, but it is there: its clean refuses
  // it with the same words as `run --clean` (one clean for both), rather than "no such stage".
  const unknown = names.filter((name) => !existing.includes(name) && !entryExists(scan.stage(name).dir));
  if (unknown.length > 0) {
    throw new BookpipeError(
      ErrorCode.CONFIG_INVALID,
      `Scan "${scanId}" has no stage ${unknown.map((n) => `"${n}"`).join(', ')}. Its stages: ${existing.join(', ') || 'none'}.`,
      {
        details: { scanId, stages: unknown },
      },
    );
  }
  const lock = await scan.acquireLock();
  try {
    for (const name of names) io.stdout.write(`${describeClean(await scan.stage(name).clean())}\n`);
  } finally {
    await lock.release();
  }
  const later = KNOWN_STAGES.slice(Math.min(...names.map((n) => KNOWN_STAGES.indexOf(n as never)).filter((i) => i >= 0)) + 1).filter(
    (n) => existing.includes(n) && !names.includes(n),
  );
  if (later.length > 0)
    io.stdout.write(
      `Stages made from it keep their outputs: ${later.join(', ')}. Clean them too (--stage ${later.join(',')}) to redo them from the new ones.\n`,
    );
  return ExitCode.OK;
}

/** merge/book.md when it is there; none when the merge folder is a symbolic link (reported with the links). */
function bookPath(scan: BookStorage): string | null {
  let path: string;
  try {
    path = scan.stage('merge').filePath(BOOK_MD);
  } catch {
    return null;
  }
  return existsSync(path) ? path : null;
}

/** Whether a path exists, as itself (a link counts, whether or not it points anywhere). */
function entryExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** A report cell as JSON: empty -> null, numbers and booleans as such, the rest as text. */
function csvValue(cell: string): string | number | boolean | null {
  if (cell === '') return null;
  if (cell === 'true' || cell === 'false') return cell === 'true';
  const n = Number(cell);
  return Number.isFinite(n) && /^-?\d/.test(cell) ? n : cell;
}

/** Splits one RFC 4180 row (quoted cells may hold commas and doubled quotes). */
export function parseCsvRow(row: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < row.length; i += 1) {
    const char = row[i]!;
    if (quoted) {
      if (char === '"' && row[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      cells.push(cell);
      cell = '';
    } else cell += char;
  }
  cells.push(cell);
  return cells;
}

/** A CSV as columns aligned with spaces, for reading on a terminal. */
export function alignTable(csv: string): string {
  const rows = csv.trimEnd().split('\n').map(parseCsvRow);
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return `${rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}
