import { BookpipeError } from '@bookpipe/core';
import type { CliIo } from './cli-io.js';

/** Exit codes of the `bookpipe` command. */
export const ExitCode = {
  OK: 0,
  /** An error, or pages that failed. */
  ERROR: 1,
  /** Wrong arguments. */
  USAGE: 2,
  /** Stopped by Ctrl-C (128 + SIGINT). */
  INTERRUPTED: 130,
} as const;

/**
 * Prints an error for a person: a BookpipeError's message (it names the scan, stage, page, file and the
 * next step), anything else as an unexpected error. No stack trace unless BOOKPIPE_DEBUG=1.
 */
export function printError(error: unknown, io: CliIo): number {
  const debug = io.env.BOOKPIPE_DEBUG === '1';
  if (BookpipeError.isInstance(error)) {
    io.stderr.write(`bookpipe: ${error.message}\n`);
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
