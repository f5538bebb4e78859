import {
  CorrectionPageSchema,
  LabelPageSchema,
  MergePageSchema,
  OcrPageSchema,
  PAGE_NUMBERS_FILE,
  type PageNumbersFile,
  PageNumbersFileSchema,
} from '@bookpipe/contracts';
import { type BookStorage, describeError, type StageStorage } from '@bookpipe/core';
import type { ZodType } from 'zod';
import type { StageSummary } from './book-summary.js';
import type { PageInputs, PrintedNumber, StageFailure } from './page-model.js';

/** The pipeline's stages, in order; the view says which of them have not run. */
export const PIPELINE_STAGES = ['source', 'ocr', 'correction', 'label', 'merge'] as const;

/** What the view knows of the scan's stages before it reads any page. */
export interface ScanStages {
  summaries: StageSummary[];
  /** Stages with at least one page file or journal record. */
  present: Set<string>;
  /** Page numbers with a page file, per stage. */
  pagesByStage: Map<string, Set<number>>;
  failuresByPage: Map<number, StageFailure[]>;
  pageNumbers: Map<number, PageNumbersFile[number]> | undefined;
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/** A stage's summary from its folder and journal: pages, failures, LLM cost and tokens from the per-page metrics. */
async function summarise(stage: StageStorage): Promise<StageSummary & { pages: number[]; hasRecords: boolean }> {
  const [pages, status, metrics] = await Promise.all([stage.listPages(), stage.checkpoint.status(), stage.checkpoint.metrics()]);
  let costUsd = 0;
  let costUnknownPages = 0;
  let llmPages = 0;
  let promptTokens = 0;
  let completionTokens = 0;
  const methods = new Set<string>();
  const models = new Set<string>();
  for (const m of metrics.values()) {
    if (m.costUsd === null) costUnknownPages += 1;
    else costUsd += num(m.costUsd);
    // LLM metrics name their provider (core's LlmPageMetrics); the OCR stage's `model` is a traineddata file.
    if (typeof m.provider === 'string' && m.provider !== '') {
      llmPages += 1;
      if (typeof m.model === 'string') models.add(`${m.provider} ${m.model}`);
    }
    if (typeof m.method === 'string') methods.add(m.method);
    if (typeof m.engine === 'string') methods.add(typeof m.model === 'string' ? `${m.engine}, ${m.model}` : m.engine);
    promptTokens += num(m.promptTokens);
    completionTokens += num(m.completionTokens);
  }
  return {
    stage: stage.stageName,
    pagesWithFiles: pages.length,
    pages,
    complete: status.complete,
    failed: status.failedPages.map((f) => ({ page: f.page, error: f.error })),
    llmPages,
    costUsd,
    costUnknownPages,
    promptTokens,
    completionTokens,
    methods: [...methods],
    models: [...models],
    warnings: status.warnings ?? [],
    hasRecords: status.complete || status.completedPages.length > 0 || status.failedPages.length > 0,
  };
}

/**
 * Reads every stage folder of the scan (except `exclude`, the view's own folder): page files, journal
 * status and metrics, and the label stage's book-wide `page-numbers.json`.
 */
export async function readScanStages(scan: BookStorage, exclude: ReadonlySet<string>): Promise<ScanStages> {
  const names = (await scan.stageNames()).filter((name) => !exclude.has(name));
  const ordered = [...PIPELINE_STAGES.filter((s) => names.includes(s)), ...names.filter((n) => !(PIPELINE_STAGES as readonly string[]).includes(n))];
  const summaries: StageSummary[] = [];
  const present = new Set<string>();
  const pagesByStage = new Map<string, Set<number>>();
  const failuresByPage = new Map<number, StageFailure[]>();
  for (const name of ordered) {
    // The storage knows each stage's page format (PNG for the source stage's).
    const s = await summarise(scan.stage(name));
    // A folder with neither pages nor journal records is not a stage that ran (a user's own folder).
    if (s.pages.length === 0 && !s.hasRecords) continue;
    const { pages, hasRecords: _, ...summary } = s;
    summaries.push(summary);
    present.add(name);
    pagesByStage.set(name, new Set(pages));
    for (const f of summary.failed) {
      const list = failuresByPage.get(f.page) ?? [];
      list.push({ stage: name, error: f.error });
      failuresByPage.set(f.page, list);
    }
  }
  let pageNumbers: ScanStages['pageNumbers'];
  if (present.has('label')) {
    try {
      const file = PageNumbersFileSchema.parse(JSON.parse(await scan.stage('label').readFile(PAGE_NUMBERS_FILE)));
      pageNumbers = new Map(file.map((entry) => [entry.page, entry]));
    } catch {
      // Written when the label stage finishes; without it the label pages' own readings are shown.
    }
  }
  return { summaries, present, pagesByStage, failuresByPage, pageNumbers };
}

/** Loads one page of every stage that has it; an unreadable file is reported, not fatal. */
export async function readPageInputs(
  scan: BookStorage,
  stages: ScanStages,
  page: number,
  rest: Pick<PageInputs, 'image' | 'lowConfidence'>,
): Promise<PageInputs> {
  const unreadable: StageFailure[] = [];
  const load = async <T>(name: string, schema: ZodType<T>): Promise<T | undefined> => {
    if (!stages.pagesByStage.get(name)?.has(page)) return undefined;
    try {
      return await scan.stage(name, { schema }).loadPage(page, schema);
    } catch (error) {
      unreadable.push({ stage: name, error: describeError(error) });
      return undefined;
    }
  };
  const [ocr, correction, label, merge] = await Promise.all([
    load('ocr', OcrPageSchema),
    load('correction', CorrectionPageSchema),
    load('label', LabelPageSchema),
    load('merge', MergePageSchema),
  ]);
  let printed: PrintedNumber | undefined;
  const fromBook = stages.pageNumbers?.get(page);
  if (merge && merge.pageNumberSource !== 'none') printed = { value: merge.printedPageNumber, inferred: merge.pageNumberInferred, source: 'merge' };
  else if (fromBook) printed = { value: fromBook.printedPageNumber, inferred: fromBook.inferred, source: 'label-book' };
  else if (label) printed = { value: label.printedPageNumber, inferred: label.pageNumberInferred ?? false, source: 'label-page' };
  return { page, ocr, correction, label, merge, printed, failures: stages.failuresByPage.get(page) ?? [], unreadable, ...rest };
}
