import type { CheckpointManager, Logger, PageFailure, StageStatus } from '@bookpipe/core';
import { mapLimit } from '@bookpipe/core';
import type { CheckpointJournal, RepairProblem } from './checkpoint-journal.js';
import type { PageCheck, PageFolder } from './page-folder.js';
import { CLEAN_MARKER, cleanPending } from './stage-clean.js';

/** Page files checked at once on resume: enough to overlap I/O, few enough to keep file handles free. */
const CHECK_CONCURRENCY = 16;

/** `StageStatus` plus what the filesystem backend found when it compared the journal with the files. */
export interface FsStageStatus extends StageStatus {
  /** Pages with a valid file but no journalled metrics (a journal from an older version, or damaged by hand). */
  metricsMissingPages: number[];
  /** Pages whose file exists but does not validate; the next run redoes them. */
  invalidPages: Array<{ page: number; problem: string }>;
  /** With `status({ verify: true })`: pages the journal holds as done whose file is gone; the next run redoes them. */
  missingPages: number[];
  /** What resume corrected since the last reset (journal repair records), oldest first. */
  repairs: Array<{ page: number; problem: RepairProblem; detail?: string; at: string }>;
  /** Damage found in checkpoint.jsonl (corrupt or torn lines), one message each. */
  warnings: string[];
}

export interface FsCheckpointManagerInit {
  /** The stage's page files (the same object its `FsStageStorage` writes through). */
  folder: PageFolder;
  journal: CheckpointJournal;
  scanId: string;
  stageName: string;
  logger: Logger;
  pageNumbers: () => Promise<number[]>;
}

/**
 * What is done and what is left in one stage, from its journal and its page files. The files are the
 * truth: a journalled page whose file is missing, invalid or of another size than journalled is redone,
 * unless a dead process left its complete temp file (killed between the journal append and the rename),
 * which is renamed into place. A valid file with no journal line counts as done, with its metrics
 * reported missing: since `savePage` journals before the rename, a crash no longer leaves that, only a
 * journal written by an older version or damaged by hand does.
 */
export class FsCheckpointManager implements CheckpointManager {
  readonly #init: FsCheckpointManagerInit;

  constructor(init: FsCheckpointManagerInit) {
    this.#init = init;
  }

  /**
   * The pages of `expected` (default: every page of the scan) that have no valid page file, in the
   * order given. Checks each page file once (later calls only `stat` unchanged files) and records in
   * the journal what it had to correct, with a warning, so that metrics and report.csv tell the truth.
   */
  async remainingPages(expected?: readonly number[]): Promise<number[]> {
    const { folder, journal } = this.#init;
    await this.finishPendingClean();
    await journal.refresh();
    const pages = expected ?? (await this.#init.pageNumbers());
    const { pages: present, temps } = await folder.list();
    // Journalled hashes are checked too: an image page damaged in the middle is made again.
    const checks = await this.#check(pages, new Set(present), true);
    const remaining: number[] = [];
    for (const [i, page] of pages.entries()) {
      let check = checks[i]!;
      const journalled = journal.completed.has(page) || journal.metricsMissing.has(page);
      const bytes = journal.completed.has(page) ? journal.sizes.get(page) : undefined;
      if (check.ok && bytes !== undefined && check.size !== bytes) {
        // A redone page journalled with its new file's size, then a crash before the rename: the old file is still there.
        check = {
          ok: false,
          missing: false,
          problem: `its file has ${check.size} bytes where the journal says ${bytes} (the file it journalled was not renamed into place)`,
        };
      }
      if (check.ok) {
        if (!journalled) {
          await this.#repair(
            page,
            'metrics-missing',
            'its file is valid but the journal has no line for it (a journal written by an older version, or damaged or edited by hand: a crash no longer leaves this, as the journal is written before the page file); it counts as done and its metrics are missing',
          );
        }
        continue;
      }
      // Killed between the journal append and the rename: the journalled file is complete in its temp file.
      const adopted = journal.completed.has(page) ? await folder.adoptTemp(page, temps, bytes) : undefined;
      if (adopted !== undefined) {
        await this.#repair(
          page,
          'temp-adopted',
          `it was journalled as done but ${check.problem}; its complete temp file ${adopted}, left by a process that stopped before renaming it, was renamed into place and its journalled metrics kept`,
        );
        continue;
      }
      // A damaged image page goes before the journal forgets it: its structure is intact, so with no
      // journalled hash left it would pass for a good page. Killed in between, the journal still names
      // the page and its file is missing: redone all the same.
      if (!check.ok && check.damaged) await folder.removeDamaged(page);
      if (journalled) {
        const removed = !check.ok && check.damaged ? ' (the damaged file was removed)' : '';
        await this.#repair(
          page,
          check.missing ? 'file-missing' : 'file-invalid',
          `it was journalled as done but ${check.problem}; it will be redone${removed}`,
        );
      }
      remaining.push(page);
    }
    // After adoption, which needs them.
    await folder.sweepDeadTemps(temps);
    return remaining;
  }

  async markCompleted(page: number, metrics: Record<string, unknown>): Promise<void> {
    await this.#init.journal.append({ type: 'page', page, metrics });
  }

  async markFailed(page: number, error: string): Promise<void> {
    await this.#init.journal.append({ type: 'failed', page, error });
  }

  /** Journals the stage's completion and fsyncs the journal: what a finished stage claims survives a power cut. */
  async markStageComplete(stats: Record<string, unknown>): Promise<void> {
    // The pages' renames are made durable before the record that says the stage is complete (savePage
    // does not wait for its folder fsync: see PageFolder.write).
    await this.#init.folder.syncRenames();
    await this.#init.journal.append({ type: 'stage-complete', stats });
    await this.#init.journal.sync();
  }

  /**
   * Finishes a clean that was killed midway (its marker is still in the folder), so that what it left
   * is never taken for a stage partly done. Returns whether there was one. `remainingPages` calls it,
   * and so does the scan lock when taken (`FsBookStorage.acquireLock`).
   */
  async finishPendingClean(): Promise<boolean> {
    const { folder, logger, scanId, stageName } = this.#init;
    if (!(await cleanPending(folder.dir))) return false;
    logger.warn(`stage "${stageName}": finishing a clean that was interrupted (${CLEAN_MARKER} found)`, { scanId, stage: stageName });
    await folder.clean();
    return true;
  }

  /**
   * `status().complete` from the journal alone, without checking any page file: what a pipeline asks of
   * a dependency that ran earlier (`status()` would read and validate every one of its pages, ~0.45 s
   * for 400 OCR pages, for page lists that question does not use). A page file damaged since is found
   * when a stage reads it (`loadPage` says which file and what to run), or redone by `remainingPages`.
   */
  async isComplete(): Promise<boolean> {
    const { journal, folder } = this.#init;
    if (await cleanPending(folder.dir)) return false;
    await journal.refresh();
    return journalComplete(journal);
  }

  /**
   * Complete means: a stage-complete record after the last reset, and no failure that a later
   * completion has not superseded. Page lists come from the page files. Without `verify`, a page file
   * the journal holds as done and of the byte length it journalled is taken as valid from one `lstat`
   * (it was validated when written, and renamed into place whole); any other file is read and checked.
   * Reading every file made `bookpipe status` on 300 pages of five stages take ~0.25 s more than its
   * start-up (bench/startup). With `verify`, every file is read in full: JSON pages validated, image
   * pages compared with the SHA-256 journalled when they were written, and pages the journal holds as
   * done whose file is gone are listed in `missingPages`. Read-only: unlike `remainingPages`, it
   * records no repair.
   */
  async status(options: { verify?: boolean } = {}): Promise<FsStageStatus> {
    const { folder, journal } = this.#init;
    if (await cleanPending(folder.dir)) {
      // Half cleaned: nothing in it counts. Read-only, so the clean is left to the next run or clean.
      return {
        stage: this.#init.stageName,
        complete: false,
        completedPages: [],
        failedPages: [],
        metricsMissingPages: [],
        invalidPages: [],
        missingPages: [],
        repairs: [],
        warnings: [
          `a clean of this stage was interrupted (${CLEAN_MARKER} in ${folder.dir}): nothing in it counts as done. The next run of the stage finishes the clean, or run \`bookpipe clean ${this.#init.scanId} --stage ${this.#init.stageName}\`.`,
        ],
      };
    }
    await journal.refresh();
    const { pages: present } = await folder.list();
    const checks = options.verify === true ? await this.#check(present, new Set(present), true) : await this.#checkBySize(present);
    const completedPages: number[] = [];
    const invalidPages: FsStageStatus['invalidPages'] = [];
    for (const [i, page] of present.entries()) {
      const check = checks[i]!;
      if (check.ok) completedPages.push(page);
      else invalidPages.push({ page, problem: check.problem });
    }
    const valid = new Set(completedPages);
    const failedPages: PageFailure[] = [...journal.failures.values()].filter((f) => !valid.has(f.page)).sort((a, b) => a.page - b.page);
    const status: FsStageStatus = {
      stage: this.#init.stageName,
      complete: journalComplete(journal),
      completedPages,
      failedPages,
      metricsMissingPages: completedPages.filter((p) => !journal.completed.has(p)),
      invalidPages,
      missingPages: options.verify ? [...journal.completed.keys()].filter((p) => !present.includes(p)).sort((a, b) => a - b) : [],
      repairs: [...journal.repairs],
      warnings: journal.warnings.map((w) => w.message),
    };
    if (journal.lastComplete) status.lastStats = journal.lastComplete.stats;
    return status;
  }

  /**
   * Latest metrics of each page the journal holds as done, in page order. A page whose file is valid
   * but whose metrics were lost appears as `{ pageNum, metricsMissing: true }`, so that report.csv
   * keeps a row for it (with blank cells and a warning) instead of silently dropping it.
   */
  async metrics(): Promise<Map<number, Record<string, unknown>>> {
    const { journal, folder } = this.#init;
    if (await cleanPending(folder.dir)) return new Map();
    await journal.refresh();
    const pages = [...journal.completed.keys(), ...journal.metricsMissing].sort((a, b) => a - b);
    return new Map(pages.map((p) => [p, journal.completed.get(p) ?? { pageNum: p, metricsMissing: true }]));
  }

  /** Appends a reset record: every earlier record is forgotten. Page files are left to `StageStorage.clean`. */
  async reset(): Promise<void> {
    await this.#init.journal.append({ type: 'reset' });
  }

  /**
   * Page files that exist (`present`): journalled as done with their byte length and of that length
   * ok from their size alone; the others (no size journalled, another size, not a file) checked in full.
   */
  async #checkBySize(present: readonly number[]): Promise<PageCheck[]> {
    const { folder, journal } = this.#init;
    const checks: Array<PageCheck | undefined> = present.map((page) => {
      const journalled = journal.completed.has(page) ? journal.sizes.get(page) : undefined;
      if (journalled === undefined) return undefined;
      return folder.sizeOf(page) === journalled ? { ok: true, size: journalled } : undefined;
    });
    const rest = present.filter((_, i) => checks[i] === undefined);
    const checked = await this.#check(rest, new Set(rest), false);
    let next = 0;
    return checks.map((check) => check ?? checked[next++]!);
  }

  /** Checks page files; with `hashes`, against the SHA-256 the journal holds for them (image pages). */
  async #check(pages: readonly number[], present: ReadonlySet<number>, hashes: boolean): Promise<PageCheck[]> {
    const { folder, journal } = this.#init;
    return mapLimit(
      pages,
      CHECK_CONCURRENCY,
      async (page): Promise<PageCheck> =>
        present.has(page)
          ? folder.check(page, hashes && journal.completed.has(page) ? journal.hashes.get(page) : undefined)
          : { ok: false, missing: true, problem: 'its file is missing' },
    );
  }

  async #repair(page: number, problem: RepairProblem, detail: string): Promise<void> {
    const { folder, scanId, stageName, logger, journal } = this.#init;
    // An adopted temp file loses nothing: not a warning.
    const log = problem === 'temp-adopted' ? logger.info.bind(logger) : logger.warn.bind(logger);
    log(`page ${page} of stage "${stageName}": ${detail}`, { scanId, stage: stageName, page, problem, file: folder.pagePath(page) });
    await journal.append({ type: 'repair', page, problem, detail });
  }
}

/** A stage-complete record after the last reset, and no failure a later completion has not superseded. */
function journalComplete(journal: CheckpointJournal): boolean {
  return journal.lastComplete !== undefined && journal.failures.size === 0;
}
