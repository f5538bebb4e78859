import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { BookpipeError, ErrorCode, Pipeline, loadConfig, type Config, type PipelineResult, type ProviderName } from '@bookpipe/core';
import { BOOK_JSON, BOOK_MD } from '@bookpipe/stage-merge';
import { openScan } from '@bookpipe/storage';
import type { CliIo } from './cli-io.js';
import { decideLlm } from './llm-mode.js';
import { ExitCode } from './print-error.js';
import { formatDuration } from './progress/format.js';
import { JsonReporter, PlainReporter, TerminalReporter, type Reporter } from './progress/reporters.js';
import { resumeCommand } from './resume-command.js';
import { scanIdFromInput } from './scan-id.js';
import { parseStageList, planStages } from './stage-plan.js';

/** The options of `bookpipe run`. */
export interface RunFlags {
  /** @default derived from the first input's name */
  scanId?: string;
  /** @default BOOKPIPE_ROOT, else "./scans" */
  root?: string;
  /** Comma-separated stage names. @default source,ocr,correction,label,merge */
  stages?: string;
  provider?: ProviderName;
  model?: string;
  baseUrl?: string;
  /** OCR worker threads. @default BOOKPIPE_OCR_WORKERS, else the number of CPUs */
  workers?: number;
  /** Remove the outputs of the run's stages first. */
  clean?: boolean;
  /** One JSON PipelineEvent per line on stdout. */
  json?: boolean;
}

/** The environment's configuration with the command's flags over it (flags win). */
export function runConfig(env: CliIo['env'], flags: RunFlags): Config {
  const base = loadConfig(env);
  if (flags.baseUrl !== undefined && !URL.canParse(flags.baseUrl)) {
    throw new BookpipeError(ErrorCode.CONFIG_INVALID, `--base-url ${JSON.stringify(flags.baseUrl)} is not a URL. Give the server's address, e.g. http://localhost:11434/v1.`);
  }
  return {
    ...base,
    root: flags.root ?? base.root,
    ocr: { ...base.ocr, ...(flags.workers === undefined ? {} : { maxWorkers: flags.workers }) },
    llm: {
      ...base.llm,
      ...(flags.provider === undefined ? {} : { provider: flags.provider }),
      ...(flags.model === undefined ? {} : { model: flags.model }),
      ...(flags.baseUrl === undefined ? {} : { baseURL: flags.baseUrl }),
    },
  };
}

/**
 * `bookpipe run <inputs...>`: builds the stages, runs the pipeline with progress on stderr (bars on a
 * terminal, plain lines otherwise, JSON events on stdout with --json), stops cleanly on Ctrl-C and
 * says how to resume, and ends with where book.md is. Returns the exit code.
 */
export async function runCommand(inputs: readonly string[], flags: RunFlags, io: CliIo, args: readonly string[]): Promise<number> {
  const config = runConfig(io.env, flags);
  const llm = decideLlm(config);
  const scanId = flags.scanId ?? (inputs[0] === undefined ? undefined : scanIdFromInput(inputs[0]));
  if (scanId === undefined) {
    throw new BookpipeError(ErrorCode.CONFIG_INVALID, 'Give the PDF or folder of page images to read (`bookpipe run book.pdf`), or --scan-id to work on an existing scan.');
  }
  const scan = openScan({ root: config.root, scanId });
  const plan = await planStages({
    inputs: inputs.map((input) => resolve(input)),
    wanted: flags.stages === undefined ? undefined : parseStageList(flags.stages),
    scan,
    llm,
    ocrWorkers: config.ocr.maxWorkers,
  });

  const reporter: Reporter = flags.json
    ? new JsonReporter(io.stdout, io.stderr)
    : io.stderr.isTTY
      ? new TerminalReporter(io.stderr, { costs: llm.kind === 'llm' })
      : new PlainReporter(io.stderr, { costs: llm.kind === 'llm' });
  reporter.message(`bookpipe: scan "${scanId}" in ${scan.dir}`);
  for (const note of plan.notes) reporter.message(note);

  const controller = new AbortController();
  let interrupts = 0;
  const stopListening = io.onInterrupt(() => {
    interrupts += 1;
    if (interrupts === 1) {
      controller.abort();
      reporter.message('Stopping: no new page is started, finished pages stay saved. Press Ctrl-C again to quit at once.');
    } else {
      reporter.close();
      io.stderr.write(`Quit. Run the same command again to resume: ${resumeCommand(args, io.env)}\n`);
      io.exit(ExitCode.INTERRUPTED);
    }
  });

  const started = performance.now();
  let result: PipelineResult;
  try {
    const pipeline = new Pipeline({ scan, config, stages: plan.stages, resume: !flags.clean, onEvent: (event) => reporter.event(event) });
    result = await pipeline.run({ signal: controller.signal });
  } finally {
    stopListening();
    reporter.close();
  }

  if (result.aborted) {
    reporter.message(`Stopped. Finished pages are saved. Run the same command again to resume: ${resumeCommand(args, io.env)}`);
    return ExitCode.INTERRUPTED;
  }
  reporter.message(`Done in ${formatDuration((performance.now() - started) / 1000)}.`);
  const failed = Object.entries(result.stages).flatMap(([name, outcome]) =>
    outcome.status === 'done' && outcome.stats.pagesFailed > 0 ? [`${name}: ${outcome.stats.failures.map((f) => `page ${f.page} (${f.error})`).join('; ')}`] : [],
  );
  const merge = scan.stage('merge');
  const bookMd = merge.filePath(BOOK_MD);
  if (result.stages.merge && existsSync(bookMd)) {
    reporter.message(`book.json: ${merge.filePath(BOOK_JSON)}`);
    reporter.message(`book.md:   ${bookMd}`);
  }
  if (failed.length > 0) {
    reporter.message(`Some pages failed:\n  ${failed.join('\n  ')}\nRun the same command again to retry them: ${resumeCommand(args, io.env)}`);
    return ExitCode.ERROR;
  }
  return ExitCode.OK;
}
