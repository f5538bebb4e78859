import { constants } from 'node:fs';
import { type FileHandle, lstat, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BookpipeError, ErrorCode, type PageFailure } from '@bookpipe/core';
import { z } from 'zod';
import { cleanGeneration } from './clean-generation.js';
import { withKeyLock } from './keyed-mutex.js';
import { makeDir } from './make-dir.js';
import { assertNoLink, isLinkError, linkRefused, O_NOFOLLOW } from './no-follow.js';
import { errnoCode, toStorageError } from './storage-error.js';

const page = z.number().int().positive();
const at = z.string();

/**
 * Why a page's record was repaired when the journal was compared with the page files. `temp-adopted`
 * is not a loss: the process stopped between journalling the page and renaming its complete temp file
 * into place, and resume renamed it; the page stays done with its journalled metrics.
 */
const REPAIR_PROBLEMS = ['metrics-missing', 'file-missing', 'file-invalid', 'temp-adopted'] as const;
export type RepairProblem = (typeof REPAIR_PROBLEMS)[number];

/**
 * One line of `checkpoint.jsonl`. `page` lines carry a finished page's metrics and the byte length of
 * its file (absent in journals written before it was recorded), and for an image page the SHA-256 of its
 * bytes (a PNG cannot be checked by its structure: 64 bytes overwritten mid-file leave it complete); they
 * are written before the page file
 * is renamed into place. `repair` lines record what resume found when it compared the journal with the
 * page files (the files win).
 */
const RecordSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('page'),
    page,
    metrics: z.record(z.string(), z.unknown()),
    bytes: z.number().int().nonnegative().optional(),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional(),
    at,
  }),
  z.object({ type: z.literal('failed'), page, error: z.string(), at }),
  z.object({ type: z.literal('stage-complete'), stats: z.record(z.string(), z.unknown()), at }),
  z.object({ type: z.literal('reset'), at }),
  z.object({
    type: z.literal('repair'),
    page,
    problem: z.enum(REPAIR_PROBLEMS),
    detail: z.string().optional(),
    at,
  }),
]);
export type JournalRecord = z.infer<typeof RecordSchema>;
/** A record before the journal stamps it with `at`. */
export type JournalRecordInput = JournalRecord extends infer R ? (R extends JournalRecord ? Omit<R, 'at'> : never) : never;

export interface JournalWarning {
  /** 1-based line of checkpoint.jsonl, when the warning is about a line. */
  line?: number;
  message: string;
}

export interface CheckpointJournalOptions {
  /** Called once for every problem found in the file (corrupt or torn lines). */
  onWarning?: (warning: JournalWarning) => void;
  now?: () => Date;
  /** For error messages. */
  scanId?: string;
  stage?: string;
}

const NEWLINE = 0x0a;
/**
 * The journal's file handle is closed once no record was appended for this long (a stage run appends
 * continuously, then stops). Not a timer that keeps the process alive.
 */
const IDLE_CLOSE_MS = 200;

/** A record waiting to be written, and the caller waiting for it. */
interface PendingRecord {
  record: JournalRecord;
  line: string;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * The append-only journal of one stage, with an in-memory index of what it says.
 *
 * The file is read once, then only the bytes appended since (by this object, another object on the
 * same file, or another process) are read, so `metrics()` and `status()` never re-read 10,000 lines.
 *
 * Appending is O(1) whatever the size of the journal: one `stat` (has anyone else appended, or replaced
 * the file?) and one `write` to a file handle kept open in append mode while records keep coming (it is
 * closed after IDLE_CLOSE_MS without one, and whenever the file turns out removed or replaced). Records
 * appended while a write is under way are written together by the next one (group commit): under a page
 * loop of 16 at a time that is one write for several pages. An append resolves once its line is written
 * (in the OS's cache: the journal is not fsync'd, the page files are the truth and resume repairs it).
 *
 * Damage is never fatal: a line that does not parse is skipped with a warning; a last line with no
 * newline (a crash mid-append) is dropped with a warning, and the next append starts on a new line so
 * it is not glued onto the fragment.
 */
export class CheckpointJournal {
  readonly path: string;
  readonly #options: CheckpointJournalOptions;
  #offset = 0;
  #ino: number | undefined;
  /** Creation time where the filesystem records one (0 elsewhere): tells a new file from an old one with a reused inode. */
  #birth: number | undefined;
  #generation: number;
  #lineNo = 0;
  /** The file ends without a newline: the next append must start with one. */
  #needsNewline = false;
  /** Open in append mode on the file whose inode is #ino, while records keep coming. */
  #handle: FileHandle | undefined;
  #idleTimer: NodeJS.Timeout | undefined;
  /** Records appended while a write was under way, written together by the next one. */
  #pending: PendingRecord[] = [];
  #writing = false;

  /** Latest metrics of each page whose last record says it is done. */
  readonly completed = new Map<number, Record<string, unknown>>();
  /** Byte length of the file of each page in `completed`, when its record says (see RecordSchema). */
  readonly sizes = new Map<number, number>();
  /** SHA-256 (hex) of the file of each page in `completed`, when its record says (image pages). */
  readonly hashes = new Map<number, string>();
  /**
   * Pages with a valid file but no metrics: a journal written by an older version (which renamed the file
   * before journalling), or damaged or edited by hand.
   */
  readonly metricsMissing = new Set<number>();
  /** Failures not superseded by a later completion. */
  readonly failures = new Map<number, PageFailure>();
  lastComplete: { stats: Record<string, unknown>; at: string } | undefined;
  /** Repair records since the last reset: what resume corrected, for status(). */
  readonly repairs: Array<{ page: number; problem: RepairProblem; detail?: string; at: string }> = [];
  readonly warnings: JournalWarning[] = [];

  constructor(path: string, options: CheckpointJournalOptions = {}) {
    this.path = path;
    this.#options = options;
    this.#generation = cleanGeneration(dirname(path));
  }

  /** Reads what was appended since the last read (everything, the first time). */
  async refresh(): Promise<void> {
    await withKeyLock(this.path, () => this.#refreshLocked());
  }

  /** Appends one record and applies it to the index. Resolves once its line is written. */
  async append(input: JournalRecordInput): Promise<void> {
    const record = { ...input, at: (this.#options.now?.() ?? new Date()).toISOString() } as JournalRecord;
    let line: string;
    try {
      line = JSON.stringify(record);
    } catch (error) {
      const page = 'page' in record ? ` for page ${record.page}` : '';
      throw new BookpipeError(
        ErrorCode.INPUT_INVALID,
        `The ${record.type} record${page} cannot be written to ${this.path}: ${(error as Error).message}. Journal only JSON values.`,
        {
          details: { scanId: this.#options.scanId, stage: this.#options.stage, file: this.path },
        },
      );
    }
    const written = new Promise<void>((resolve, reject) => this.#pending.push({ record, line, resolve, reject }));
    if (!this.#writing) void this.#writePending();
    return written;
  }

  /**
   * Makes what was appended durable (fsync), so that a power cut cannot lose what a finished stage
   * journalled. Called at stage end rather than per append: an fsync per page would double the cost of
   * saving one (the page file itself is fsync'd before its rename).
   */
  async sync(): Promise<void> {
    await withKeyLock(this.path, async () => {
      // The append handle may have been closed already (idle): fsync through a read handle then, which
      // makes the file's data durable all the same.
      let handle = this.#handle;
      let opened: FileHandle | undefined;
      try {
        if (!handle) {
          this.#assertNoLink('fsync');
          handle = opened = await open(this.path, constants.O_RDONLY | O_NOFOLLOW);
        }
        await handle.sync();
      } catch (error) {
        if (errnoCode(error) === 'ENOENT') return;
        if (isLinkError(error)) throw linkRefused(this.path, this.#linkContext('fsync'));
        throw toStorageError(error, { action: 'fsync', path: this.path, scanId: this.#options.scanId, stage: this.#options.stage });
      } finally {
        await opened?.close().catch(() => {});
      }
    });
  }

  /** Closes the file handle now rather than after IDLE_CLOSE_MS; the next append opens it again. */
  async close(): Promise<void> {
    await withKeyLock(this.path, () => this.#closeHandle());
  }

  /** Writes the pending records, a batch at a time, until none is left. */
  async #writePending(): Promise<void> {
    this.#writing = true;
    clearTimeout(this.#idleTimer);
    try {
      while (this.#pending.length > 0) {
        const batch = this.#pending;
        this.#pending = [];
        try {
          await withKeyLock(this.path, () => this.#writeLocked(batch));
          for (const entry of batch) entry.resolve();
        } catch (error) {
          for (const entry of batch) entry.reject(error);
        }
      }
    } finally {
      this.#writing = false;
    }
    this.#idleTimer = setTimeout(() => void this.close().catch(() => {}), IDLE_CLOSE_MS);
    this.#idleTimer.unref();
  }

  async #writeLocked(batch: readonly PendingRecord[]): Promise<void> {
    // Whatever others appended goes first in the index, as it does in the file.
    await this.#refreshLocked();
    const text = (this.#needsNewline ? '\n' : '') + batch.map((entry) => `${entry.line}\n`).join('');
    const bytes = Buffer.from(text);
    try {
      const handle = await this.#openHandle();
      // One write for the whole batch; a short write (rare on a local disk) goes on where it stopped.
      let done = 0;
      while (done < bytes.length) done += (await handle.write(bytes, done, bytes.length - done)).bytesWritten;
    } catch (error) {
      // Nothing counted as written: the next refresh reads whatever part did reach the file.
      await this.#closeHandle();
      throw toStorageError(error, { action: 'append to', path: this.path, scanId: this.#options.scanId, stage: this.#options.stage });
    }
    // A leading newline only terminates the fragment line, which was already counted.
    this.#offset += bytes.length;
    this.#needsNewline = false;
    for (const { record } of batch) {
      this.#lineNo++;
      this.#apply(record);
    }
  }

  /** The open handle on the current file, else a new one (creating the file and its folder when missing). */
  async #openHandle(): Promise<FileHandle> {
    if (this.#handle) return this.#handle;
    let handle: FileHandle;
    this.#assertNoLink('append to');
    // O_NOFOLLOW: a journal that is a link to a file outside the scan is refused, not written through.
    const flags = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | O_NOFOLLOW;
    try {
      try {
        handle = await open(this.path, flags, 0o666);
      } catch (error) {
        if (errnoCode(error) !== 'ENOENT') throw error;
        await makeDir(dirname(this.path));
        handle = await open(this.path, flags, 0o666);
      }
    } catch (error) {
      if (isLinkError(error)) throw linkRefused(this.path, this.#linkContext('append to'));
      throw error;
    }
    try {
      const { ino, birthtimeMs } = await handle.stat();
      // The refresh just before saw no file (or this one): from now on this is the file we follow.
      this.#ino = ino;
      this.#birth = birthtimeMs;
    } catch (error) {
      await handle.close().catch(() => {});
      throw error;
    }
    this.#handle = handle;
    return handle;
  }

  async #closeHandle(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close().catch(() => {});
  }

  /** Forgets the index, so that the file is read again from the start, and the handle on the old file. */
  #forget(): void {
    void this.#closeHandle();
    this.#offset = 0;
    this.#ino = undefined;
    this.#birth = undefined;
    this.#lineNo = 0;
    this.#needsNewline = false;
    this.completed.clear();
    this.sizes.clear();
    this.hashes.clear();
    this.metricsMissing.clear();
    this.failures.clear();
    this.lastComplete = undefined;
    this.repairs.length = 0;
    this.warnings.length = 0;
  }

  async #refreshLocked(): Promise<void> {
    const generation = cleanGeneration(dirname(this.path));
    if (generation !== this.#generation) {
      this.#forget();
      this.#generation = generation;
    }
    let size: number;
    let ino: number;
    let birthtimeMs: number;
    this.#assertNoLink('read');
    try {
      const st = await lstat(this.path);
      if (st.isSymbolicLink()) throw linkRefused(this.path, this.#linkContext('read'));
      ({ size, ino, birthtimeMs } = st);
    } catch (error) {
      if (BookpipeError.isInstance(error)) throw error;
      if (errnoCode(error) !== 'ENOENT') throw this.#error(error);
      // Removed (StageStorage.clean): nothing is recorded any more.
      if (this.#ino !== undefined || this.#offset > 0) this.#forget();
      return;
    }
    // Replaced or truncated behind our back: start over.
    if ((this.#ino !== undefined && (ino !== this.#ino || birthtimeMs !== this.#birth)) || size < this.#offset) this.#forget();
    this.#ino = ino;
    this.#birth = birthtimeMs;
    if (size === this.#offset) return;

    const buffer = Buffer.alloc(size - this.#offset);
    let filled = 0;
    try {
      const handle = await open(this.path, constants.O_RDONLY | O_NOFOLLOW);
      try {
        while (filled < buffer.length) {
          const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, this.#offset + filled);
          if (bytesRead === 0) break;
          filled += bytesRead;
        }
      } finally {
        await handle.close();
      }
    } catch (error) {
      if (isLinkError(error)) throw linkRefused(this.path, this.#linkContext('read'));
      throw this.#error(error);
    }
    // Shorter than `stat` said only if the file was truncated in between; the next refresh sees that.
    const bytes = buffer.subarray(0, filled);

    let start = 0;
    for (let nl = bytes.indexOf(NEWLINE, start); nl !== -1; nl = bytes.indexOf(NEWLINE, start)) {
      this.#lineNo++;
      this.#parseLine(bytes.subarray(start, nl), false);
      start = nl + 1;
    }
    if (start < bytes.length) {
      // A last line without its newline. Under the scan lock nobody else is writing, so it was cut short
      // by a crash, unless it happens to be a whole record that only lost its newline.
      this.#lineNo++;
      this.#parseLine(bytes.subarray(start), true);
      this.#needsNewline = true;
    }
    this.#offset += filled;
  }

  #parseLine(raw: Buffer, last: boolean): void {
    const text = raw.toString('utf8').trim();
    if (text === '') return;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.#warn(
        last
          ? `ends with an incomplete line (${raw.length} bytes, most likely a crash while appending); it is ignored and that page's metrics, if any, are treated as missing`
          : `is not valid JSON; it is skipped`,
      );
      return;
    }
    // Page lines are nearly every line of a journal: checked by hand (what RecordSchema says of them);
    // anything else, or a page line that does not fit, goes through the schema, which says why.
    const page = asPageRecord(json);
    if (page !== undefined) {
      this.#apply(page);
      return;
    }
    const parsed = RecordSchema.safeParse(json);
    if (!parsed.success) {
      this.#warn(`is not a checkpoint record (${parsed.error.issues[0]?.message ?? 'unknown shape'}); it is skipped`);
      return;
    }
    this.#apply(parsed.data);
  }

  #apply(record: JournalRecord): void {
    switch (record.type) {
      case 'page':
        this.completed.set(record.page, record.metrics);
        if (record.bytes === undefined) this.sizes.delete(record.page);
        else this.sizes.set(record.page, record.bytes);
        if (record.sha256 === undefined) this.hashes.delete(record.page);
        else this.hashes.set(record.page, record.sha256);
        this.metricsMissing.delete(record.page);
        this.failures.delete(record.page);
        break;
      case 'failed':
        this.failures.set(record.page, { page: record.page, error: record.error, at: record.at });
        break;
      case 'stage-complete':
        this.lastComplete = { stats: record.stats, at: record.at };
        // Damage found before was seen by the run that completed: it checked every page file against the
        // journal and repaired what it had to. Repeating it on every status, forever, says nothing new.
        this.warnings.length = 0;
        break;
      case 'reset':
        this.completed.clear();
        this.sizes.clear();
        this.hashes.clear();
        this.metricsMissing.clear();
        this.failures.clear();
        this.lastComplete = undefined;
        this.repairs.length = 0;
        this.warnings.length = 0;
        break;
      case 'repair':
        this.repairs.push({ page: record.page, problem: record.problem, ...(record.detail === undefined ? {} : { detail: record.detail }), at: record.at });
        if (record.problem === 'temp-adopted') {
          // The journalled file is now in place: the page stays done, with its metrics and size.
        } else if (record.problem === 'metrics-missing') {
          // The page file is valid, so the page is done; only its metrics are unknown.
          this.completed.delete(record.page);
          this.sizes.delete(record.page);
          this.hashes.delete(record.page);
          this.metricsMissing.add(record.page);
          this.failures.delete(record.page);
        } else {
          this.completed.delete(record.page);
          this.sizes.delete(record.page);
          this.hashes.delete(record.page);
          this.metricsMissing.delete(record.page);
        }
        break;
    }
  }

  #linkContext(action: string) {
    return {
      action,
      ...(this.#options.scanId === undefined ? {} : { scanId: this.#options.scanId }),
      ...(this.#options.stage === undefined ? {} : { stage: this.#options.stage }),
    };
  }

  /** The stage folder must be no link either (the scan folder above it is the user's choice). */
  #assertNoLink(action: string): void {
    const stageDir = dirname(this.path);
    assertNoLink(dirname(stageDir), this.path, this.#linkContext(action));
  }

  #warn(what: string): void {
    const warning: JournalWarning = { line: this.#lineNo, message: `${this.path} line ${this.#lineNo} ${what}.` };
    this.warnings.push(warning);
    this.#options.onWarning?.(warning);
  }

  #error(error: unknown) {
    return toStorageError(error, { action: 'read', path: this.path, scanId: this.#options.scanId, stage: this.#options.stage });
  }
}

const SHA256 = /^[0-9a-f]{64}$/;

/**
 * A `page` record exactly as `RecordSchema` accepts it, else undefined (the schema then judges the line).
 * `RecordSchema.safeParse` costs ~30 µs a line: 40-60 ms of every command that reads three 400-page
 * journals (`run --stages merge`, `status`), for lines that are almost all page lines.
 */
function asPageRecord(json: unknown): Extract<JournalRecord, { type: 'page' }> | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const r = json as Record<string, unknown>;
  if (r.type !== 'page' || !Number.isSafeInteger(r.page) || (r.page as number) < 1 || typeof r.at !== 'string') return undefined;
  const { metrics, bytes, sha256 } = r;
  if (typeof metrics !== 'object' || metrics === null || Array.isArray(metrics)) return undefined;
  if (bytes !== undefined && (!Number.isSafeInteger(bytes) || (bytes as number) < 0)) return undefined;
  if (sha256 !== undefined && (typeof sha256 !== 'string' || !SHA256.test(sha256))) return undefined;
  return {
    type: 'page',
    page: r.page as number,
    metrics: metrics as Record<string, unknown>,
    ...(bytes === undefined ? {} : { bytes: bytes as number }),
    ...(sha256 === undefined ? {} : { sha256 }),
    at: r.at,
  };
}
