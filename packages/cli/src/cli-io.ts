import type { Output } from './progress/reporters.js';

/** What the CLI touches of its process: streams, environment, working folder, Ctrl-C. Injectable for tests. */
export interface CliIo {
  stdout: Output & { isTTY?: boolean };
  stderr: Output & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  /** Calls `handler` on each Ctrl-C (SIGINT); returns a function that stops listening. */
  onInterrupt(handler: () => void): () => void;
  /** Ends the process at once (a second Ctrl-C). */
  exit(code: number): void;
}

/** The real process. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    onInterrupt(handler) {
      process.on('SIGINT', handler);
      return () => process.off('SIGINT', handler);
    },
    exit: (code) => process.exit(code),
  };
}
