import { createWriteStream, mkdirSync, openSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';

/**
 * One JSON-lines file per batch, one line per finished request, written as results arrive.
 * Lines hold only what was decided to be safe to keep: ids, models, timings, usage, costs and
 * already redacted error reasons; never prompts, images or keys.
 */
export class RequestLog {
  readonly path: string;
  readonly #stream: WriteStream;
  #error: Error | undefined;

  private constructor(path: string, fd: number) {
    this.path = path;
    this.#stream = createWriteStream(path, { fd, encoding: 'utf8' });
    // A log that cannot be written must not take the batch down with it: remember, report at close.
    this.#stream.on('error', (error) => {
      this.#error ??= error;
    });
  }

  /** Creates `dir` if needed and a new file in it; never appends to another batch's file. */
  static open(dir: string, startedAt: Date): RequestLog {
    mkdirSync(dir, { recursive: true });
    const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
    for (let n = 1; ; n++) {
      const path = join(dir, n === 1 ? `llm-${stamp}.jsonl` : `llm-${stamp}-${n}.jsonl`);
      try {
        return new RequestLog(path, openSync(path, 'wx'));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
  }

  write(entry: Record<string, unknown>): void {
    if (this.#error) return;
    this.#stream.write(`${JSON.stringify(entry)}\n`);
  }

  /** Flushes and closes; resolves with the first write error, if any, rather than throwing. */
  close(): Promise<Error | undefined> {
    return new Promise((resolve) => {
      this.#stream.end(() => resolve(this.#error));
    });
  }
}
