import { pageFileName, parsePageFileName } from '@bookpipe/core';

/** A stage's journal "folder": one small object per record, since S3 has no append. */
export const JOURNAL_FOLDER = '_journal';
/** `_journal/stage-complete.json`: the stage's completion record, with its stats. */
export const STAGE_COMPLETE = 'stage-complete.json';

/**
 * The keys of one stage's objects under `<scan>/<stage>/`:
 * `page_0001.json` (the page), `_journal/page_0001.json` (its metrics and byte length, written before the
 * page), `_journal/failed_0001.json` (its last failure, removed when the page is saved),
 * `_journal/stage-complete.json`, `stage.json`, `.clean-pending` and the stage-level files it wrote.
 */
export class StageKeys {
  /** `<prefix><scanId>/<stage>/` */
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  page(page: number, extension: string): string {
    return `${this.dir}${pageFileName(page, extension)}`;
  }

  get journal(): string {
    return `${this.dir}${JOURNAL_FOLDER}/`;
  }

  record(page: number): string {
    return `${this.journal}${pageFileName(page, 'json')}`;
  }

  failure(page: number): string {
    return `${this.journal}failed_${String(page).padStart(4, '0')}.json`;
  }

  get complete(): string {
    return `${this.journal}${STAGE_COMPLETE}`;
  }

  file(name: string): string {
    return `${this.dir}${name}`;
  }

  /** The page number of a journal key: `page` for a page record, `failed` for a failure. */
  parseJournalKey(key: string): { kind: 'page' | 'failed'; page: number } | undefined {
    const name = key.slice(this.journal.length);
    const page = parsePageFileName(name, 'json');
    if (page !== undefined) return { kind: 'page', page };
    const m = /^failed_(\d{4,})\.json$/.exec(name);
    return m ? { kind: 'failed', page: Number(m[1]) } : undefined;
  }
}
