import { loadConfig } from '@bookpipe/core';
import { EVAL_FILE, EVAL_FOLDER, evaluateScan, formatEvalTable } from '@bookpipe/eval';
import { openScan } from '@bookpipe/storage';
import type { CliIo } from './cli-io.js';
import { ExitCode } from './print-error.js';

export interface EvalFlags {
  /** Folder of ground-truth pages. */
  truth: string;
  /** @default BOOKPIPE_ROOT, else "./scans" */
  root?: string;
  /** Print eval.json on stdout instead of the table. */
  json?: boolean;
  /** Score the truth pages that match a scan page, list the others. @default false */
  ignoreUnmatched?: boolean;
  /** What plain-text truth covers. @default 'body' */
  truthScope?: 'body' | 'page';
}

/**
 * `bookpipe eval <scanId> --truth <folder>`: scores the scan against ground truth, writes
 * `<scan>/eval/eval.json` and prints a table (or the JSON). Errors (unknown scan, missing truth folder,
 * no OCR yet, truth pages matching no scan page) are BookpipeErrors that say what to do next.
 */
export async function evalCommand(scanId: string, flags: EvalFlags, io: CliIo): Promise<number> {
  const root = flags.root ?? loadConfig(io.env).root;
  const scan = openScan({ root, scanId });
  const result = await evaluateScan({
    scan,
    truth: flags.truth,
    ignoreUnmatched: flags.ignoreUnmatched ?? false,
    plainTextScope: flags.truthScope,
  });
  // Both forms write eval.json (every figure); the path goes to stderr so that --json's stdout stays pure JSON.
  io.stdout.write(flags.json ? `${JSON.stringify(result, null, 2)}\n` : formatEvalTable(result));
  io.stderr.write(`eval.json: ${scan.stage(EVAL_FOLDER).filePath(EVAL_FILE)}\n`);
  return ExitCode.OK;
}
