import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { BookpipeError, type CleanReport, ErrorCode, type Logger, type PageFormat, type StageStorage, type StageStorageOptions } from '@bookpipe/core';
import type { ZodType } from 'zod';
import { writeFileAtomic } from './atomic-write.js';
import { CheckpointJournal } from './checkpoint-journal.js';
import { FsCheckpointManager } from './fs-checkpoint-manager.js';
import { assertNoLink, isLinkError, linkRefused, O_NOFOLLOW } from './no-follow.js';
import { hashProblem, PageFolder, sha256Of } from './page-folder.js';
import { checkJsonPage, formatIssues, pngProblem } from './page-validation.js';
import { resolveInside } from './safe-path.js';
import { CHECKPOINT_FILE, CLEAN_MARKER, cleanPending } from './stage-clean.js';
import { STAGE_FILE } from './stage-file.js';
import { errnoCode } from './storage-error.js';

export { CHECKPOINT_FILE } from './stage-clean.js';

export interface FsStageStorageInit extends StageStorageOptions {
  scanId: string;
  stageName: string;
  dir: string;
  logger: Logger;
  now: () => Date;
  /** Page numbers of the scan, the default of `remainingPages()`. */
  pageNumbers: () => Promise<number[]>;
}

/**
 * One stage folder on the filesystem: page files, the checkpoint journal and stage-level files. The page
 * files are its `PageFolder`'s, the journal its `CheckpointJournal`'s; `savePage` puts the journal append
 * between the page's temp file and its rename, and the checkpoint manager reads both.
 */
export class FsStageStorage implements StageStorage {
  readonly stageName: string;
  readonly dir: string;
  readonly pageFormat: PageFormat;
  readonly checkpoint: FsCheckpointManager;
  readonly #scanId: string;
  readonly #schema: ZodType | undefined;
  readonly #metricsSchema: ZodType | undefined;
  readonly #journal: CheckpointJournal;
  readonly #folder: PageFolder;

  constructor(init: FsStageStorageInit) {
    this.stageName = init.stageName;
    this.dir = init.dir;
    this.pageFormat = init.pageFormat ?? 'json';
    this.#scanId = init.scanId;
    this.#schema = init.schema;
    this.#metricsSchema = init.metricsSchema;
    const logger = init.logger;
    this.#folder = new PageFolder({ dir: init.dir, format: this.pageFormat, schema: init.schema, scanId: init.scanId, stageName: init.stageName });
    this.#journal = new CheckpointJournal(join(this.dir, CHECKPOINT_FILE), {
      scanId: init.scanId,
      stage: init.stageName,
      now: init.now,
      onWarning: (w) => logger.warn('checkpoint journal damaged', { scanId: init.scanId, stage: init.stageName, line: w.line, warning: w.message }),
    });
    this.checkpoint = new FsCheckpointManager({
      folder: this.#folder,
      journal: this.#journal,
      scanId: init.scanId,
      stageName: init.stageName,
      logger,
      pageNumbers: init.pageNumbers,
    });
  }

  /** Page numbers with a page file of this stage's format, sorted; temp files and other files are not pages. */
  async listPages(): Promise<number[]> {
    // A folder a clean was killed in holds no page that counts (see `clean`).
    if (await cleanPending(this.dir)) return [];
    return (await this.#folder.list()).pages;
  }

  /** `<stage>/page_0001.json` (or `.png`). @throws BookpipeError PAGE_INVALID for a page number that is not an integer from 1. */
  pagePath(page: number): string {
    return this.#folder.pagePath(page);
  }

  /**
   * Reads and validates a page against `schema`, else the stage's schema. A PNG stage returns the
   * bytes, checked to be a complete PNG.
   * @throws BookpipeError DEPENDENCY_MISSING ("Run the <stage> stage first") or PAGE_INVALID naming the file.
   */
  async loadPage<T = unknown>(page: number, schema?: ZodType<T>): Promise<T> {
    const path = this.pagePath(page);
    if (this.pageFormat !== 'json') return (await this.loadPageBytes(page)) as T;
    const text = await this.#folder.read(page, 'utf8');
    const check = checkJsonPage(text, schema ?? this.#schema);
    if (!check.ok) throw this.#pageInvalid(page, path, check.problem);
    return check.value as T;
  }

  /**
   * The page file's bytes; for a PNG stage, checked to be a complete PNG, and for any image page, to be
   * the bytes journalled when it was saved (SHA-256): a source page damaged since is refused here, when
   * OCR or an LLM stage reads it, instead of being read as a different page. Same errors as `loadPage`.
   */
  async loadPageBytes(page: number): Promise<Uint8Array> {
    const path = this.pagePath(page);
    const bytes = await this.#folder.read(page);
    if (this.pageFormat === 'png') {
      const problem = pngProblem(bytes);
      if (problem) throw this.#pageInvalid(page, path, problem);
    }
    if (this.pageFormat !== 'json') {
      await this.#journal.refresh();
      const sha256 = this.#journal.hashes.get(page);
      const problem = sha256 === undefined ? undefined : hashProblem(bytes, sha256);
      if (problem) throw this.#pageInvalid(page, path, problem);
    }
    return bytes;
  }

  /**
   * Validates the page (what will be on disk: the JSON text against the schema, or a complete PNG) and
   * its metrics, then writes it: temp file + fsync, journal record (metrics and byte length) written,
   * rename into place. So a page file never exists without its metrics: a crash before the rename leaves
   * a journalled page with a complete temp file, which resume renames into place (`PageFolder.adoptTemp`).
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
      content = `${text}\n`;
    } else {
      if (!(data instanceof Uint8Array)) throw refuse(`a ${this.pageFormat} page must be bytes (a Uint8Array or Buffer), got ${typeof data}`);
      const problem = pngProblem(data);
      if (problem) throw refuse(problem.replace(/^it /, 'the image '));
      content = data;
    }
    await this.#folder.recordFormat();
    // Image pages carry their SHA-256: the only way to find one damaged in the middle (see PageFolder.check).
    const sha256 = this.pageFormat === 'json' ? undefined : sha256Of(content);
    let journalled = false;
    try {
      await this.#folder.write(
        page,
        content,
        async ({ size }) => {
          await this.#journal.append({ type: 'page', page, metrics, bytes: size, ...(sha256 === undefined ? {} : { sha256 }) });
          journalled = true;
        },
        sha256,
      );
    } catch (error) {
      if (journalled) {
        // Journalled, then the rename failed (rare: same folder): say so now rather than at the next resume.
        const detail = `its file could not be renamed into place after it was journalled (${errnoCode(error) ?? String(error)}); it will be redone`;
        await this.#journal.append({ type: 'repair', page, problem: 'file-missing', detail }).catch(() => {});
      }
      throw this.#folder.storageError(error, 'write', path, page);
    }
  }

  /**
   * `<stage>/<name>`; `name` may hold sub-folders but not leave the stage folder, and neither the stage
   * folder nor a folder or file on the way may be a symbolic link (the stage's `logs/`, a report: nothing
   * is written or read through a link).
   * @throws BookpipeError INPUT_INVALID for a name that leaves the folder, STORAGE_ERROR for a link.
   */
  filePath(name: string): string {
    const path = resolveInside(this.dir, name, `file name for stage "${this.stageName}"`);
    assertNoLink(dirname(this.dir), path, { scanId: this.#scanId, stage: this.stageName, action: 'use' });
    return path;
  }

  /** Atomic write of a stage-level file, creating sub-folders. Page files and the journal are refused. Returns the path. */
  async writeFile(name: string, content: string | Uint8Array): Promise<string> {
    const path = this.filePath(name);
    if (name === CHECKPOINT_FILE || name === STAGE_FILE || this.#folder.isPageFile(name)) {
      throw new BookpipeError(
        ErrorCode.INPUT_INVALID,
        `Refused to overwrite ${path} with writeFile: page files go through savePage, the journal through the checkpoint manager, and ${STAGE_FILE} records the page format.`,
        { details: { scanId: this.#scanId, stage: this.stageName, file: path } },
      );
    }
    if (name === CLEAN_MARKER) {
      throw new BookpipeError(ErrorCode.INPUT_INVALID, `Refused to write ${path} with writeFile: ${CLEAN_MARKER} marks a clean under way.`, {
        details: { scanId: this.#scanId, stage: this.stageName, file: path },
      });
    }
    // Recorded first, so that a crash in between cannot leave a file of the stage that clean would not remove.
    // By the name as resolved ("a/../book.md" is book.md).
    await this.#folder.recordOwned(relative(this.dir, path));
    try {
      await writeFileAtomic(path, content);
    } catch (error) {
      throw this.#folder.storageError(error, 'write', path);
    }
    return path;
  }

  /** Reads a stage-level file as UTF-8. @throws BookpipeError DEPENDENCY_MISSING when it does not exist. */
  async readFile(name: string): Promise<string> {
    const path = this.filePath(name);
    try {
      const handle = await open(path, constants.O_RDONLY | O_NOFOLLOW);
      try {
        return await handle.readFile('utf8');
      } finally {
        await handle.close();
      }
    } catch (error) {
      if (isLinkError(error)) throw linkRefused(path, { scanId: this.#scanId, stage: this.stageName, action: 'read' });
      if (errnoCode(error) === 'ENOENT') {
        throw new BookpipeError(
          ErrorCode.DEPENDENCY_MISSING,
          `File ${path} of stage "${this.stageName}" in scan "${this.#scanId}" does not exist. Run the ${this.stageName} stage first.`,
          { details: { scanId: this.#scanId, stage: this.stageName, file: path } },
        );
      }
      throw this.#folder.storageError(error, 'read', path);
    }
  }

  /**
   * Removes what the stage owns: page files, the journal, temp files, `stage.json` and the stage-level
   * files it wrote (recorded in `stage.json`), and says what it removed and left. Keeps `logs/` (the run
   * that cleans may already be logging there, and old logs are history, not output) and any file the
   * stage did not write. Crash-safe: a `.clean-pending` marker is written first and removed last, and
   * whoever finds it (the next run, under the scan lock) finishes the clean before reading the stage.
   * @throws BookpipeError STORAGE_ERROR when the stage folder is a symbolic link: nothing is removed.
   */
  async clean(): Promise<CleanReport> {
    return this.#folder.clean();
  }

  #pageInvalid(page: number, path: string, problem: string): BookpipeError {
    return new BookpipeError(
      ErrorCode.PAGE_INVALID,
      `Page ${page} of stage "${this.stageName}" in scan "${this.#scanId}" is invalid: ${problem} (${path}). Run the ${this.stageName} stage again: it redoes invalid pages.`,
      { details: { scanId: this.#scanId, stage: this.stageName, page, file: path } },
    );
  }
}
