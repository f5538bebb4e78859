import { readFileSync, type Dirent } from 'node:fs';
import { open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { ZodType } from 'zod';
import { BookpipeError, ErrorCode, pageFileName, parsePageFileName, type Logger, type PageFormat, type StageStorage, type StageStorageOptions, mapLimit } from '@bookpipe/core';
import { parseTempFileName, writeFileAtomic, type FileStamp } from './atomic-write.js';
import { CheckpointJournal } from './checkpoint-journal.js';
import { bumpCleanGeneration, cleanGeneration } from './clean-generation.js';
import { FsCheckpointManager } from './fs-checkpoint-manager.js';
import { PNG_HEAD_BYTES, PNG_TAIL_BYTES, checkJsonPage, formatIssues, pngProblem, pngProblemFromEnds } from './page-validation.js';
import { isProcessAlive } from './process-alive.js';
import { resolveInside } from './safe-path.js';
import { errnoCode, toStorageError } from './storage-error.js';

/** The journal's file name inside a stage folder. */
export const CHECKPOINT_FILE = 'checkpoint.jsonl';
/** Stage files that `clean()` keeps: the logs of earlier runs (and of the run that is cleaning). */
const KEPT_ON_CLEAN = new Set(['logs']);
/** Files removed at once by `clean()`. */
const CLEAN_CONCURRENCY = 16;

/** Result of checking one page file against the stage's format and schema; `size` is the file's byte length. */
export type PageCheck = { ok: true; size: number } | { ok: false; missing: boolean; problem: string };

export interface FsStageStorageInit extends StageStorageOptions {
  scanId: string;
  stageName: string;
  dir: string;
  logger: Logger;
  now: () => Date;
  /** Page numbers of the scan, the default of `remainingPages()`. */
  pageNumbers: () => Promise<number[]>;
}

/** One stage folder on the filesystem: page files, the checkpoint journal and stage-level files. */
export class FsStageStorage implements StageStorage {
  readonly stageName: string;
  readonly dir: string;
  readonly pageFormat: PageFormat;
  readonly checkpoint: FsCheckpointManager;
  readonly #scanId: string;
  readonly #schema: ZodType | undefined;
  readonly #metricsSchema: ZodType | undefined;
  readonly #journal: CheckpointJournal;
  /**
   * Page files known to be valid, by the stamp (inode, size, mtime, birth time) they had when checked or written.
   * A second check of an unchanged file costs one `stat` instead of a read and a parse.
   */
  readonly #valid = new Map<number, FileStamp>();
  #validGeneration: number;

  constructor(init: FsStageStorageInit) {
    this.stageName = init.stageName;
    this.dir = init.dir;
    this.pageFormat = init.pageFormat ?? 'json';
    this.#scanId = init.scanId;
    this.#schema = init.schema;
    this.#metricsSchema = init.metricsSchema;
    this.#validGeneration = cleanGeneration(init.dir);
    const logger = init.logger;
    this.#journal = new CheckpointJournal(join(this.dir, CHECKPOINT_FILE), {
      scanId: init.scanId,
      stage: init.stageName,
      now: init.now,
      onWarning: (w) => logger.warn('checkpoint journal damaged', { scanId: init.scanId, stage: init.stageName, line: w.line, warning: w.message }),
    });
    this.checkpoint = new FsCheckpointManager({
      stage: this,
      journal: this.#journal,
      scanId: init.scanId,
      logger,
      pageNumbers: init.pageNumbers,
    });
  }

  /** Page numbers with a page file of this stage's format, sorted; temp files and other files are not pages. */
  async listPages(): Promise<number[]> {
    return (await this.listFiles()).pages;
  }

  /** Page numbers with a file, and temp files left in the folder, in one `readdir`. @internal */
  async listFiles(): Promise<{ pages: number[]; temps: string[] }> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return { pages: [], temps: [] };
      throw this.#storageError(error, 'list', this.dir);
    }
    const ext = this.pageFormat;
    const pages: number[] = [];
    const temps: string[] = [];
    for (const name of names) {
      const page = parsePageFileName(name, ext);
      if (page !== undefined) pages.push(page);
      else if (parseTempFileName(name)) temps.push(name);
    }
    return { pages: pages.sort((a, b) => a - b), temps };
  }

  /**
   * Removes temp files whose writer is dead (a crash between writing and renaming). Best effort:
   * they are hidden from listings anyway. Resume first gives `adoptTempFile` its chance: a temp file
   * may hold a page that was journalled but not yet renamed into place. @internal
   */
  async removeDeadTempFiles(temps: readonly string[]): Promise<void> {
    for (const name of temps) {
      const pid = parseTempFileName(name)?.pid;
      if (pid === undefined || pid === process.pid || isProcessAlive(pid)) continue;
      await rm(join(this.dir, name), { force: true }).catch(() => {});
    }
  }

  /**
   * Renames into place the temp file of `page` that a dead process wrote, journalled (its size is `bytes`,
   * the journal record's) but did not rename: the process stopped between the journal append and the
   * rename. The temp file must be complete and valid (schema for JSON, a complete PNG). Returns the temp
   * file's name when one was adopted, else undefined (the page is then redone). A journal record without
   * `bytes` was written by an older version, which renamed before journalling: its temp files are never
   * the journalled page, so nothing is adopted. @internal
   */
  async adoptTempFile(page: number, temps: readonly string[], bytes: number | undefined): Promise<string | undefined> {
    if (bytes === undefined) return undefined;
    const target = this.#fileName(page);
    const path = this.pagePath(page);
    for (const name of temps) {
      const temp = parseTempFileName(name);
      if (!temp || temp.target !== target || temp.pid === process.pid || isProcessAlive(temp.pid)) continue;
      const tmp = join(this.dir, name);
      try {
        const content = readFileSync(tmp);
        if (content.length !== bytes) continue;
        const valid = this.pageFormat === 'json' ? checkJsonPage(content.toString('utf8'), this.#schema).ok : pngProblem(content) === undefined;
        if (!valid) continue;
        await rename(tmp, path);
      } catch (error) {
        // Gone in between (another resume adopted it) or unreadable: not this one.
        if (errnoCode(error) === 'ENOENT') continue;
        throw this.#storageError(error, 'adopt', tmp, page);
      }
      this.#valid.delete(page);
      return name;
    }
    return undefined;
  }

  /** `<stage>/page_0001.json` (or `.png`). @throws BookpipeError PAGE_INVALID for a page number that is not an integer from 1. */
  pagePath(page: number): string {
    return join(this.dir, this.#fileName(page));
  }

  /**
   * Reads and validates a page against `schema`, else the stage's schema. A PNG stage returns the
   * bytes, checked to be a complete PNG.
   * @throws BookpipeError DEPENDENCY_MISSING ("Run the <stage> stage first") or PAGE_INVALID naming the file.
   */
  async loadPage<T = unknown>(page: number, schema?: ZodType<T>): Promise<T> {
    const path = this.pagePath(page);
    if (this.pageFormat !== 'json') return (await this.loadPageBytes(page)) as T;
    const text = await this.#read(path, page, 'utf8');
    const check = checkJsonPage(text, schema ?? this.#schema);
    if (!check.ok) throw this.#pageInvalid(page, path, check.problem);
    return check.value as T;
  }

  /** The page file's bytes; for a PNG stage, checked to be a complete PNG. Same errors as `loadPage`. */
  async loadPageBytes(page: number): Promise<Uint8Array> {
    const path = this.pagePath(page);
    const bytes = await this.#read(path, page);
    if (this.pageFormat === 'png') {
      const problem = pngProblem(bytes);
      if (problem) throw this.#pageInvalid(page, path, problem);
    }
    return bytes;
  }

  /**
   * Validates the page (what will be on disk: the JSON text against the schema, or a complete PNG) and
   * its metrics, then writes it: temp file + fsync, journal record (metrics and byte length) written,
   * rename into place. So a page file never exists without its metrics: a crash before the rename leaves
   * a journalled page with a complete temp file, which resume renames into place (`adoptTempFile`).
   * Nothing is written when validation fails, and a failed write or journal append leaves the previous
   * file as it was.
   * @throws BookpipeError PAGE_INVALID (the page is refused) or STORAGE_ERROR (the disk refused).
   */
  async savePage(page: number, data: unknown, metrics: Record<string, unknown> & { pageNum: number }): Promise<void> {
    const path = this.pagePath(page);
    const refuse = (problem: string) =>
      new BookpipeError(
        ErrorCode.PAGE_INVALID,
        `Page ${page} of stage "${this.stageName}" in scan "${this.#scanId}" was not saved: ${problem}. ${path} is left as it was.`,
        { details: { scanId: this.#scanId, stage: this.stageName, page, file: path } },
      );
    if (metrics?.pageNum !== page) throw refuse(`its metrics say pageNum ${JSON.stringify(metrics?.pageNum)}`);
    try {
      JSON.stringify(metrics);
    } catch (error) {
      throw refuse(`its metrics cannot be journalled as JSON (${(error as Error).message})`);
    }
    if (this.#metricsSchema) {
      const parsed = this.#metricsSchema.safeParse(metrics);
      if (!parsed.success) throw refuse(`its metrics do not match the stage's checkpoint schema: ${formatIssues(parsed.error.issues)}`);
    }
    let content: string | Uint8Array;
    if (this.pageFormat === 'json') {
      let text: string | undefined;
      try {
        // Compact: an OCR page with its word boxes is 3x smaller than indented (19 KB against 58 KB), and
        // every later stage reads it. Readers parse JSON, so files written indented before read the same.
        text = JSON.stringify(data) as string | undefined;
      } catch (error) {
        throw refuse(`it cannot be written as JSON (${(error as Error).message})`);
      }
      if (text === undefined) throw refuse(`it cannot be written as JSON (got ${typeof data})`);
      // Validate what will be on disk, not the object: a Date or NaN changes on the way through JSON,
      // and a file that fails its schema on resume would be redone forever.
      const check = checkJsonPage(text, this.#schema);
      if (!check.ok) throw refuse(check.problem.replace(/^it /, 'the page '));
      content = text + '\n';
    } else {
      if (!(data instanceof Uint8Array)) throw refuse(`a ${this.pageFormat} page must be bytes (a Uint8Array or Buffer), got ${typeof data}`);
      const problem = pngProblem(data);
      if (problem) throw refuse(problem.replace(/^it /, 'the image '));
      content = data;
    }
    let stamp: FileStamp;
    let journalled = false;
    try {
      stamp = await writeFileAtomic(path, content, {
        beforeRename: async ({ size }) => {
          await this.#journal.append({ type: 'page', page, metrics, bytes: size });
          journalled = true;
        },
      });
    } catch (error) {
      this.#valid.delete(page);
      if (journalled) {
        // Journalled, then the rename failed (rare: same folder): say so now rather than at the next resume.
        const detail = `its file could not be renamed into place after it was journalled (${errnoCode(error) ?? String(error)}); it will be redone`;
        await this.#journal.append({ type: 'repair', page, problem: 'file-missing', detail }).catch(() => {});
      }
      throw this.#storageError(error, 'write', path, page);
    }
    this.#dropCacheIfCleaned();
    this.#valid.set(page, stamp);
  }

  /**
   * Whether a page file exists and validates (schema for JSON, a complete PNG for PNG). An unchanged
   * file that was valid before is not read again. @internal
   */
  async checkPage(page: number): Promise<PageCheck> {
    const path = this.pagePath(page);
    let st: FileStamp;
    try {
      st = await stat(path);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return { ok: false, missing: true, problem: 'its file is missing' };
      throw this.#storageError(error, 'check', path, page);
    }
    this.#dropCacheIfCleaned();
    const known = this.#valid.get(page);
    if (known && known.ino === st.ino && known.size === st.size && known.mtimeMs === st.mtimeMs && known.birthtimeMs === st.birthtimeMs) return { ok: true, size: st.size };
    let problem: string | undefined;
    try {
      if (this.pageFormat === 'png') {
        const handle = await open(path, 'r');
        try {
          const head = Buffer.alloc(PNG_HEAD_BYTES);
          const tail = Buffer.alloc(PNG_TAIL_BYTES);
          await handle.read(head, 0, head.length, 0);
          await handle.read(tail, 0, tail.length, Math.max(0, st.size - PNG_TAIL_BYTES));
          problem = pngProblemFromEnds(head, tail, st.size);
        } finally {
          await handle.close();
        }
      } else {
        const check = checkJsonPage(readFileSync(path, 'utf8'), this.#schema);
        problem = check.ok ? undefined : check.problem;
      }
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return { ok: false, missing: true, problem: 'its file is missing' };
      throw this.#storageError(error, 'check', path, page);
    }
    if (problem) {
      this.#valid.delete(page);
      return { ok: false, missing: false, problem };
    }
    this.#valid.set(page, { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, birthtimeMs: st.birthtimeMs });
    return { ok: true, size: st.size };
  }

  /** `<stage>/<name>`; `name` may hold sub-folders but not leave the stage folder. @throws BookpipeError INPUT_INVALID */
  filePath(name: string): string {
    return resolveInside(this.dir, name, `file name for stage "${this.stageName}"`);
  }

  /** Atomic write of a stage-level file, creating sub-folders. Page files and the journal are refused. Returns the path. */
  async writeFile(name: string, content: string | Uint8Array): Promise<string> {
    const path = this.filePath(name);
    if (name === CHECKPOINT_FILE || parsePageFileName(name, this.pageFormat) !== undefined) {
      throw new BookpipeError(
        ErrorCode.INPUT_INVALID,
        `Refused to overwrite ${path} with writeFile: page files go through savePage and the journal through the checkpoint manager.`,
        { details: { scanId: this.#scanId, stage: this.stageName, file: path } },
      );
    }
    try {
      await writeFileAtomic(path, content);
    } catch (error) {
      throw this.#storageError(error, 'write', path);
    }
    return path;
  }

  /** Reads a stage-level file as UTF-8. @throws BookpipeError DEPENDENCY_MISSING when it does not exist. */
  async readFile(name: string): Promise<string> {
    const path = this.filePath(name);
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') {
        throw new BookpipeError(
          ErrorCode.DEPENDENCY_MISSING,
          `File ${path} of stage "${this.stageName}" in scan "${this.#scanId}" does not exist. Run the ${this.stageName} stage first.`,
          { details: { scanId: this.#scanId, stage: this.stageName, file: path } },
        );
      }
      throw this.#storageError(error, 'read', path);
    }
  }

  /**
   * Removes page files, the journal, temp files and stage-level files. Keeps `logs/`: the run that cleans
   * may already be logging there (Pipeline with `resume: false`), and old logs are history, not output.
   */
  async clean(): Promise<void> {
    let entries: Dirent[];
    try {
      entries = await readdir(this.dir, { withFileTypes: true });
    } catch (error) {
      if (errnoCode(error) !== 'ENOENT') throw this.#storageError(error, 'list', this.dir);
      entries = [];
    }
    // Several at a time, and a plain file with one unlink (rm would lstat it first): 400 page files
    // went one by one in 0.1-3 s on a busy disk.
    await mapLimit(entries.filter((entry) => !KEPT_ON_CLEAN.has(entry.name)), CLEAN_CONCURRENCY, async (entry) => {
      const path = join(this.dir, entry.name);
      try {
        if (entry.isFile()) await unlink(path);
        else await rm(path, { recursive: true, force: true });
      } catch (error) {
        if (errnoCode(error) !== 'ENOENT') throw this.#storageError(error, 'remove', path);
      }
    });
    bumpCleanGeneration(this.dir);
    this.#dropCacheIfCleaned();
  }

  /** Forgets which files were valid when this folder was cleaned since (by any object in this process). */
  #dropCacheIfCleaned(): void {
    const generation = cleanGeneration(this.dir);
    if (generation === this.#validGeneration) return;
    this.#valid.clear();
    this.#validGeneration = generation;
  }

  #fileName(page: number): string {
    try {
      return pageFileName(page, this.pageFormat);
    } catch {
      throw new BookpipeError(
        ErrorCode.PAGE_INVALID,
        `Page number ${JSON.stringify(page)} of stage "${this.stageName}" in scan "${this.#scanId}" is not an integer from 1.`,
        { details: { scanId: this.#scanId, stage: this.stageName, page } },
      );
    }
  }

  /**
   * A JSON page is read synchronously: it is small (an OCR page with its word boxes is ~25 KB), so the
   * read blocks for tens of microseconds, whereas `fs/promises` makes four trips to the thread pool (open,
   * fstat, read, close), each a thread wake-up that a busy machine makes the caller wait for: reading the
   * merge bench's 1,200 input pages took 260-490 ms of CPU this way against 570-790 ms. PNG pages (MBs)
   * stay asynchronous.
   */
  async #read(path: string, page: number): Promise<Buffer>;
  async #read(path: string, page: number, encoding: 'utf8'): Promise<string>;
  async #read(path: string, page: number, encoding?: 'utf8'): Promise<Buffer | string> {
    try {
      if (this.pageFormat === 'json') return encoding ? readFileSync(path, encoding) : readFileSync(path);
      return encoding ? await readFile(path, encoding) : await readFile(path);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') {
        throw new BookpipeError(
          ErrorCode.DEPENDENCY_MISSING,
          `Page ${page} of stage "${this.stageName}" is missing in scan "${this.#scanId}" (${path}). Run the ${this.stageName} stage first.`,
          { details: { scanId: this.#scanId, stage: this.stageName, page, file: path } },
        );
      }
      throw this.#storageError(error, 'read', path, page);
    }
  }

  #pageInvalid(page: number, path: string, problem: string): BookpipeError {
    return new BookpipeError(
      ErrorCode.PAGE_INVALID,
      `Page ${page} of stage "${this.stageName}" in scan "${this.#scanId}" is invalid: ${problem} (${path}). Run the ${this.stageName} stage again: it redoes invalid pages.`,
      { details: { scanId: this.#scanId, stage: this.stageName, page, file: path } },
    );
  }

  #storageError(error: unknown, action: string, path: string, page?: number): BookpipeError {
    return toStorageError(error, { action, path, scanId: this.#scanId, stage: this.stageName, ...(page === undefined ? {} : { page }) });
  }
}
