import type { Output } from './progress/reporters.js';

/**
 * Why the CLI is asked to stop: a signal (Ctrl-C is SIGINT; `timeout`, `docker stop` and systemd send
 * SIGTERM; a closed terminal SIGHUP), or EPIPE: whoever read stdout or stderr went away
 * (`bookpipe run x --json | head -1`).
 */
export type StopReason = 'SIGINT' | 'SIGTERM' | 'SIGHUP' | 'EPIPE';

/** The exit code for each stop: 128 + the signal's number, as a shell reports a process killed by it (SIGPIPE for EPIPE). */
export const STOP_EXIT_CODES: Readonly<Record<StopReason, number>> = { SIGHUP: 129, SIGINT: 130, EPIPE: 141, SIGTERM: 143 };

/** What the CLI touches of its process: streams, environment, working folder, signals. Injectable for tests. */
export interface CliIo {
  stdout: Output & { isTTY?: boolean };
  stderr: Output & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  /**
   * Calls `handler` on each stop request (SIGINT, SIGTERM, SIGHUP, or a broken stdout/stderr pipe);
   * returns a function that stops listening. While nobody listens, a signal does what it does by
   * default and a broken pipe ends the process quietly with exit code 141.
   */
  onInterrupt(handler: (reason: StopReason) => void): () => void;
  /** Ends the process at once (a third Ctrl-C). */
  exit(code: number): void;
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let processIoMade: CliIo | undefined;

/**
 * The real process. A closed pipe on stdout or stderr is an `error` event on the stream, which Node
 * turns into an uncaught exception (a `write EPIPE` stack trace, the scan's lock left behind) unless
 * someone listens: here it becomes a stop request, or a quiet exit when no command is running.
 */
export function processIo(): CliIo {
  if (processIoMade) return processIoMade;
  const handlers = new Set<(reason: StopReason) => void>();
  let pipeClosed = false;
  // Any error of an output stream (EPIPE, or EIO from a closed terminal) means the same for us: nobody
  // reads us any more. Only the first counts: every later write fails the same way.
  const onStreamError = () => {
    if (pipeClosed) return;
    pipeClosed = true;
    if (handlers.size === 0) process.exit(STOP_EXIT_CODES.EPIPE);
    for (const handler of handlers) handler('EPIPE');
  };
  process.stdout.on('error', onStreamError);
  process.stderr.on('error', onStreamError);
  processIoMade = {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    onInterrupt(handler) {
      const listeners = SIGNALS.map((signal) => [signal, () => handler(signal)] as const);
      for (const [signal, listener] of listeners) process.on(signal, listener);
      handlers.add(handler);
      return () => {
        for (const [signal, listener] of listeners) process.off(signal, listener);
        handlers.delete(handler);
      };
    },
    exit: (code) => process.exit(code),
  };
  return processIoMade;
}
