import { type CheckpointManager, type Logger, mapLimit, type PageFailure, type StageStatus } from '@bookpipe/core';
import { CLEAN_MARKER } from '@bookpipe/storage';
import { z } from 'zod';
import type { ObjectStore } from './object-store.js';
import type { PageCheck, S3StageStorage } from './s3-stage-storage.js';
import { JOURNAL_FOLDER, STAGE_COMPLETE } from './stage-keys.js';

/** Requests in flight at once when reading journal records or checking pages. */
const READ_CONCURRENCY = 16;

const PageRecordSchema = z.object({
  page: z.number().int().positive(),
  metrics: z.record(z.string(), z.unknown()),
  bytes: z.number().int().nonnegative(),
  at: z.string(),
});
const FailureRecordSchema = z.object({ page: z.number().int().positive(), error: z.string(), at: z.string() });
const CompleteRecordSchema = z.object({ stats: z.record(z.string(), z.unknown()), at: z.string() });
type PageRecord = z.infer<typeof PageRecordSchema>;

export interface S3CheckpointManagerInit {
  store: ObjectStore;
  stage: S3StageStorage;
  scanId: string;
  stageName: string;
  logger: Logger;
  now: () => Date;
  pageNumbers: () => Promise<number[]>;
}

/** `StageStatus` plus what the S3 backend found when it compared the journal with the page objects. */
export interface S3StageStatus extends StageStatus {
  /** Page objects that exist but do not validate; the next run redoes them. */
  invalidPages: Array<{ page: number; problem: string }>;
  warnings: string[];
}

/**
 * The journal of one stage on S3. S3 has no append, so instead of `checkpoint.jsonl` each record is an
 * object of its own, replaced whole: `_journal/page_0001.json` (the page's metrics and byte length,
 * written before the page object), `_journal/failed_0001.json` (its last failure, deleted when the page
 * is saved) and `_journal/stage-complete.json`. A listing of `_journal/` then says which pages are done,
 * which failed and whether the stage completed. The page objects are the truth, as on the filesystem.
 */
export class S3CheckpointManager implements CheckpointManager {
  readonly #init: S3CheckpointManagerInit;

  constructor(init: S3CheckpointManagerInit) {
    this.#init = init;
  }

  get #ctx() {
    return { scanId: this.#init.scanId, stage: this.#init.stageName };
  }

  /** Writes the page's record (`savePage` calls it before the page object). */
  async writeRecord(page: number, metrics: Record<string, unknown>, bytes: number): Promise<void> {
    const record: PageRecord = { page, metrics, bytes, at: this.#init.now().toISOString() };
    await this.#init.store.put(this.#init.stage.keys.record(page), `${JSON.stringify(record)}\n`, { ...this.#ctx, page });
  }

  /**
   * The pages of `expected` (default: every page of the scan) without a valid page object, in the order
   * given. A page whose record gives its object's size is taken as written whole after validation (a
   * PutObject is atomic); any other is read and validated. A record whose object is missing or of
   * another size (killed between the record and the page) is redone. A valid object with no record
   * counts as done and gets a record saying its metrics are missing.
   */
  async remainingPages(expected?: readonly number[]): Promise<number[]> {
    await this.finishPendingClean();
    const wanted = expected ?? (await this.#init.pageNumbers());
    const { pages, records } = await this.#read();
    const recordOf = await this.#pageRecords(wanted.filter((p) => records.has(p) && pages.has(p)));
    const checks = await mapLimit(wanted, READ_CONCURRENCY, (page) => this.#check(page, pages.get(page), recordOf.get(page)));
    const remaining: number[] = [];
    for (const [i, page] of wanted.entries()) {
      const check = checks[i]!;
      if (!check.ok) {
        if (records.has(page)) this.#warn(page, `it was journalled as done but ${check.problem}; it will be redone`);
        remaining.push(page);
      } else if (!records.has(page)) {
        this.#warn(page, 'its object is valid but has no journal record; it counts as done and its metrics are missing');
        await this.writeRecord(page, { pageNum: page, metricsMissing: true }, check.size);
      }
    }
    return remaining;
  }

  async markCompleted(page: number, metrics: Record<string, unknown>): Promise<void> {
    const size = (await this.#init.stage.listing()).get(this.#init.stage.keys.page(page, this.#init.stage.pageFormat).slice(this.#init.stage.keys.dir.length));
    await this.writeRecord(page, metrics, size ?? 0);
    await this.#init.store.delete(this.#init.stage.keys.failure(page), { ...this.#ctx, page });
  }

  async markFailed(page: number, error: string): Promise<void> {
    const record = { page, error, at: this.#init.now().toISOString() };
    await this.#init.store.put(this.#init.stage.keys.failure(page), `${JSON.stringify(record)}\n`, { ...this.#ctx, page });
  }

  async markStageComplete(stats: Record<string, unknown>): Promise<void> {
    await this.#init.store.put(this.#init.stage.keys.complete, `${JSON.stringify({ stats, at: this.#init.now().toISOString() })}\n`, this.#ctx);
  }

  /** Finishes a clean that was killed midway (`.clean-pending` still there). Returns whether there was one. */
  async finishPendingClean(): Promise<boolean> {
    const { store, stage, logger, scanId, stageName } = this.#init;
    if (!(await store.exists(stage.keys.file(CLEAN_MARKER), this.#ctx))) return false;
    logger.warn(`stage "${stageName}": finishing a clean that was interrupted (${CLEAN_MARKER} found)`, { scanId, stage: stageName });
    await stage.clean();
    return true;
  }

  /** One listing of `_journal/`: a completion record and no failure record. */
  async isComplete(): Promise<boolean> {
    const { failures, complete, cleanPending } = await this.#read();
    return !cleanPending && complete && failures.size === 0;
  }

  async status(): Promise<S3StageStatus> {
    const { stageName, scanId } = this.#init;
    const { pages, records, failures, complete, cleanPending } = await this.#read();
    if (cleanPending) {
      return {
        stage: stageName,
        complete: false,
        completedPages: [],
        failedPages: [],
        invalidPages: [],
        warnings: [
          `a clean of this stage was interrupted (${CLEAN_MARKER} in ${this.#init.stage.dir}): nothing in it counts as done. The next run of the stage finishes the clean, or run \`bookpipe clean ${scanId} --stage ${stageName}\`.`,
        ],
      };
    }
    const present = [...pages.keys()];
    const recordOf = await this.#pageRecords(present.filter((p) => records.has(p)));
    const checks = await mapLimit(present, READ_CONCURRENCY, (page) => this.#check(page, pages.get(page), recordOf.get(page)));
    const completedPages: number[] = [];
    const invalidPages: S3StageStatus['invalidPages'] = [];
    for (const [i, page] of present.entries()) {
      const check = checks[i]!;
      if (check.ok) completedPages.push(page);
      else invalidPages.push({ page, problem: check.problem });
    }
    const valid = new Set(completedPages);
    const failedPages = (await this.#failures([...failures].filter((p) => !valid.has(p)))).sort((a, b) => a.page - b.page);
    const status: S3StageStatus = { stage: stageName, complete: complete && failures.size === 0, completedPages, failedPages, invalidPages, warnings: [] };
    if (complete) {
      const text = await this.#init.store.getText(this.#init.stage.keys.complete, this.#ctx);
      const parsed = text === undefined ? undefined : CompleteRecordSchema.safeParse(safeJson(text));
      if (parsed?.success) status.lastStats = parsed.data.stats;
    }
    return status;
  }

  /** Latest metrics of each page with a record, in page order. */
  async metrics(): Promise<Map<number, Record<string, unknown>>> {
    const { records, cleanPending } = await this.#read();
    if (cleanPending) return new Map();
    const recordOf = await this.#pageRecords([...records].sort((a, b) => a - b));
    return new Map([...recordOf].map(([page, r]) => [page, r.metrics]));
  }

  /** Forgets every record: the completion record first, so a reset cut short never reads as complete. */
  async reset(): Promise<void> {
    const { store, stage } = this.#init;
    await store.delete(stage.keys.complete, this.#ctx);
    await store.deleteMany(
      (await store.list(stage.keys.journal, this.#ctx)).map((o) => o.key),
      this.#ctx,
    );
  }

  /** One listing of the stage: page objects (with sizes), pages with a record, pages with a failure, completion. */
  async #read() {
    const { stage } = this.#init;
    const listing = await stage.listing();
    const records = new Set<number>();
    const failures = new Set<number>();
    let complete = false;
    for (const name of listing.keys()) {
      if (!name.startsWith(`${JOURNAL_FOLDER}/`)) continue;
      if (name === `${JOURNAL_FOLDER}/${STAGE_COMPLETE}`) complete = true;
      const parsed = stage.keys.parseJournalKey(stage.keys.file(name));
      if (parsed?.kind === 'page') records.add(parsed.page);
      if (parsed?.kind === 'failed') failures.add(parsed.page);
    }
    return { pages: stage.pagesIn(listing), records, failures, complete, cleanPending: listing.has(CLEAN_MARKER) };
  }

  async #pageRecords(pages: readonly number[]): Promise<Map<number, PageRecord>> {
    const out = new Map<number, PageRecord>();
    await mapLimit(pages, READ_CONCURRENCY, async (page) => {
      const text = await this.#init.store.getText(this.#init.stage.keys.record(page), { ...this.#ctx, page });
      const parsed = text === undefined ? undefined : PageRecordSchema.safeParse(safeJson(text));
      if (parsed?.success) out.set(page, parsed.data);
      else if (text !== undefined) this.#warn(page, `its journal record ${this.#init.store.url(this.#init.stage.keys.record(page))} is damaged; it is ignored`);
    });
    return new Map([...out].sort((a, b) => a[0] - b[0]));
  }

  async #failures(pages: readonly number[]): Promise<PageFailure[]> {
    const out: PageFailure[] = [];
    await mapLimit(pages, READ_CONCURRENCY, async (page) => {
      const text = await this.#init.store.getText(this.#init.stage.keys.failure(page), { ...this.#ctx, page });
      const parsed = text === undefined ? undefined : FailureRecordSchema.safeParse(safeJson(text));
      out.push(parsed?.success ? parsed.data : { page, error: 'unknown (its failure record is damaged)', at: '' });
    });
    return out;
  }

  async #check(page: number, size: number | undefined, record: PageRecord | undefined): Promise<PageCheck> {
    const { stage } = this.#init;
    if (size !== undefined && record !== undefined && record.bytes === size) {
      stage.trust(page, size);
      return { ok: true, size };
    }
    const check = await stage.checkPage(page, size);
    if (check.ok && record !== undefined && record.bytes !== check.size) {
      // Journalled for a redo of another size, killed before the page object was replaced: the old page is still there.
      return {
        ok: false,
        missing: false,
        problem: `its object has ${check.size} bytes where the journal says ${record.bytes} (the page it journalled was not written)`,
      };
    }
    return check;
  }

  #warn(page: number, detail: string): void {
    const { logger, scanId, stageName, stage } = this.#init;
    logger.warn(`page ${page} of stage "${stageName}": ${detail}`, { scanId, stage: stageName, page, file: stage.pagePath(page) });
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
