import { pageFormatOf, SOURCE_STAGE } from '@bookpipe/contracts';
import { BookpipeError, type BookStorage, ErrorCode, type Logger, type ScanMetadata, ScanMetadataSchema, type StageStorageOptions } from '@bookpipe/core';
import { formatIssues, METADATA_FILE, STAGE_NAME_RE } from '@bookpipe/storage';
import { acquireLease, type S3ScanLock } from './lease-lock.js';
import type { ObjectStore } from './object-store.js';
import { S3StageStorage } from './s3-stage-storage.js';
import type { StageRecords } from './stage-records.js';

export interface S3BookStorageInit {
  store: ObjectStore;
  records: StageRecords;
  /** `s3://bucket/prefix` */
  root: string;
  scanId: string;
  /** Key prefix of the scan, ending in "/". */
  scanKey: string;
  logger: Logger;
  now: () => Date;
  lockTtlMs: number;
}

/** One scan under an S3 prefix. Open it with `openS3Scan`. */
export class S3BookStorage implements BookStorage {
  readonly scanId: string;
  /** `s3://bucket/prefix` */
  readonly root: string;
  /** `s3://bucket/prefix/<scanId>` */
  readonly dir: string;
  readonly #init: S3BookStorageInit;
  /** Read-modify-writes of metadata.json in this process, one at a time (other processes: the scan lock). */
  #metadataQueue: Promise<unknown> = Promise.resolve();

  constructor(init: S3BookStorageInit) {
    this.#init = init;
    this.scanId = init.scanId;
    this.root = init.root;
    this.dir = init.store.url(init.scanKey.slice(0, -1));
  }

  get #metadataKey(): string {
    return `${this.#init.scanKey}${METADATA_FILE}`;
  }

  async exists(): Promise<boolean> {
    return this.#init.store.exists(this.#metadataKey, { scanId: this.scanId });
  }

  async init(): Promise<ScanMetadata> {
    return this.#serial(async () => {
      if (await this.exists()) return this.readMetadata();
      const metadata: ScanMetadata = { scanId: this.scanId, createdAt: this.#init.now().toISOString() };
      await this.#write(metadata);
      return metadata;
    });
  }

  async readMetadata(): Promise<ScanMetadata> {
    const url = this.#init.store.url(this.#metadataKey);
    const text = await this.#init.store.getText(this.#metadataKey, { scanId: this.scanId });
    if (text === undefined) {
      throw new BookpipeError(
        ErrorCode.SCAN_NOT_FOUND,
        `Scan "${this.scanId}" not found: ${url} does not exist. Run \`bookpipe run\` / the source stage first.`,
        {
          details: { scanId: this.scanId, file: url },
        },
      );
    }
    const corrupt = (problem: string) =>
      new BookpipeError(
        ErrorCode.FILE_CORRUPT,
        `${url} of scan "${this.scanId}" is corrupt: ${problem}. Fix it by hand, or delete it and run the source stage again.`,
        { details: { scanId: this.scanId, file: url } },
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
    return this.#serial(async () => {
      const current = await this.readMetadata();
      const merged = typeof update === 'function' ? update(structuredClone(current)) : { ...current, ...update };
      const next = { ...merged, scanId: this.scanId, createdAt: current.createdAt, updatedAt: this.#init.now().toISOString() };
      const parsed = ScanMetadataSchema.safeParse(next);
      if (!parsed.success) {
        throw new BookpipeError(
          ErrorCode.INPUT_INVALID,
          `Metadata update of scan "${this.scanId}" refused: ${formatIssues(parsed.error.issues)}. ${this.#init.store.url(this.#metadataKey)} is left as it was.`,
          { details: { scanId: this.scanId, file: this.#init.store.url(this.#metadataKey) } },
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
      if (!(BookpipeError.isInstance(error) && error.code === ErrorCode.SCAN_NOT_FOUND)) throw error;
    }
    if (total !== undefined) return Array.from({ length: total }, (_, i) => i + 1);
    return this.stage(SOURCE_STAGE).listPages();
  }

  /**
   * Storage of one stage. Its page format is `options.pageFormat`, else the one its `stage.json` recorded
   * (read when the scan was opened), else `pageFormatOf(name)`.
   */
  stage(name: string, options: StageStorageOptions = {}): S3StageStorage {
    if (typeof name !== 'string' || !STAGE_NAME_RE.test(name)) {
      throw new BookpipeError(
        ErrorCode.GRAPH_INVALID,
        `Stage name ${JSON.stringify(name)} is not a plain folder name (letters, digits, "-", "_", not starting with "-" or "_").`,
        { details: { scanId: this.scanId, stage: name } },
      );
    }
    const { store, records, scanKey, logger, now } = this.#init;
    return new S3StageStorage({
      ...options,
      store,
      records,
      scanId: this.scanId,
      stageName: name,
      stageKey: `${scanKey}${name}/`,
      pageFormat: options.pageFormat ?? records.get(name)?.pageFormat ?? pageFormatOf(name),
      logger: options.logger ?? logger,
      now,
      pageNumbers: () => this.pageNumbers(),
    });
  }

  /** The stage "folders" (key prefixes) of the scan that hold objects. */
  async stageNames(): Promise<string[]> {
    const names = await this.#init.store.listFolders(this.#init.scanKey, { scanId: this.scanId });
    return names.filter((n) => STAGE_NAME_RE.test(n));
  }

  /**
   * Takes the scan's lease (see `acquireLease`), then finishes any clean a killed process left half
   * done, before the holder reads anything.
   */
  async acquireLock(): Promise<S3ScanLock> {
    const { store, scanKey, lockTtlMs, now } = this.#init;
    const lock = await acquireLease({ store, scanKey, scanId: this.scanId, ttlMs: lockTtlMs, now });
    try {
      for (const name of await this.stageNames()) await this.stage(name).checkpoint.finishPendingClean();
    } catch (error) {
      await lock.release();
      throw error;
    }
    return lock;
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const mine = this.#metadataQueue.then(fn, fn);
    this.#metadataQueue = mine.catch(() => {});
    return mine;
  }

  async #write(metadata: ScanMetadata): Promise<void> {
    await this.#init.store.put(this.#metadataKey, `${JSON.stringify(metadata, null, 2)}\n`, { scanId: this.scanId });
  }
}
