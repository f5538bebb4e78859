import { BookpipeError } from '@bookpipe/core';
import type { CliIo } from './cli-io.js';
import { ExitCode } from './exit-code.js';
import { shellQuote } from './resume-command.js';

export { ExitCode };

/**
 * Prints an error for a person: a BookpipeError's message (it names the scan, stage, page, file and the
 * next step), anything else as an unexpected error. No stack trace unless BOOKPIPE_DEBUG=1.
 */
export function printError(error: unknown, io: CliIo): number {
  const debug = io.env.BOOKPIPE_DEBUG === '1';
  if (BookpipeError.isInstance(error)) {
    io.stderr.write(`bookpipe: ${cliNextSteps(error.message)}\n`);
  } else {
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`bookpipe: unexpected error: ${message}\n`);
    if (!debug) io.stderr.write('Set BOOKPIPE_DEBUG=1 to see where it happened.\n');
  }
  if (debug) {
    let cause: unknown = error;
    for (let depth = 0; cause !== undefined && depth < 5; depth += 1) {
      io.stderr.write(`${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}\n`);
      cause = cause instanceof Error ? cause.cause : undefined;
      if (cause !== undefined) io.stderr.write('caused by: ');
    }
  }
  return ExitCode.ERROR;
}

/** The `bookpipe run` that made the scan, as far as the CLI knows it. */
export interface RunTarget {
  /** The inputs as the user gave them; unknown outside `bookpipe run`. */
  inputs?: readonly string[];
  scanId: string;
  /** `--root`, when the user gave it. */
  root?: string;
}

/** `bookpipe run <inputs> --scan-id ID [--root R]`, with a placeholder for inputs the CLI does not know. */
function runCommandFor(target: RunTarget | undefined, scanId: string): string {
  const inputs = target?.inputs && target.inputs.length > 0 ? target.inputs.map(shellQuote).join(' ') : "<the book's PDF or page images>";
  return `bookpipe run ${inputs} --scan-id ${shellQuote(target?.scanId ?? scanId)}${target?.root ? ` --root ${shellQuote(target.root)}` : ''}`;
}

/** Storage's advice for a corrupt metadata.json (packages/storage, fs-book-storage.ts), written for the library. */
const METADATA_ADVICE = /Fix it by hand, or delete it and run the source stage again\./;
/** The source stage's advice when a scan's pages are not from the inputs given (packages/source, source-stage.ts). */
const FORCE_ADVICE = /pass force to replace them \(this deletes the downstream stages' outputs\)/;

/** Storage's advice for a missing or damaged page ("Run the ocr stage again: it redoes invalid pages.", "Run the ocr stage first."). */
const STAGE_ADVICE = /Run the ([\w-]+) stage (again|first)\b/g;

/** `bookpipe run [inputs] --scan-id ID [--root R] --stages STAGE`: the source stage needs the inputs, a later stage reads the scan. */
function stageCommandFor(target: RunTarget | undefined, scanId: string, stage: string): string {
  if (stage === 'source') return `${runCommandFor(target, scanId)} --stages source`;
  return `bookpipe run --scan-id ${shellQuote(target?.scanId ?? scanId)}${target?.root ? ` --root ${shellQuote(target.root)}` : ''} --stages ${stage}`;
}

/**
 * Rewrites the next steps that storage and the source stage give in library terms ("run the source
 * stage again", "pass force") as commands the CLI has. A corrupt metadata.json: delete it, then
 * `--stages source --clean` remakes the source pages and metadata.json from the inputs and keeps the
 * later stages' pages (a plain rerun would find source pages metadata.json does not account for, and
 * be refused). Source pages from other inputs: `--clean` redoes every stage of the run.
 */
export function cliNextSteps(message: string, target?: RunTarget): string {
  const scanId = /scan "([^"]*)"/i.exec(message)?.[1] ?? '<scan id>';
  const command = runCommandFor(target, scanId);
  return message
    .replace(STAGE_ADVICE, (_, stage: string, when: string) => `Run \`${stageCommandFor(target, scanId, stage)}\` ${when}`)
    .replace(
      METADATA_ADVICE,
      `Fix it by hand, or delete it and remake it from the files the scan was made from: \`${command} --stages source --clean\` (remakes the source pages and metadata.json; the other stages' pages are kept), then run your command again.`,
    )
    .replace(
      FORCE_ADVICE,
      /does not say which files they came from/.test(message)
        ? `if these are the files the scan was made from, \`${command} --stages source --clean\` remakes the source pages and metadata.json and keeps the other stages' pages; otherwise \`${command} --clean\` redoes every stage from these files`
        : `to replace them, run \`${command} --clean\` (this redoes every stage from these files)`,
    );
}
