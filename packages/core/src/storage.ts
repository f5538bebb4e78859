import type { PageFormat, ScanMetadata } from '@bookpipe/contracts';
import type { ZodType } from 'zod';
import type { Logger } from './logger.js';

export type { PageFormat };

/**
 * The storage a stage sees. `@bookpipe/storage` implements it on the filesystem; another backend
 * (object storage, a database) is a sibling package implementing the same interfaces.
 */
export interface BookStorage {
  readonly scanId: string;
  /** Storage root holding this scan's folder. */
  readonly root: string;
  /** Location of the scan (a folder path for the filesystem backend). */
  readonly dir: string;
  exists(): Promise<boolean>;
  /** Creates the scan's folder and metadata.json if they are missing. */
  init(): Promise<ScanMetadata>;
  /** @throws BookpipeError SCAN_NOT_FOUND or FILE_CORRUPT, naming the file and the next step. */
  readMetadata(): Promise<ScanMetadata>;
  /** Read-modify-write of metadata.json, atomic; unknown fields are kept. */
  updateMetadata(update: Partial<ScanMetadata> | ((current: ScanMetadata) => ScanMetadata)): Promise<ScanMetadata>;
  /** Page numbers of the book, 1..totalPages (from metadata.json, else from the source folder). */
  pageNumbers(): Promise<number[]>;
  /**
   * Storage of one stage (its folder). The options tell it how to validate page files. Without
   * `pageFormat`, the format the stage's pages were written in (recorded by the backend when the stage
   * first wrote), else `pageFormatOf(name)` of @bookpipe/contracts: a reader needs only the name.
   */
  stage(name: string, options?: StageStorageOptions): StageStorage;
  /** Names of the stage folders that exist. */
  stageNames(): Promise<string[]>;
  /** Takes the scan's lock for this process. @throws BookpipeError SCAN_LOCKED naming the holder's pid. */
  acquireLock(): Promise<ScanLockHandle>;
}

export interface ScanLockHandle {
  release(): Promise<void>;
}

export interface StageStorageOptions {
  /** Validates page files on load, save and resume. Without one, any parseable JSON is accepted. */
  schema?: ZodType;
  /** Validates journalled metrics on save. */
  metricsSchema?: ZodType;
  /**
   * "json" or a binary image format; decides the page file extension. A stage that writes pages gives
   * its own; a reader leaves it out.
   * @default the format recorded when the stage first wrote a page, else `pageFormatOf(name)`
   */
  pageFormat?: PageFormat;
  /** Where storage reports repairs (a torn journal line, a page redone). @default the scan's logger */
  logger?: Logger;
}

/**
 * A folder that files are written into atomically: a stage's folder (every `StageStorage` is one), or a
 * report folder anywhere (`openFolder` of @bookpipe/storage). Tools that write reports (`renderView`)
 * take one, so they need no filesystem code of their own.
 */
export interface FileFolder {
  /** Location of the folder (a path for the filesystem backend). */
  readonly dir: string;
  /** Path of a file in the folder; a name that would leave it is refused. */
  filePath(name: string): string;
  /** Atomic write (the old content or the new, never a mix), creating sub-folders. Returns the file's path. */
  writeFile(name: string, content: string | Uint8Array): Promise<string>;
}

export interface StageStorage extends FileFolder {
  readonly stageName: string;
  readonly dir: string;
  readonly checkpoint: CheckpointManager;
  readonly pageFormat: PageFormat;
  /** Page numbers that have a page file (valid or not). */
  listPages(): Promise<number[]>;
  /** Path of a page file: `<stage>/page_0001.json`. */
  pagePath(page: number): string;
  /** Loads and validates a page. @throws BookpipeError PAGE_INVALID naming the file, or DEPENDENCY_MISSING. */
  loadPage<T = unknown>(page: number, schema?: ZodType<T>): Promise<T>;
  /** Raw bytes of a page file (binary formats). */
  loadPageBytes(page: number): Promise<Uint8Array>;
  /** Validates, writes atomically (temp + rename) and journals the page's metrics. */
  savePage(page: number, data: unknown, metrics: Record<string, unknown> & { pageNum: number }): Promise<void>;
  /** Path of a file in the stage folder; a name that would leave the folder is refused. */
  filePath(name: string): string;
  /** Atomic write of a stage-level file (report.csv, book.md...). Returns its path. */
  writeFile(name: string, content: string | Uint8Array): Promise<string>;
  readFile(name: string): Promise<string>;
  /**
   * Removes what the stage owns: its page files, journal, temp files and the files it wrote (report.csv,
   * book.md...), never a file someone else put in its folder, and not its `logs/`. Says what it removed
   * and what it left. Crash-safe where the backend can be: a clean killed midway is finished by the next
   * run, never read as a stage that is partly done.
   */
  clean(): Promise<CleanReport>;
}

/** What `StageStorage.clean()` did: what it removed and what it left in the stage's folder. */
export interface CleanReport {
  scanId: string;
  stage: string;
  /** The stage's folder (a path for the filesystem backend). */
  dir: string;
  /** Page files removed. */
  removedPages: number;
  /** Other entries removed (journal, report.csv, book.md, temp files...), by name. */
  removed: string[];
  /** Entries left in the folder: the stage's `logs/`, and files the stage did not write (a user's). */
  kept: string[];
}

export interface PageFailure {
  page: number;
  error: string;
  at: string;
}

export interface StageStatus {
  stage: string;
  /**
   * A stage-complete record after the last reset, and no failure not superseded by a later completion.
   * Page files are checked separately by `remainingPages()`.
   */
  complete: boolean;
  completedPages: number[];
  /** Pages whose last record is a failure and which have no valid page file. */
  failedPages: PageFailure[];
  lastStats?: Record<string, unknown>;
  /** Damage found and repaired in the journal or the page files, for a user to see. */
  warnings?: string[];
  /** Page files that exist but do not validate (or, verified, hold other bytes than written); the next run redoes them. */
  invalidPages?: Array<{ page: number; problem: string }>;
  /** With `verify`: pages journalled as done whose file is gone; the next run redoes them. */
  missingPages?: number[];
}

export interface StatusOptions {
  /** Check every page in full (image pages against their journalled checksum), and list missing ones. @default false */
  verify?: boolean;
}

/** The per-stage journal (`checkpoint.jsonl`) plus the page files: what is done, what is left. */
export interface CheckpointManager {
  /**
   * The pages of `expected` (default: all pages of the scan) that have no valid page file.
   * Page files are the truth: a journalled page whose file is missing or invalid is redone.
   */
  remainingPages(expected?: readonly number[]): Promise<number[]>;
  markCompleted(page: number, metrics: Record<string, unknown>): Promise<void>;
  markFailed(page: number, error: string): Promise<void>;
  markStageComplete(stats: Record<string, unknown>): Promise<void>;
  /**
   * `status().complete`, answered from the journal alone: what a pipeline asks of a dependency that ran
   * earlier. `status()` also lists and validates every page file (~0.45 s for 400 OCR pages). A page file
   * damaged since is found when a stage reads it, or redone by `remainingPages()`.
   */
  isComplete(): Promise<boolean>;
  /**
   * What is done, failed and damaged. With `verify`, every page is checked in full where the backend
   * can (the filesystem backend reads image pages whole against the SHA-256 journalled when they were
   * written) and pages journalled as done whose file is gone are listed in `missingPages`.
   */
  status(options?: StatusOptions): Promise<StageStatus>;
  /** Latest metrics per page, for completed pages. */
  metrics(): Promise<Map<number, Record<string, unknown>>>;
  /** Forgets every record (the page files are left to `StageStorage.clean`). */
  reset(): Promise<void>;
}
