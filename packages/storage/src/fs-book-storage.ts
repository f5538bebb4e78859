import { constants } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pageFormatOf, SOURCE_STAGE } from '@bookpipe/contracts';
import { BookpipeError, type BookStorage, ErrorCode, type Logger, type ScanMetadata, ScanMetadataSchema, type StageStorageOptions } from '@bookpipe/core';
import { writeFileAtomic } from './atomic-write.js';
import { FsStageStorage } from './fs-stage-storage.js';
import { withKeyLock } from './keyed-mutex.js';
import { isLinkError, linkRefused, O_NOFOLLOW } from './no-follow.js';
import { formatIssues } from './page-validation.js';
import { acquireScanLock, type FsScanLock } from './scan-lock.js';
import { cleanPending } from './stage-clean.js';
import { recordedPageFormat } from './stage-file.js';
import { errnoCode, toStorageError } from './storage-error.js';

/** Core's stage options plus the filesystem backend's own. */
export interface FsStageStorageOptions extends StageStorageOptions {
  /** Receives this stage's storage warnings. @default the logger given to `openScan` */
  logger?: Logger;
}

export const METADATA_FILE = 'metadata.json';
/** Same rule as `Pipeline.checkGraph`: a stage name is a plain folder name. */
export const STAGE_NAME_RE = /^[a-z0-9][a-z0-9_-]*$/i;

export interface FsBookStorageInit {
  root: string;
  scanId: string;
  dir: string;
  logger: Logger;
  now: () => Date;
}

/** One scan folder on the filesystem. Create it with `openScan`. */
export class FsBookStorage implements BookStorage {
  readonly scanId: string;
  readonly root: string;
  readonly dir: string;
  readonly #logger: Logger;
  readonly #now: () => Date;

  constructor(init: FsBookStorageInit) {
    this.scanId = init.scanId;
    this.root = init.root;
    this.dir = init.dir;
    this.#logger = init.logger;
    this.#now = init.now;
  }

  get metadataPath(): string {
    return join(this.dir, METADATA_FILE);
  }

  async exists(): Promise<boolean> {
    try {
      await stat(this.metadataPath);
      return true;
    } catch (error) {
      if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return false;
      throw toStorageError(error, { action: 'read', path: this.metadataPath, scanId: this.scanId });
    }
  }

  async init(): Promise<ScanMetadata> {
    return withKeyLock(this.metadataPath, async () => {
      if (await this.exists()) return this.readMetadata();
      const metadata: ScanMetadata = { scanId: this.scanId, createdAt: this.#now().toISOString() };
      await this.#write(metadata);
      return metadata;
    });
  }

  async readMetadata(): Promise<ScanMetadata> {
    const path = this.metadataPath;
    let text: string;
    try {
      // O_NOFOLLOW: a metadata.json that is a link to a file outside the scan is refused, not read (its
      // first bytes would be quoted in the "not valid JSON" message).
      const handle = await open(path, constants.O_RDONLY | O_NOFOLLOW);
      try {
        text = await handle.readFile('utf8');
      } finally {
        await handle.close();
      }
    } catch (error) {
      if (isLinkError(error)) throw linkRefused(path, { scanId: this.scanId, action: 'read' });
      if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') {
        throw new BookpipeError(
          ErrorCode.SCAN_NOT_FOUND,
          `Scan "${this.scanId}" not found: ${path} does not exist. Run \`bookpipe run\` / the source stage first.`,
          { details: { scanId: this.scanId, file: path } },
        );
      }
      throw toStorageError(error, { action: 'read', path, scanId: this.scanId });
    }
    const corrupt = (problem: string) =>
      new BookpipeError(
        ErrorCode.FILE_CORRUPT,
        `${path} of scan "${this.scanId}" is corrupt: ${problem}. Fix it by hand, or delete it and run the source stage again.`,
        { details: { scanId: this.scanId, file: path } },
      );
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw corrupt(`it is not valid JSON (${(error as Error).message})`);
    }
    const parsed = ScanMetadataSchema.safeParse(json);
    if (!parsed.success) throw corrupt(`it does not match the metadata schema: ${formatIssues(parsed.error.issues)}`);
    return parsed.data;
  }

  async updateMetadata(update: Partial<ScanMetadata> | ((current: ScanMetadata) => ScanMetadata)): Promise<ScanMetadata> {
    // Serialised per file in this process; other processes are kept out by the scan lock.
    return withKeyLock(this.metadataPath, async () => {
      const current = await this.readMetadata();
      const merged = typeof update === 'function' ? update(structuredClone(current)) : { ...current, ...update };
      const next = { ...merged, scanId: this.scanId, createdAt: current.createdAt, updatedAt: this.#now().toISOString() };
      const parsed = ScanMetadataSchema.safeParse(next);
      if (!parsed.success) {
        throw new BookpipeError(
          ErrorCode.INPUT_INVALID,
          `Metadata update of scan "${this.scanId}" refused: ${formatIssues(parsed.error.issues)}. ${this.metadataPath} is left as it was.`,
          { details: { scanId: this.scanId, file: this.metadataPath } },
        );
      }
      await this.#write(parsed.data);
      return parsed.data;
    });
  }

  async pageNumbers(): Promise<number[]> {
    let total: number | undefined;
    try {
      total = (await this.readMetadata()).totalPages;
    } catch (error) {
      // No metadata yet: fall back to the source folder. Corrupt metadata is an error worth seeing.
      if (!(BookpipeError.isInstance(error) && error.code === ErrorCode.SCAN_NOT_FOUND)) throw error;
    }
    if (total !== undefined) return Array.from({ length: total }, (_, i) => i + 1);
    return this.stage(SOURCE_STAGE).listPages();
  }

  /**
   * Storage of one stage folder. Its page format is `options.pageFormat`, else the one recorded in the
   * folder's `stage.json` when the stage wrote its first page, else the built-in stage's (`pageFormatOf`:
   * PNG for "source", JSON for the others and for any stage of a user's): so a reader opens a stage by
   * its name alone. Beyond core's options, `logger` receives this stage's storage warnings (journal
   * damage, pages redone) instead of the scan's logger, e.g. the stage's own log.
   */
  stage(name: string, options: FsStageStorageOptions = {}): FsStageStorage {
    if (typeof name !== 'string' || !STAGE_NAME_RE.test(name)) {
      throw new BookpipeError(
        ErrorCode.GRAPH_INVALID,
        `Stage name ${JSON.stringify(name)} is not a plain folder name (letters, digits, "-", "_", not starting with "-" or "_").`,
        { details: { scanId: this.scanId, stage: name } },
      );
    }
    const dir = join(this.dir, name);
    return new FsStageStorage({
      ...options,
      pageFormat: options.pageFormat ?? recordedPageFormat(dir) ?? pageFormatOf(name),
      scanId: this.scanId,
      stageName: name,
      dir,
      logger: options.logger ?? this.#logger,
      now: this.#now,
      pageNumbers: () => this.pageNumbers(),
    });
  }

  async stageNames(): Promise<string[]> {
    try {
      const entries = await readdir(this.dir, { withFileTypes: true });
      return entries
        .filter((e) => e.isDirectory() && STAGE_NAME_RE.test(e.name))
        .map((e) => e.name)
        .sort();
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return [];
      throw toStorageError(error, { action: 'list', path: this.dir, scanId: this.scanId });
    }
  }

  /**
   * Takes the scan's lock, then finishes any clean a killed process left half done (a stage folder
   * holding `.clean-pending`), before the holder reads anything.
   */
  async acquireLock(): Promise<FsScanLock> {
    const lock = await acquireScanLock({ scanDir: this.dir, scanId: this.scanId });
    try {
      for (const name of await this.stageNames()) {
        if (await cleanPending(join(this.dir, name))) await this.stage(name).checkpoint.finishPendingClean();
      }
    } catch (error) {
      await lock.release();
      throw error;
    }
    return lock;
  }

  async #write(metadata: ScanMetadata): Promise<void> {
    try {
      await writeFileAtomic(this.metadataPath, `${JSON.stringify(metadata, null, 2)}\n`);
    } catch (error) {
      throw toStorageError(error, { action: 'write', path: this.metadataPath, scanId: this.scanId });
    }
  }
}
