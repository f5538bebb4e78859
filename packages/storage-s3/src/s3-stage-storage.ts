import {
  BookpipeError,
  type CleanReport,
  ErrorCode,
  type Logger,
  type PageFormat,
  parsePageFileName,
  type StageStorage,
  type StageStorageOptions,
} from '@bookpipe/core';
import { CLEAN_MARKER, checkJsonPage, formatIssues, KEPT_ON_CLEAN, LEGACY_STAGE_FILES, pngProblem, STAGE_FILE } from '@bookpipe/storage';
import type { ZodType } from 'zod';
import type { ObjectStore } from './object-store.js';
import { S3CheckpointManager } from './s3-checkpoint-manager.js';
import { keyInside } from './safe-name.js';
import { JOURNAL_FOLDER, StageKeys } from './stage-keys.js';
import type { StageRecords } from './stage-records.js';

export interface S3StageStorageInit extends StageStorageOptions {
  store: ObjectStore;
  records: StageRecords;
  scanId: string;
  stageName: string;
  /** Key prefix of the stage, ending in "/". */
  stageKey: string;
  pageFormat: PageFormat;
  logger: Logger;
  now: () => Date;
  pageNumbers: () => Promise<number[]>;
}

/** What checking one page object found. */
export type PageCheck = { ok: true; size: number } | { ok: false; missing: boolean; problem: string };

/**
 * One stage on S3: page objects written whole (PutObject replaces an object atomically, so a page
 * exists only complete, and it is validated before the put), one journal object per page record, and
 * stage-level files. Made by `S3BookStorage.stage()`.
 */
export class S3StageStorage implements StageStorage {
  readonly stageName: string;
  /** `s3://bucket/prefix/<scanId>/<stage>` */
  readonly dir: string;
  readonly pageFormat: PageFormat;
  readonly checkpoint: S3CheckpointManager;
  readonly keys: StageKeys;
  readonly #init: S3StageStorageInit;
  /** Page objects found valid, by page, with the size they had: checked once while unchanged. */
  readonly #valid = new Map<number, number>();

  constructor(init: S3StageStorageInit) {
    this.#init = init;
    this.stageName = init.stageName;
    this.pageFormat = init.pageFormat;
    this.keys = new StageKeys(init.stageKey);
    this.dir = init.store.url(init.stageKey.slice(0, -1));
    this.checkpoint = new S3CheckpointManager({ ...init, stage: this });
  }

  get #ctx() {
    return { scanId: this.#init.scanId, stage: this.stageName };
  }

  /** The objects of the stage's folder, by their name under it ("page_0001.json", "_journal/page_0001.json", "logs/x"). */
  async listing(): Promise<Map<string, number>> {
    const objects = await this.#init.store.list(this.keys.dir, this.#ctx);
    return new Map(objects.map((o) => [o.key.slice(this.keys.dir.length), o.size]));
  }

  /** Page numbers of the page objects in `listing`, with their sizes. */
  pagesIn(listing: ReadonlyMap<string, number>): Map<number, number> {
    const pages = new Map<number, number>();
    for (const [name, size] of listing) {
      const page = parsePageFileName(name, this.pageFormat);
      if (page !== undefined) pages.set(page, size);
    }
    return new Map([...pages].sort((a, b) => a[0] - b[0]));
  }

  /** Page numbers with a page object of this stage's format (valid or not), sorted; none while a clean is pending. */
  async listPages(): Promise<number[]> {
    const listing = await this.listing();
    if (listing.has(CLEAN_MARKER)) return [];
    return [...this.pagesIn(listing).keys()];
  }

  /** `s3://…/<stage>/page_0001.json`. @throws BookpipeError PAGE_INVALID for a page number that is not an integer from 1. */
  pagePath(page: number): string {
    return this.#init.store.url(this.#pageKey(page));
  }

  async loadPage<T = unknown>(page: number, schema?: ZodType<T>): Promise<T> {
    if (this.pageFormat !== 'json') return (await this.loadPageBytes(page)) as T;
    const bytes = await this.#read(page);
    const check = checkJsonPage(Buffer.from(bytes).toString('utf8'), schema ?? this.#init.schema);
    if (!check.ok) throw this.#pageInvalid(page, check.problem);
    return check.value as T;
  }

  async loadPageBytes(page: number): Promise<Uint8Array> {
    const bytes = await this.#read(page);
    if (this.pageFormat === 'png') {
      const problem = pngProblem(bytes);
      if (problem) throw this.#pageInvalid(page, problem);
    }
    return bytes;
  }

  /**
   * Validates the page and its metrics, records the stage's page format, writes the journal record
   * (metrics and byte length), then the page object, then removes the page's failure record. A crash
   * after the record leaves a record whose page is missing or of another size: redone on resume.
   */
  async savePage(page: number, data: unknown, metrics: Record<string, unknown> & { pageNum: number }): Promise<void> {
    const path = this.pagePath(page);
    const refuse = (problem: string) =>
      new BookpipeError(
        ErrorCode.PAGE_INVALID,
        `Page ${page} of stage "${this.stageName}" in scan "${this.#init.scanId}" was not saved: ${problem}. ${path} is left as it was.`,
        { details: { scanId: this.#init.scanId, stage: this.stageName, page, file: path } },
      );
    if (metrics?.pageNum !== page) throw refuse(`its metrics say pageNum ${JSON.stringify(metrics?.pageNum)}`);
    try {
      JSON.stringify(metrics);
    } catch (error) {
      throw refuse(`its metrics cannot be journalled as JSON (${(error as Error).message})`);
    }
    if (this.#init.metricsSchema) {
      const parsed = this.#init.metricsSchema.safeParse(metrics);
      if (!parsed.success) throw refuse(`its metrics do not match the stage's checkpoint schema: ${formatIssues(parsed.error.issues)}`);
    }
    let content: string | Uint8Array;
    if (this.pageFormat === 'json') {
      let text: string | undefined;
      try {
        text = JSON.stringify(data) as string | undefined;
      } catch (error) {
        throw refuse(`it cannot be written as JSON (${(error as Error).message})`);
      }
      if (text === undefined) throw refuse(`it cannot be written as JSON (got ${typeof data})`);
      // What will be stored is what is validated (a Date or NaN changes on the way through JSON).
      const check = checkJsonPage(text, this.#init.schema);
      if (!check.ok) throw refuse(check.problem.replace(/^it /, 'the page '));
      content = `${text}\n`;
    } else {
      if (!(data instanceof Uint8Array)) throw refuse(`a ${this.pageFormat} page must be bytes (a Uint8Array or Buffer), got ${typeof data}`);
      const problem = pngProblem(data);
      if (problem) throw refuse(problem.replace(/^it /, 'the image '));
      content = data;
    }
    const bytes = Buffer.byteLength(content);
    const ctx = { ...this.#ctx, page };
    await this.#init.records.record(this.stageName, { pageFormat: this.pageFormat });
    await this.checkpoint.writeRecord(page, metrics, bytes);
    await this.#init.store.put(this.#pageKey(page), content, ctx);
    this.#valid.set(page, bytes);
    await this.#init.store.delete(this.keys.failure(page), ctx);
  }

  /** `s3://…/<stage>/<name>`; `name` may hold sub-folders but not leave the stage. @throws BookpipeError INPUT_INVALID */
  filePath(name: string): string {
    return this.#init.store.url(this.keys.file(keyInside(this.dir, name, `file name for stage "${this.stageName}"`)));
  }

  /** Writes a stage-level object whole, recording its name in `stage.json` first (so `clean` removes it). */
  async writeFile(name: string, content: string | Uint8Array): Promise<string> {
    const rel = keyInside(this.dir, name, `file name for stage "${this.stageName}"`);
    const top = rel.split('/')[0]!;
    const url = this.#init.store.url(this.keys.file(rel));
    if (rel === STAGE_FILE || top === JOURNAL_FOLDER || rel === CLEAN_MARKER || isPageName(rel)) {
      throw new BookpipeError(
        ErrorCode.INPUT_INVALID,
        `Refused to write ${url} with writeFile: page objects go through savePage, ${JOURNAL_FOLDER}/ through the checkpoint manager, ${STAGE_FILE} records the page format and ${CLEAN_MARKER} marks a clean under way.`,
        { details: { ...this.#ctx, file: url } },
      );
    }
    await this.#init.records.record(this.stageName, { files: [top] });
    await this.#init.store.put(this.keys.file(rel), content, this.#ctx);
    return url;
  }

  /** @throws BookpipeError DEPENDENCY_MISSING when the object does not exist. */
  async readFile(name: string): Promise<string> {
    const rel = keyInside(this.dir, name, `file name for stage "${this.stageName}"`);
    const text = await this.#init.store.getText(this.keys.file(rel), this.#ctx);
    if (text === undefined) {
      const url = this.#init.store.url(this.keys.file(rel));
      throw new BookpipeError(
        ErrorCode.DEPENDENCY_MISSING,
        `File ${url} of stage "${this.stageName}" in scan "${this.#init.scanId}" does not exist. Run the ${this.stageName} stage first.`,
        { details: { ...this.#ctx, file: url } },
      );
    }
    return text;
  }

  /**
   * Removes what the stage owns (page objects of either format, `_journal/`, `stage.json`, the files it
   * wrote) and keeps `logs/` and anything else. Crash-safe: `.clean-pending` is written first and
   * removed last, after `stage.json` and the journal; while it is there nothing in the stage counts,
   * and the next run (taking the lock, or `remainingPages`) finishes the clean.
   */
  async clean(): Promise<CleanReport> {
    const { store, scanId } = this.#init;
    const report: CleanReport = { scanId, stage: this.stageName, dir: this.dir, removedPages: 0, removed: [], kept: [] };
    const listing = await this.listing();
    const recorded = new Set(this.#init.records.get(this.stageName)?.files ?? []);
    const owned = (top: string) =>
      !KEPT_ON_CLEAN.has(top) &&
      (isPageName(top) || top === JOURNAL_FOLDER || top === STAGE_FILE || top === CLEAN_MARKER || LEGACY_STAGE_FILES.has(top) || recorded.has(top));
    const remove: string[] = [];
    const last: string[] = [];
    const removedNames = new Set<string>();
    const kept = new Set<string>();
    for (const name of listing.keys()) {
      const top = name.split('/')[0]!;
      if (!owned(top)) {
        kept.add(top);
        continue;
      }
      if (top === CLEAN_MARKER) continue;
      // What says "done" goes last: stage.json (the record of what to remove) and the journal.
      (top === STAGE_FILE || top === JOURNAL_FOLDER ? last : remove).push(this.keys.file(name));
      if (isPageName(top)) report.removedPages++;
      else removedNames.add(top);
    }
    report.kept = [...kept].sort();
    if (remove.length + last.length === 0 && !listing.has(CLEAN_MARKER)) return report;
    const marker = this.keys.file(CLEAN_MARKER);
    await store.put(marker, `${JSON.stringify({ stage: this.stageName })}\n`, this.#ctx);
    await store.deleteMany(remove, this.#ctx);
    // The completion record first: a clean stopped in the middle of the journal is never complete.
    await store.delete(this.keys.complete, this.#ctx);
    await store.deleteMany(last, this.#ctx);
    this.#init.records.forget(this.stageName);
    this.#valid.clear();
    await store.delete(marker, this.#ctx);
    report.removed = [...removedNames].sort();
    return report;
  }

  /** Checks a page object of `size` bytes: valid when it parses and validates (cached while its size is unchanged). */
  async checkPage(page: number, size: number | undefined): Promise<PageCheck> {
    if (size === undefined) return { ok: false, missing: true, problem: 'its object is missing' };
    if (this.#valid.get(page) === size) return { ok: true, size };
    const bytes = await this.#init.store.get(this.#pageKey(page), { ...this.#ctx, page });
    if (bytes === undefined) return { ok: false, missing: true, problem: 'its object is missing' };
    let problem: string | undefined;
    if (this.pageFormat === 'json') {
      const check = checkJsonPage(Buffer.from(bytes).toString('utf8'), this.#init.schema);
      if (!check.ok) problem = check.problem;
    } else if (this.pageFormat === 'png') {
      problem = pngProblem(bytes);
    }
    if (problem) return { ok: false, missing: false, problem };
    this.#valid.set(page, bytes.length);
    return { ok: true, size: bytes.length };
  }

  /** Marks a page's object as checked at `size` (the journal says we wrote it whole, after validating it). */
  trust(page: number, size: number): void {
    this.#valid.set(page, size);
  }

  async #read(page: number): Promise<Uint8Array> {
    const bytes = await this.#init.store.get(this.#pageKey(page), { ...this.#ctx, page });
    if (bytes === undefined) {
      throw new BookpipeError(
        ErrorCode.DEPENDENCY_MISSING,
        `Page ${page} of stage "${this.stageName}" is missing in scan "${this.#init.scanId}" (${this.pagePath(page)}). Run the ${this.stageName} stage first.`,
        { details: { ...this.#ctx, page, file: this.pagePath(page) } },
      );
    }
    return bytes;
  }

  #pageKey(page: number): string {
    if (!Number.isInteger(page) || page < 1) {
      throw new BookpipeError(ErrorCode.PAGE_INVALID, `Page numbers are integers from 1; stage "${this.stageName}" was asked for page ${page}.`, {
        details: { ...this.#ctx, page },
      });
    }
    return this.keys.page(page, this.pageFormat);
  }

  #pageInvalid(page: number, problem: string): BookpipeError {
    const path = this.pagePath(page);
    return new BookpipeError(
      ErrorCode.PAGE_INVALID,
      `Page ${page} of stage "${this.stageName}" in scan "${this.#init.scanId}" is invalid: ${problem} (${path}). Run the ${this.stageName} stage again: it redoes invalid pages.`,
      { details: { ...this.#ctx, page, file: path } },
    );
  }
}

function isPageName(name: string): boolean {
  return parsePageFileName(name, 'json') !== undefined || parsePageFileName(name, 'png') !== undefined;
}
