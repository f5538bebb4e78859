import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { type BookSummary, type LibraryEvent, libraryBooks, runLibrary } from '@bookpipe/book-pipeline';
import { BOOK_MD } from '@bookpipe/contracts';
import { safeStringify } from '@bookpipe/core';
import { openScan } from '@bookpipe/storage';
import { type CliIo, STOP_EXIT_CODES } from './cli-io.js';
import { libraryInputs } from './library-inputs.js';
import { CLI_LLM_SETTINGS, decideLlm } from './llm-mode.js';
import { ExitCode } from './print-error.js';
import { formatCost, formatDuration } from './progress/format.js';
import { type Output, PlainReporter, type Reporter } from './progress/reporters.js';
import { resumeCommand } from './resume-command.js';
import { capOcrWorkers, gracefulStop, type RunFlags, runConfig, stopGraceSeconds } from './run-command.js';
import { parseStageList } from './stage-plan.js';

/** The options of `bookpipe run-all`: those of `run` but the scan id (one per book), and `--out` for `--root`. */
export interface RunAllFlags extends Omit<RunFlags, 'scanId' | 'root'> {
  /** The storage root, one scan per book. @default BOOKPIPE_ROOT, else "./scans" */
  out?: string;
  /** Books run at once. @default 2 */
  books?: number;
}

/** Prefixes every line written through it, so that two books' progress lines can be told apart. */
function prefixed(out: Output, prefix: string): Output {
  return { write: (text: string) => out.write(text.replace(/^(?=.)/gm, prefix)) };
}

/**
 * `bookpipe run-all <folder|list.txt>`: every book into its own scan under `--out`, sharing one OCR pool
 * and one LLM client, two books at a time; progress lines prefixed with the scan id on stderr (JSON
 * events with their scanId on stdout with --json), a summary table at the end. Stops like `run`; the
 * same command resumes every book. Exit code 1 when any book did not come out whole.
 */
export async function runAllCommand(target: string, flags: RunAllFlags, io: CliIo, args: readonly string[]): Promise<number> {
  const { config, note: workersNote } = capOcrWorkers(
    runConfig(io.env, { ...flags, ...(flags.out === undefined ? {} : { root: flags.out }) }),
    availableParallelism(),
  );
  const graceSeconds = stopGraceSeconds(io.env);
  const stages = flags.stages === undefined ? undefined : parseStageList(flags.stages);
  // Everything is checked before any book runs: paths, scan ids, stages.
  const found = await libraryInputs(target);
  const books = libraryBooks(found.books);
  const costs = decideLlm(config).kind === 'llm';

  const messages: Reporter = {
    event: () => {},
    message: (text) => io.stderr.write(`${text}\n`),
    close: () => {},
  };
  messages.message(`bookpipe: ${books.length} book${books.length === 1 ? '' : 's'} into ${config.root}, one scan each`);
  if (workersNote !== undefined) messages.message(workersNote);
  for (const note of found.notes) messages.message(note);

  // One plain reporter per book (its own stage state), its lines prefixed with the scan id.
  const reporters = new Map<string, Reporter>();
  const reporterOf = (scanId: string) => {
    let reporter = reporters.get(scanId);
    if (reporter === undefined) {
      reporter = new PlainReporter(prefixed(io.stderr, `[${scanId}] `), { costs });
      reporters.set(scanId, reporter);
    }
    return reporter;
  };
  const onEvent = (event: LibraryEvent) => {
    if (flags.json) {
      io.stdout.write(`${safeStringify(event)}\n`);
      return;
    }
    if (event.type === 'book:start') {
      const reporter = reporterOf(event.scanId);
      reporter.message(`book ${event.index + 1} of ${event.total}: ${openScan({ root: config.root, scanId: event.scanId }).dir}`);
      for (const note of event.notes) reporter.message(note);
    } else if (event.type === 'book:done') {
      reporterOf(event.scanId).message(bookLine(event.summary));
    } else {
      reporterOf(event.scanId).event(event);
    }
  };

  const stop = gracefulStop(io, messages, args, graceSeconds);
  const started = performance.now();
  let result: Awaited<ReturnType<typeof runLibrary>>;
  try {
    result = await runLibrary(books, {
      openScan: (scanId) => openScan({ root: config.root, scanId }),
      config,
      ...(stages === undefined ? {} : { stages }),
      ...(config.ocr.maxWorkers === undefined ? {} : { ocrWorkers: config.ocr.maxWorkers }),
      ...(flags.books === undefined ? {} : { concurrency: flags.books }),
      llmSettingNames: CLI_LLM_SETTINGS,
      resume: !flags.clean,
      onEvent,
      signal: stop.abort,
      cancel: stop.cancel,
    });
  } finally {
    stop.dispose();
  }
  const seconds = (performance.now() - started) / 1000;

  if (flags.json) {
    io.stdout.write(
      `${safeStringify({ type: 'library:done', ok: result.ok, aborted: result.aborted, seconds, ocrEnginesStarted: result.ocrEnginesStarted, books: result.books.map(({ result: _result, ...book }) => book) })}\n`,
    );
  } else {
    io.stdout.write(summaryTable(result.books, { costs, root: config.root }));
  }
  const bad = result.books.filter((book) => book.status !== 'done');
  messages.message(
    `${result.aborted ? 'Stopped' : 'Done'} in ${formatDuration(seconds)}: ${result.books.length - bad.length} of ${result.books.length} books whole.`,
  );
  if (result.aborted) {
    if (stop.reason !== 'EPIPE') messages.message(`Finished pages are saved. Run the same command again to resume every book: ${resumeCommand(args, io.env)}`);
    return stop.reason === undefined ? ExitCode.INTERRUPTED : STOP_EXIT_CODES[stop.reason];
  }
  if (bad.length > 0) {
    messages.message(
      `Not whole: ${bad.map((book) => book.scanId).join(', ')}. See each book's lines above; \`bookpipe status <scan>\` shows its pages. Run the same command again to retry (finished books and pages are kept): ${resumeCommand(args, io.env)}`,
    );
  }
  return result.ok ? ExitCode.OK : ExitCode.ERROR;
}

/** "done in 1:05, 8 pages" / "FAILED: ..." for the end of a book. */
function bookLine(book: BookSummary): string {
  const pages = book.pages === null ? '' : `, ${book.pages} pages`;
  switch (book.status) {
    case 'done':
      return `book done in ${formatDuration(book.seconds)}${pages}`;
    case 'incomplete':
      return `book ended in ${formatDuration(book.seconds)}${pages}, ${book.failedPages} page(s) failed: run again to retry them`;
    case 'stopped':
      return `book stopped after ${formatDuration(book.seconds)}; finished pages are saved`;
    case 'failed':
      return `book FAILED: ${book.error ?? 'unknown error'}`;
    default:
      return 'book not started';
  }
}

function bookMdOf(book: BookSummary, root: string): string {
  const path = openScan({ root, scanId: book.scanId }).stage('merge').filePath(BOOK_MD);
  return book.status === 'done' && existsSync(path) ? path : '-';
}

/** The table at the end of run-all: book, pages, status, time, cost, and where book.md is. */
export function summaryTable(books: readonly BookSummary[], options: { costs: boolean; root: string }): string {
  const header = ['book', 'pages', 'status', 'time', ...(options.costs ? ['cost'] : []), 'book.md'];
  const rows = books.map((book) => [
    book.scanId,
    book.pages === null ? '-' : String(book.pages),
    book.status === 'incomplete' ? `incomplete (${book.failedPages} failed)` : book.status,
    book.status === 'not-started' ? '-' : formatDuration(book.seconds),
    ...(options.costs ? [formatCost(book.costUsd)] : []),
    bookMdOf(book, options.root),
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) =>
    `${cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd()}\n`;
  return [line(header), ...rows.map(line)].join('');
}
