/** Test support, not exported: a CliIo that records what the CLI writes, with a Ctrl-C button. */
import type { CliIo } from '../cli-io.js';

export interface MemoryIo extends CliIo {
  out: () => string;
  err: () => string;
  /** Presses Ctrl-C. */
  interrupt: () => void;
  exits: number[];
}

export function memoryIo(env: Record<string, string | undefined> = {}, options: { tty?: boolean } = {}): MemoryIo {
  let out = '';
  let err = '';
  const handlers = new Set<() => void>();
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
    interrupt: () => handlers.forEach((handler) => handler()),
    exits,
  };
}
