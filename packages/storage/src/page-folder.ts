import { createHash } from 'node:crypto';
import { closeSync, constants, lstatSync, openSync, readFileSync } from 'node:fs';
import { lstat, open, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { BookpipeError, type CleanReport, ErrorCode, type PageFormat, pageFileName, parsePageFileName } from '@bookpipe/core';
import type { ZodType } from 'zod';
import { type FileStamp, parseTempFileName, writeFileAtomic } from './atomic-write.js';
import { bumpCleanGeneration, cleanGeneration } from './clean-generation.js';
import { withKeyLock } from './keyed-mutex.js';
import { assertNoLink, isLinkError, linkRefused, O_NOFOLLOW } from './no-follow.js';
import { checkJsonPage, PNG_HEAD_BYTES, PNG_TAIL_BYTES, pngProblem, pngProblemFromEnds } from './page-validation.js';
import { isProcessAlive } from './process-alive.js';
import { cleanStageFolder, KEPT_ON_CLEAN } from './stage-clean.js';
import { readStageFile, STAGE_FILE, type StageFile, stageFileText } from './stage-file.js';
import { errnoCode, toStorageError } from './storage-error.js';
import { syncDir } from './sync-dir.js';

/** Result of checking one page file against the folder's format and schema; `size` is the file's byte length. */
export type PageCheck = { ok: true; size: number } | { ok: false; missing: boolean; problem: string; damaged?: true };

/** What is in the folder, from one `readdir`: page numbers with a file, and temp files left by writers. */
export interface FolderListing {
  pages: number[];
  temps: string[];
}

export interface PageFolderInit {
  dir: string;
  format: PageFormat;
  /** Validates JSON page files; without one, any parseable JSON is a valid page. */
  schema: ZodType | undefined;
  /** For error messages. */
  scanId: string;
  stageName: string;
}

/**
 * The page files of one stage folder, and nothing else: listing them, checking them (with a cache of
 * the files known to be valid), writing them atomically, adopting the temp file a dead writer left and
 * sweeping the others, and emptying the folder. It knows nothing of the journal: `FsStageStorage` puts
 * the journal append between the temp file and the rename (`write`'s `beforeRename`), and
 * `FsCheckpointManager` decides from the journal which page to check, adopt or redo. Both hold the same
 * `PageFolder`, so neither reaches into the other.
 */
export class PageFolder {
  readonly dir: string;
  readonly format: PageFormat;
  readonly #schema: ZodType | undefined;
  readonly #scanId: string;
  readonly #stageName: string;
  /**
   * Page files known to be valid, by the stamp (inode, size, mtime, birth time) they had when checked or written.
   * A second check of an unchanged file costs one `stat` instead of a read and a parse.
   */
  readonly #valid = new Map<number, FileStamp & { sha256?: string }>();
  #validGeneration: number;
  /** `stage.json` checked or written, in the folder as it was at that clean generation. */
  #formatRecorded: { generation: number; done: Promise<void> } | undefined;
  /** Stage-level entries known to be recorded in `stage.json` as the stage's, at that clean generation. */
  #owned: { generation: number; names: Set<string> } | undefined;

  constructor(init: PageFolderInit) {
    this.dir = init.dir;
    this.format = init.format;
    this.#schema = init.schema;
    this.#scanId = init.scanId;
    this.#stageName = init.stageName;
    this.#validGeneration = cleanGeneration(init.dir);
  }

  /**
   * Throws when the stage folder is a symbolic link: storage never follows a link it did not create, so
   * that nothing outside the scan is read, written or deleted through it. One `lstat`.
   */
  assertReal(action: string): void {
    assertNoLink(dirname(this.dir), this.dir, { scanId: this.#scanId, stage: this.#stageName, action });
  }

  /** Page numbers with a file of this folder's format (sorted), and temp files, in one `readdir`. Other files are neither. */
  async list(): Promise<FolderListing> {
    this.assertReal('list');
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return { pages: [], temps: [] };
      throw this.storageError(error, 'list', this.dir);
    }
    const pages: number[] = [];
    const temps: string[] = [];
    for (const name of names) {
      const page = parsePageFileName(name, this.format);
      if (page !== undefined) pages.push(page);
      else if (parseTempFileName(name)) temps.push(name);
    }
    return { pages: pages.sort((a, b) => a - b), temps };
  }

  /** `page_0001.json` (or `.png`). @throws BookpipeError PAGE_INVALID for a page number that is not an integer from 1. */
  fileName(page: number): string {
    try {
      return pageFileName(page, this.format);
    } catch {
      throw new BookpipeError(
        ErrorCode.PAGE_INVALID,
        `Page number ${JSON.stringify(page)} of stage "${this.#stageName}" in scan "${this.#scanId}" is not an integer from 1.`,
        { details: { scanId: this.#scanId, stage: this.#stageName, page } },
      );
    }
  }

  pagePath(page: number): string {
    return join(this.dir, this.fileName(page));
  }

  /** Whether `name` is a page file name of this folder's format. */
  isPageFile(name: string): boolean {
    return parsePageFileName(name, this.format) !== undefined;
  }

  /**
   * A page file's bytes or text. A JSON page is read synchronously: it is small (an OCR page with its
   * word boxes is ~25 KB), so the read blocks for tens of microseconds, whereas `fs/promises` makes four
   * trips to the thread pool (open, fstat, read, close), each a thread wake-up that a busy machine makes
   * the caller wait for: reading the merge bench's 1,200 input pages took 260-490 ms of CPU this way
   * against 570-790 ms. PNG pages (MBs) stay asynchronous.
   * @throws BookpipeError DEPENDENCY_MISSING ("Run the <stage> stage first") or STORAGE_ERROR.
   */
  async read(page: number): Promise<Buffer>;
  async read(page: number, encoding: 'utf8'): Promise<string>;
  async read(page: number, encoding?: 'utf8'): Promise<Buffer | string> {
    const path = this.pagePath(page);
    this.assertReal('read');
    try {
      // O_NOFOLLOW: a page file that is a link to a file outside the scan is refused, not read.
      if (this.format === 'json') {
        const fd = openSync(path, constants.O_RDONLY | O_NOFOLLOW);
        try {
          return encoding ? readFileSync(fd, encoding) : readFileSync(fd);
        } finally {
          closeSync(fd);
        }
      }
      const handle = await open(path, constants.O_RDONLY | O_NOFOLLOW);
      try {
        return encoding ? await handle.readFile(encoding) : await handle.readFile();
      } finally {
        await handle.close();
      }
    } catch (error) {
      if (isLinkError(error)) throw linkRefused(path, { scanId: this.#scanId, stage: this.#stageName, action: 'read' });
      if (errnoCode(error) === 'ENOENT') {
        throw new BookpipeError(
          ErrorCode.DEPENDENCY_MISSING,
          `Page ${page} of stage "${this.#stageName}" is missing in scan "${this.#scanId}" (${path}). Run the ${this.#stageName} stage first.`,
          { details: { scanId: this.#scanId, stage: this.#stageName, page, file: path } },
        );
      }
      throw this.storageError(error, 'read', path, page);
    }
  }

  /**
   * Writes a page file atomically (temp file + fsync + rename, see `writeFileAtomic`), `beforeRename`
   * running between the fsync and the rename, and remembers it as valid: the caller validated it.
   * The folder's fsync after the rename is started, not waited for: `syncRenames()` waits for it,
   * once for every page written before (the journal has the page's record before its rename anyway,
   * and a killed process loses nothing the OS holds). Saving a page waited for it before: with 16
   * pages at a time, 400 merge pages queued behind ~125 folder fsyncs.
   * Raw filesystem errors (and `beforeRename`'s) are thrown; the page is then forgotten as valid.
   */
  async write(page: number, content: string | Uint8Array, beforeRename?: (stamp: FileStamp) => Promise<void>, sha256?: string): Promise<void> {
    let stamp: FileStamp;
    this.assertReal('write');
    try {
      stamp = await writeFileAtomic(this.pagePath(page), content, { syncDir: 'background', ...(beforeRename ? { beforeRename } : {}) });
    } catch (error) {
      this.#valid.delete(page);
      throw error;
    }
    this.#dropCacheIfCleaned();
    this.#valid.set(page, sha256 === undefined ? stamp : { ...stamp, sha256 });
  }

  /** Waits until every page renamed into place before the call survives a power cut (one folder fsync, shared). */
  syncRenames(): Promise<void> {
    return syncDir(this.dir);
  }

  /**
   * Makes sure `stage.json` says this folder's format before a page is written: writes it when missing
   * (the stage's first page, or a scan from before the format was recorded), once per folder and clean.
   * @throws BookpipeError STORAGE_ERROR when the folder's pages are recorded in another format (two
   *   stages of one name, or a stage whose format changed: clean the stage first), or the write failed.
   */
  recordFormat(): Promise<void> {
    const generation = cleanGeneration(this.dir);
    if (this.#formatRecorded?.generation !== generation) {
      const done = this.#recordFormat();
      this.#formatRecorded = { generation, done };
      // A failed write is tried again by the next save, not remembered.
      done.catch(() => {
        if (this.#formatRecorded?.done === done) this.#formatRecorded = undefined;
      });
    }
    return this.#formatRecorded!.done;
  }

  async #recordFormat(): Promise<void> {
    this.assertReal('write');
    const path = join(this.dir, STAGE_FILE);
    await withKeyLock(path, async () => {
      const current = readStageFile(this.dir);
      this.#checkFormat(path, current);
      if (current?.pageFormat !== this.format) await this.#writeStageFile(path, current, { pageFormat: this.format });
    });
  }

  #checkFormat(path: string, current: StageFile | undefined): void {
    const recorded = current?.pageFormat;
    if (recorded === this.format || recorded === undefined) return;
    throw new BookpipeError(
      ErrorCode.STORAGE_ERROR,
      `Stage "${this.#stageName}" of scan "${this.#scanId}" holds ${recorded} pages (${path}), but this stage writes ${this.format} pages. ` +
        `Give the stage another name, or clean the old one first (\`bookpipe clean ${this.#scanId} --stage ${this.#stageName}\`).`,
      { details: { scanId: this.#scanId, stage: this.#stageName, file: path, recorded, format: this.format } },
    );
  }

  async #writeStageFile(path: string, current: StageFile | undefined, update: StageFile): Promise<void> {
    try {
      await writeFileAtomic(path, stageFileText(current, update));
    } catch (error) {
      throw this.storageError(error, 'write', path);
    }
  }

  /**
   * Records in `stage.json` that the stage writes the stage-level entry `name` ("report.csv"; a file in
   * a sub-folder by the sub-folder's name), before it is written: `clean` removes what is recorded and
   * leaves what is not (a user's file). Once per entry and clean in this process.
   */
  async recordOwned(name: string): Promise<void> {
    const top = name.split(/[\\/]/)[0]!;
    if (KEPT_ON_CLEAN.has(top)) return;
    const generation = cleanGeneration(this.dir);
    if (this.#owned?.generation !== generation) this.#owned = { generation, names: new Set() };
    const known = this.#owned.names;
    if (known.has(top)) return;
    const path = join(this.dir, STAGE_FILE);
    await withKeyLock(path, async () => {
      const current = readStageFile(this.dir);
      if (!current?.files?.includes(top)) await this.#writeStageFile(path, current, { files: [...(current?.files ?? []), top] });
    });
    known.add(top);
  }

  /**
   * Whether a page file exists and validates (schema for JSON, a complete PNG for PNG) and, given the
   * SHA-256 its writer journalled, holds those very bytes: a PNG damaged in the middle keeps its
   * signature and IEND, so only the hash finds it (the whole file is then read). An unchanged file that
   * was valid before (and checked against that hash) is not read again.
   */
  async check(page: number, sha256?: string): Promise<PageCheck> {
    const path = this.pagePath(page);
    let st: FileStamp;
    try {
      const found = await lstat(path);
      // Never read through a link: its target's bytes would end up in the repair note of the journal.
      if (found.isSymbolicLink())
        return { ok: false, missing: false, problem: 'it is a symbolic link, which bookpipe does not follow (the page is written again as a real file)' };
      st = found;
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return { ok: false, missing: true, problem: 'its file is missing' };
      throw this.storageError(error, 'check', path, page);
    }
    this.#dropCacheIfCleaned();
    const known = this.#valid.get(page);
    if (
      known &&
      known.ino === st.ino &&
      known.size === st.size &&
      known.mtimeMs === st.mtimeMs &&
      known.birthtimeMs === st.birthtimeMs &&
      (sha256 === undefined || known.sha256 === sha256)
    )
      return { ok: true, size: st.size };
    let problem: string | undefined;
    try {
      if (sha256 !== undefined && this.format !== 'json') {
        const handle = await open(path, constants.O_RDONLY | O_NOFOLLOW);
        let bytes: Buffer;
        try {
          bytes = await handle.readFile();
        } finally {
          await handle.close();
        }
        problem = this.format === 'png' ? pngProblem(bytes) : undefined;
        if (problem === undefined) {
          problem = hashProblem(bytes, sha256);
          if (problem !== undefined) {
            this.#valid.delete(page);
            return { ok: false, missing: false, problem, damaged: true };
          }
        }
      } else if (this.format === 'png') {
        const handle = await open(path, constants.O_RDONLY | O_NOFOLLOW);
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
        const fd = openSync(path, constants.O_RDONLY | O_NOFOLLOW);
        let text: string;
        try {
          text = readFileSync(fd, 'utf8');
        } finally {
          closeSync(fd);
        }
        const check = checkJsonPage(text, this.#schema);
        problem = check.ok ? undefined : check.problem;
      }
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return { ok: false, missing: true, problem: 'its file is missing' };
      if (isLinkError(error)) return { ok: false, missing: false, problem: 'it is a symbolic link, which bookpipe does not follow' };
      throw this.storageError(error, 'check', path, page);
    }
    if (problem) {
      this.#valid.delete(page);
      return { ok: false, missing: false, problem };
    }
    this.#valid.set(page, { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, birthtimeMs: st.birthtimeMs, ...(sha256 === undefined ? {} : { sha256 }) });
    return { ok: true, size: st.size };
  }

  /**
   * The byte length of a page file that is a regular file, else undefined (missing, a link, not a
   * file). One synchronous `lstat`: thousands of them (`status` on a 300-page scan of five stages) cost
   * a few ms this way against tens through the thread pool, whose wake-ups a busy machine delays.
   */
  sizeOf(page: number): number | undefined {
    try {
      const st = lstatSync(this.pagePath(page));
      return st.isFile() ? st.size : undefined;
    } catch (error) {
      if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return undefined;
      throw this.storageError(error, 'check', this.pagePath(page), page);
    }
  }

  /**
   * Renames into place the temp file of `page` that a dead process wrote, journalled (its size is `bytes`,
   * the journal record's) but did not rename: the process stopped between the journal append and the
   * rename. The temp file must be complete and valid (schema for JSON, a complete PNG). Returns the temp
   * file's name when one was adopted, else undefined (the page is then redone). A journal record without
   * `bytes` was written by an older version, which renamed before journalling: its temp files are never
   * the journalled page, so nothing is adopted.
   */
  async adoptTemp(page: number, temps: readonly string[], bytes: number | undefined): Promise<string | undefined> {
    if (bytes === undefined) return undefined;
    const target = this.fileName(page);
    const path = this.pagePath(page);
    for (const name of temps) {
      const temp = parseTempFileName(name);
      if (!temp || temp.target !== target || temp.pid === process.pid || isProcessAlive(temp.pid)) continue;
      const tmp = join(this.dir, name);
      try {
        // O_NOFOLLOW: a link dressed as a temp file is not ours, and not read.
        const fd = openSync(tmp, constants.O_RDONLY | O_NOFOLLOW);
        let content: Buffer;
        try {
          content = readFileSync(fd);
        } finally {
          closeSync(fd);
        }
        if (content.length !== bytes) continue;
        const valid = this.format === 'json' ? checkJsonPage(content.toString('utf8'), this.#schema).ok : pngProblem(content) === undefined;
        if (!valid) continue;
        await rename(tmp, path);
      } catch (error) {
        // Gone in between (another resume adopted it), or a link: not this one.
        if (errnoCode(error) === 'ENOENT' || isLinkError(error)) continue;
        throw this.storageError(error, 'adopt', tmp, page);
      }
      this.#valid.delete(page);
      return name;
    }
    return undefined;
  }

  /**
   * Removes a page file found damaged (its bytes are not the journalled ones): once the journal forgets
   * the page, nothing else tells it from a good one (its structure is intact), so it must not stay.
   */
  async removeDamaged(page: number): Promise<void> {
    const path = this.pagePath(page);
    this.#valid.delete(page);
    try {
      await rm(path, { force: true });
    } catch (error) {
      throw this.storageError(error, 'remove', path, page);
    }
  }

  /**
   * Removes temp files whose writer is dead (a crash between writing and renaming). Best effort: they
   * are hidden from listings anyway. Call it after `adoptTemp` had its chance: a temp file may hold a
   * page that was journalled but not yet renamed into place.
   */
  async sweepDeadTemps(temps: readonly string[]): Promise<void> {
    for (const name of temps) {
      const pid = parseTempFileName(name)?.pid;
      if (pid === undefined || pid === process.pid || isProcessAlive(pid)) continue;
      await rm(join(this.dir, name), { force: true }).catch(() => {});
    }
  }

  /**
   * Removes what the stage owns and leaves the rest (see `cleanStageFolder`), crash-safe. Every object
   * caching what it read from this folder drops its cache.
   * @throws BookpipeError STORAGE_ERROR when the folder is a symbolic link (nothing is removed) or the disk refused.
   */
  async clean(): Promise<CleanReport> {
    this.assertReal('clean');
    try {
      return await cleanStageFolder({
        dir: this.dir,
        scanId: this.#scanId,
        stageName: this.#stageName,
        storageError: (e, action, path) => this.storageError(e, action, path),
      });
    } finally {
      // Even a clean that failed midway removed files.
      bumpCleanGeneration(this.dir);
      this.#dropCacheIfCleaned();
    }
  }

  /** A filesystem error as STORAGE_ERROR naming this folder's scan and stage. */
  storageError(error: unknown, action: string, path: string, page?: number): BookpipeError {
    return toStorageError(error, { action, path, scanId: this.#scanId, stage: this.#stageName, ...(page === undefined ? {} : { page }) });
  }

  /** Forgets which files were valid when this folder was cleaned since (by any object in this process). */
  #dropCacheIfCleaned(): void {
    const generation = cleanGeneration(this.dir);
    if (generation === this.#validGeneration) return;
    this.#valid.clear();
    this.#validGeneration = generation;
  }
}

/** SHA-256 of a page file's bytes, hex: what the journal records for an image page. */
export function sha256Of(bytes: string | Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Why `bytes` are not the bytes journalled with `sha256`, or undefined when they are. */
export function hashProblem(bytes: Uint8Array, sha256: string): string | undefined {
  const actual = sha256Of(bytes);
  if (actual === sha256) return undefined;
  return `its bytes are not the ones written (SHA-256 ${actual.slice(0, 12)}... where the journal says ${sha256.slice(0, 12)}...): the file was damaged since`;
}
