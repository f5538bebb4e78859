/**
 * A process for the CLI's tests: what @bookpipe/cli's `CliIo` touches (streams, environment, Ctrl-C,
 * exit), recorded in memory, with a Ctrl-C button. Structurally a `CliIo`: the testkit does not
 * import the cli (the cli's tests import the testkit), so a change to `CliIo` shows up as a type
 * error where the tests pass a `MemoryIo` to the cli.
 */

/** Why the CLI is asked to stop (as @bookpipe/cli's `StopReason`). */
export type StopReason = 'SIGINT' | 'SIGTERM' | 'SIGHUP' | 'EPIPE';

/** A stream as the CLI writes to it. */
export interface MemoryStream {
  write(text: string): unknown;
  isTTY: boolean;
  columns: number;
}

export interface MemoryIo {
  stdout: MemoryStream;
  stderr: MemoryStream;
  env: Record<string, string | undefined>;
  onInterrupt(handler: (reason: StopReason) => void): () => void;
  exit(code: number): void;
  /** Everything written to stdout so far. */
  out: () => string;
  /** Everything written to stderr so far. */
  err: () => string;
  /** Presses Ctrl-C (or sends another signal, or closes the output pipe). */
  interrupt: (reason?: StopReason) => void;
  /** The codes `exit()` was called with. */
  exits: number[];
}

export function memoryIo(env: Record<string, string | undefined> = {}, options: { tty?: boolean } = {}): MemoryIo {
  let out = '';
  let err = '';
  const handlers = new Set<(reason: StopReason) => void>();
  const exits: number[] = [];
  return {
    stdout: { write: (text: string) => (out += text), isTTY: options.tty ?? false, columns: 120 },
    stderr: { write: (text: string) => (err += text), isTTY: options.tty ?? false, columns: 120 },
    env,
    onInterrupt(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    exit: (code) => void exits.push(code),
    out: () => out,
    err: () => err,
    interrupt: (reason = 'SIGINT') => {
      for (const handler of handlers) handler(reason);
    },
    exits,
  };
}
