import { SOURCE_STAGE } from '@bookpipe/contracts';
import {
  assertScanId,
  BookpipeError,
  type BookStorage,
  type Config,
  ErrorCode,
  type Logger,
  loadConfig,
  type PipelineEvent,
  type PipelineResult,
} from '@bookpipe/core';
import type { OcrPool } from '@bookpipe/stage-ocr';
import { BOOK_STAGES, type BookPipelineLlm, type BookStageName, createBookPipeline } from './book-pipeline.js';
import { chooseLlm, type LlmChoice } from './llm-choice.js';
import { ENV_SETTING_NAMES, type LlmSettingNames } from './llm-decision.js';
import { scanIdFromInput } from './scan-id.js';

/** One book of a library: its scan, and the files to read into it. */
export interface LibraryBook {
  /** The scan the book is read into (a plain name: core's `assertScanId`). */
  scanId: string;
  /**
   * PDFs, page images or folders of page images, in book order. Empty for a scan that already has its
   * pages: the source stage is then left out and the other stages run on the scan.
   */
  inputs: readonly string[];
}

/** How one book ended. */
export type BookStatus =
  /** Every stage ran to the end, no page failed (`PipelineResult.ok`). */
  | 'done'
  /** The run ended but some pages failed or a stage did not run: rerun to retry them. */
  | 'incomplete'
  /** The book could not run or a stage threw (a locked scan, unreadable inputs, a failed stage): `error` says why. */
  | 'failed'
  /** Stopped by `signal` or `cancel` while it ran; finished pages are kept. */
  | 'stopped'
  /** Not started: the library was stopped first. */
  | 'not-started';

/** One line of the summary. */
export interface BookSummary {
  scanId: string;
  inputs: readonly string[];
  status: BookStatus;
  /** Pages of the scan after the run; null when the scan has none (it failed before its source stage). */
  pages: number | null;
  /** Pages that failed in this run, over every stage. */
  failedPages: number;
  /** Wall time of this book's pipeline. */
  seconds: number;
  /** What this run paid for the book's LLM requests; null when some price is unknown. */
  costUsd: number | null;
  /** Why the book failed (`status: 'failed'`). */
  error?: string;
  /** The error's code, when it was a BookpipeError (SCAN_LOCKED: another process runs this scan). */
  errorCode?: string;
  /** The pipeline's result, when it resolved (or the partial one of a stage that threw). */
  result?: PipelineResult;
  /** The book's set-up notes (LLM or not, what merge reads). */
  notes: string[];
}

/** Events of a library run: every pipeline event with the scan it belongs to, and a start and an end per book. */
export type LibraryEvent =
  | (PipelineEvent & { scanId: string })
  | { type: 'book:start'; scanId: string; index: number; total: number; notes: string[] }
  | { type: 'book:done'; scanId: string; summary: BookSummary };

export interface LibraryOptions {
  /** Opens (without creating) a book's scan: `(scanId) => openScan({ root, scanId })` of @bookpipe/storage, or another backend's. */
  openScan: (scanId: string) => BookStorage;
  /** The stages to run on every book. @default every stage (see `BOOK_STAGES`) */
  stages?: readonly BookStageName[];
  /** @default loadConfig() (the BOOKPIPE_* environment variables) */
  config?: Config;
  /** OCR worker threads of the one pool every book shares. @default config.ocr.maxWorkers, else the number of CPUs */
  ocrWorkers?: number;
  /**
   * The model, as for `createBookPipeline`; the client is built ONCE and shared by every book, so one
   * concurrency budget and one rate limit cover the whole library (a refused key stops them all).
   * @default the configured LLM when the config has one, else none
   */
  llm?: BookPipelineLlm;
  /** @default ENV_SETTING_NAMES */
  llmSettingNames?: LlmSettingNames;
  /**
   * Books run at once. 2 keeps the OCR pool busy across book boundaries: while one book's OCR finishes,
   * its label and merge run, or the next book's source pages are rendered, the other book's pages fill
   * the pool. More only queues more pages on the same workers and holds more books' memory.
   * @default 2
   */
  concurrency?: number;
  /** Engines to use; the caller then destroys them. @default one pool made here and stopped at the end */
  ocrPool?: OcrPool;
  /** Keep finished pages (each book resumes); `false` cleans each book's stages first. @default true */
  resume?: boolean;
  /** @default each pipeline's: a JSON-lines file per stage in the scan */
  logger?: Logger;
  onEvent?: (event: LibraryEvent) => void;
  /** Hard stop: pages in flight abandoned, no new book started. */
  signal?: AbortSignal;
  /** Graceful stop: pages in flight finish and are saved, no new page or book starts. */
  cancel?: AbortSignal;
}

export interface LibraryResult {
  /** True when every book came out whole. */
  ok: boolean;
  /** True when `signal` or `cancel` stopped the run. */
  aborted: boolean;
  /** In the order of the inputs. */
  books: BookSummary[];
  /** OCR engines (worker pools) started for the whole library: 1 when the books share their options. */
  ocrEnginesStarted: number;
  /** The model the books shared, or why there was none. */
  llm: LlmChoice;
}

/** The default number of books run at once. */
export const DEFAULT_LIBRARY_CONCURRENCY = 2;

/**
 * The books of a library from their inputs: a path becomes one book whose scan id comes from its
 * name (`scanIdFromInput`); a {@link LibraryBook} is taken as it is.
 * @throws BookpipeError CONFIG_INVALID for an invalid scan id or two books with the same scan id, naming both.
 */
export function libraryBooks(inputs: ReadonlyArray<string | LibraryBook>): LibraryBook[] {
  const books = inputs.map((input) => (typeof input === 'string' ? { scanId: scanIdFromInput(input), inputs: [input] } : input));
  const seen = new Map<string, LibraryBook>();
  for (const book of books) {
    assertScanId(book.scanId);
    const other = seen.get(book.scanId);
    if (other !== undefined) {
      throw new BookpipeError(
        ErrorCode.CONFIG_INVALID,
        `Two books would be read into the same scan "${book.scanId}": ${describe(other)} and ${describe(book)}. Rename one of the files, or give each book its own scanId.`,
        { details: { scanId: book.scanId } },
      );
    }
    seen.set(book.scanId, book);
  }
  return books;
}

const describe = (book: LibraryBook) => (book.inputs.length > 0 ? book.inputs.join(', ') : `the existing scan "${book.scanId}"`);

/**
 * Runs many books on one machine, each into its own scan: one OCR pool and one LLM client shared by
 * every book, `concurrency` books at once (default 2, so the pool stays busy while a book's later
 * stages run). Each book follows the rules of a single run: its scan's lock, resume, failed pages
 * kept per page. A book that fails does not stop the others; its failure is in its summary.
 *
 * @throws BookpipeError CONFIG_INVALID before anything runs: two books with one scan id, an invalid
 *   stage list, an LLM that cannot work.
 * @example
 * const result = await runLibrary(['a.pdf', 'b.pdf', 'scans-of-c/'], { openScan: (scanId) => openScan({ root: './scans', scanId }) });
 * for (const book of result.books) console.log(book.scanId, book.status, book.pages);
 */
export async function runLibrary(inputs: ReadonlyArray<string | LibraryBook>, options: LibraryOptions): Promise<LibraryResult> {
  const books = libraryBooks(inputs);
  const config = options.config ?? loadConfig();
  const concurrency = options.concurrency ?? DEFAULT_LIBRARY_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new BookpipeError(ErrorCode.CONFIG_INVALID, `[book-pipeline] Invalid option \`concurrency\`: ${String(concurrency)}. Expected an integer >= 1.`);
  }
  const stages = options.stages ?? BOOK_STAGES;
  const names = options.llmSettingNames ?? ENV_SETTING_NAMES;
  // One client for the library, decided once: every book's LLM stages share its limits.
  const llm = chooseLlm(config, options.llm, names);
  const bookLlm: BookPipelineLlm | undefined = llm.kind === 'llm' ? { client: llm.client, model: llm.model } : options.llm;
  // Imported here, not at the top: importing this package should not load tesseract.js and piscina.
  const pool = options.ocrPool ?? (await import('@bookpipe/stage-ocr')).createOcrPool();
  const stopped = () => options.signal?.aborted === true || options.cancel?.aborted === true;
  const summaries: BookSummary[] = books.map((book) => ({
    scanId: book.scanId,
    inputs: book.inputs,
    status: 'not-started',
    pages: null,
    failedPages: 0,
    seconds: 0,
    costUsd: 0,
    notes: [],
  }));

  const runBook = async (index: number): Promise<void> => {
    const book = books[index]!;
    const scan = options.openScan(book.scanId);
    const started = performance.now();
    const summary = summaries[index]!;
    const emit = options.onEvent ?? (() => {});
    try {
      // A book given as an existing scan has its pages: no source stage to read anything.
      const bookStages = book.inputs.length === 0 ? stages.filter((name) => name !== SOURCE_STAGE) : stages;
      if (bookStages.length === 0) {
        throw new BookpipeError(
          ErrorCode.CONFIG_INVALID,
          `Book "${book.scanId}" is an existing scan (no inputs), and the only stage asked, source, reads inputs: ask for later stages (ocr, correction, label, merge) or give the book's files.`,
          { details: { scanId: book.scanId } },
        );
      }
      const { pipeline, notes } = await createBookPipeline({
        scan,
        inputs: book.inputs,
        stages: bookStages,
        config,
        ...(options.ocrWorkers === undefined ? {} : { ocrWorkers: options.ocrWorkers }),
        ...(bookLlm === undefined ? {} : { llm: bookLlm }),
        llmSettingNames: names,
        ocrPool: pool,
        ...(options.logger ? { logger: options.logger } : {}),
        ...(options.resume === undefined ? {} : { resume: options.resume }),
        onEvent: (event) => emit({ ...event, scanId: book.scanId }),
      });
      summary.notes = notes;
      emit({ type: 'book:start', scanId: book.scanId, index, total: books.length, notes });
      summary.result = await pipeline.run({
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.cancel ? { cancel: options.cancel } : {}),
      });
      summary.status = summary.result.ok ? 'done' : summary.result.aborted ? 'stopped' : 'incomplete';
    } catch (error) {
      summary.status = 'failed';
      summary.error = error instanceof Error ? error.message : String(error);
      if (BookpipeError.isInstance(error)) {
        summary.errorCode = error.code;
        const partial = error.details?.result as PipelineResult | undefined;
        if (partial?.stages) summary.result = partial;
      }
    }
    summary.seconds = (performance.now() - started) / 1000;
    if (summary.result) {
      summary.failedPages = summary.result.failedPages.length;
      summary.costUsd = runCost(summary.result);
    }
    summary.pages = await pageCount(scan);
    emit({ type: 'book:done', scanId: book.scanId, summary });
  };

  try {
    // `concurrency` runners take the next book as each finishes: a slow book never holds up the others.
    let next = 0;
    const runner = async () => {
      while (next < books.length && !stopped()) await runBook(next++);
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, books.length) }, runner));
  } finally {
    if (options.ocrPool === undefined) await pool.destroy();
  }
  return {
    ok: summaries.every((book) => book.status === 'done'),
    aborted: stopped(),
    books: summaries,
    ocrEnginesStarted: pool.enginesStarted,
    llm,
  };
}

/** The run's cost over its stages; null when one is unknown. */
function runCost(result: PipelineResult): number | null {
  let total = 0;
  for (const outcome of Object.values(result.stages)) {
    if (outcome.status !== 'done') continue;
    if (outcome.stats.totalCostUsd === null) return null;
    total += outcome.stats.totalCostUsd;
  }
  return total;
}

async function pageCount(scan: BookStorage): Promise<number | null> {
  try {
    if (!(await scan.exists())) return null;
    const pages = await scan.pageNumbers();
    return pages.length > 0 ? pages.length : null;
  } catch {
    // A scan the book's failure left unreadable (its error is already in the summary).
    return null;
  }
}
