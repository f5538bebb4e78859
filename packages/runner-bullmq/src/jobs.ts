import type { BookStageName } from '@bookpipe/book-pipeline';
import { CORRECTION_STAGE, LABEL_STAGE, MERGE_STAGE, OCR_STAGE, SOURCE_STAGE } from '@bookpipe/contracts';

/**
 * The queues, one per kind of work, so that each gets its own concurrency and limits on a worker:
 * OCR pages are CPU work (as many at once as the worker has OCR threads), LLM pages are network work under
 * one rate limit shared by every worker (BullMQ's queue limiter lives in Redis), and book steps are a
 * stage's `after()` (report.csv, page numbers, book metadata) and whole-stage jobs (merge).
 */
export const QUEUES = {
  ocr: 'bookpipe-ocr',
  llm: 'bookpipe-llm',
  book: 'bookpipe-book',
} as const;
export type QueueKind = keyof typeof QUEUES;

/** The stages the queue runs; source runs where the book is submitted (it reads the user's local files). */
export type QueuedStage = Exclude<BookStageName, typeof SOURCE_STAGE>;

/** What a submitted book runs, fixed at submit time and carried by every job of the book. */
export interface BookPlan {
  /** The scan's storage root, `s3://bucket/prefix` (or a shared folder): workers refuse a job of another root. */
  root: string;
  scanId: string;
  /** The stages after source, in pipeline order. */
  stages: QueuedStage[];
  /**
   * True when the submitter's configuration has a model: correction and label then run one job per page
   * on the LLM queue; without one they run as one book job each, since their deterministic modes read the
   * whole book (the book's vocabulary, running heads) and take milliseconds a page.
   */
  llm: boolean;
}

export interface PageJobData {
  plan: BookPlan;
  stage: QueuedStage;
  page: number;
}

/** `after`: a page stage's book-level end (its pages are the flow's children); `whole`: a stage run in one job. */
export interface BookJobData {
  plan: BookPlan;
  stage: QueuedStage;
  step: 'after' | 'whole';
}

/** Upstream stages of each queued stage (merge reads correction and label when they are in the plan). */
export function upstreamOf(stage: QueuedStage, plan: Pick<BookPlan, 'stages'>): string[] {
  switch (stage) {
    case OCR_STAGE:
      return [SOURCE_STAGE];
    case CORRECTION_STAGE:
    case LABEL_STAGE:
      return [OCR_STAGE];
    case MERGE_STAGE:
      return [OCR_STAGE, ...plan.stages.filter((name) => name === CORRECTION_STAGE || name === LABEL_STAGE)];
    default:
      throw new Error(`[runner-bullmq] unknown stage "${stage as string}"`);
  }
}

/** How a stage is queued: one job per page (and an `after` job), or one job for the whole stage. */
export function stageShape(stage: QueuedStage, plan: Pick<BookPlan, 'llm'>): { kind: 'pages'; queue: QueueKind } | { kind: 'whole' } {
  if (stage === OCR_STAGE) return { kind: 'pages', queue: 'ocr' };
  if ((stage === CORRECTION_STAGE || stage === LABEL_STAGE) && plan.llm) return { kind: 'pages', queue: 'llm' };
  // Merge needs each page's neighbours (continuation) and takes about a second for 400 pages.
  return { kind: 'whole' };
}

/**
 * Job ids, fixed per book, stage and page: BullMQ adds nothing for an id it already holds, so a book
 * submitted twice, or a stage enqueued by two finishing upstream stages at once, is queued once.
 * A scan id never holds "/" (assertScanId), so the ids cannot collide.
 */
export const jobIds = {
  page: (scanId: string, stage: string, page: number) => `${scanId}/${stage}/page-${String(page).padStart(4, '0')}`,
  after: (scanId: string, stage: string) => `${scanId}/${stage}/after`,
  whole: (scanId: string, stage: string) => `${scanId}/${stage}/whole`,
};
