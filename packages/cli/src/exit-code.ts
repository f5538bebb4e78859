// Its own module: the command line needs the codes before it knows whether anything failed, and
// print-error loads @bookpipe/core.

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
