import { appendFile, mkdir, open, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { BookpipeError, ErrorCode, type PageFailure } from '@bookpipe/core';
import { cleanGeneration } from './clean-generation.js';
import { withKeyLock } from './keyed-mutex.js';
import { errnoCode, toStorageError } from './storage-error.js';

const page = z.number().int().positive();
const at = z.string();

/** Why a page's record was repaired when the journal was compared with the page files. */
export type RepairProblem = 'metrics-missing' | 'file-missing' | 'file-invalid';

/**
 * One line of `checkpoint.jsonl`. `page` lines carry a finished page's metrics; `repair` lines record
 * what resume found when it compared the journal with the page files (the files win).
 */
const RecordSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('page'), page, metrics: z.record(z.string(), z.unknown()), at }),
  z.object({ type: z.literal('failed'), page, error: z.string(), at }),
  z.object({ type: z.literal('stage-complete'), stats: z.record(z.string(), z.unknown()), at }),
  z.object({ type: z.literal('reset'), at }),
  z.object({
    type: z.literal('repair'),
    page,
    problem: z.enum(['metrics-missing', 'file-missing', 'file-invalid']),
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
 * The append-only journal of one stage, with an in-memory index of what it says.
 *
 * The file is read once, then only the bytes appended since (by this object, another object on the
 * same file, or another process) are read, so `metrics()` and `status()` never re-read 10,000 lines.
 * Appending costs one `stat` and one `appendFile`: O(1) whatever the size of the journal.
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

  /** Latest metrics of each page whose last record says it is done. */
  readonly completed = new Map<number, Record<string, unknown>>();
  /** Pages with a valid file but no metrics (the process died between writing the file and journalling). */
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

  /** Appends one record and applies it to the index. */
  async append(input: JournalRecordInput): Promise<void> {
    const record = { ...input, at: (this.#options.now?.() ?? new Date()).toISOString() } as JournalRecord;
    let line: string;
    try {
      line = JSON.stringify(record);
    } catch (error) {
      const page = 'page' in record ? ` for page ${record.page}` : '';
      throw new BookpipeError(ErrorCode.INPUT_INVALID, `The ${record.type} record${page} cannot be written to ${this.path}: ${(error as Error).message}. Journal only JSON values.`, {
        details: { scanId: this.#options.scanId, stage: this.#options.stage, file: this.path },
      });
    }
    await withKeyLock(this.path, async () => {
      await this.#refreshLocked();
      const text = (this.#needsNewline ? '\n' : '') + line + '\n';
      try {
        try {
          await appendFile(this.path, text);
        } catch (error) {
          if (errnoCode(error) !== 'ENOENT') throw error;
          await mkdir(dirname(this.path), { recursive: true });
          await appendFile(this.path, text);
        }
        if (this.#ino === undefined) ({ ino: this.#ino, birthtimeMs: this.#birth } = await stat(this.path));
      } catch (error) {
        throw toStorageError(error, { action: 'append to', path: this.path, scanId: this.#options.scanId, stage: this.#options.stage });
      }
      // A leading newline only terminates the fragment line, which was already counted.
      this.#offset += Buffer.byteLength(text);
      this.#needsNewline = false;
      this.#lineNo++;
      this.#apply(record);
    });
  }

  /** Forgets the index, so that the file is read again from the start. */
  #forget(): void {
    this.#offset = 0;
    this.#ino = undefined;
    this.#birth = undefined;
    this.#lineNo = 0;
    this.#needsNewline = false;
    this.completed.clear();
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
    try {
      ({ size, ino, birthtimeMs } = await stat(this.path));
    } catch (error) {
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
      const handle = await open(this.path, 'r');
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
        this.metricsMissing.delete(record.page);
        this.failures.delete(record.page);
        break;
      case 'failed':
        this.failures.set(record.page, { page: record.page, error: record.error, at: record.at });
        break;
      case 'stage-complete':
        this.lastComplete = { stats: record.stats, at: record.at };
        break;
      case 'reset':
        this.completed.clear();
        this.metricsMissing.clear();
        this.failures.clear();
        this.lastComplete = undefined;
        this.repairs.length = 0;
        break;
      case 'repair':
        this.repairs.push({ page: record.page, problem: record.problem, ...(record.detail === undefined ? {} : { detail: record.detail }), at: record.at });
        if (record.problem === 'metrics-missing') {
          // The page file is valid, so the page is done; only its metrics are unknown.
          this.completed.delete(record.page);
          this.metricsMissing.add(record.page);
          this.failures.delete(record.page);
        } else {
          this.completed.delete(record.page);
          this.metricsMissing.delete(record.page);
        }
        break;
    }
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
