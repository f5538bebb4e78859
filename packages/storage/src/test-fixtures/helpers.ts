// Shared by this package's tests: temp folders, child processes running the fixtures, real eval data.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createLogger, type Logger } from '@bookpipe/core';

export const fixturesDir = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(fixturesDir, '../../../..');
export const evalDir = resolve(repoRoot, '../shared/eval');

/** A fresh folder under the OS temp dir; `cleanup()` removes it. */
export async function tempRoot(): Promise<{ root: string; cleanup: () => Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'bookpipe-storage-'));
  return { root, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** A pid that certainly belonged to a process which has exited (a child we ran to completion). */
export function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

/** A logger that keeps its lines, to assert on warnings. */
export function memoryLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  return { logger: createLogger({ level: 'debug', destination: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) }), lines };
}

export interface Fixture {
  child: ChildProcess;
  /** Resolves with the first JSON line the child printed (or prints) that satisfies `match`. */
  waitFor(match?: (msg: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  /** Every JSON line printed so far. */
  messages: Array<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

/**
 * Runs `test-fixtures/<name>.ts` in a real child process (node --import tsx), from the repo root so
 * that tsx resolves. The child speaks JSON lines on stdout. `prefix` wraps the command (e.g. `ulimit`).
 */
export function runFixture(name: string, args: readonly string[], options: { shellPrefix?: string } = {}): Fixture {
  const script = join(fixturesDir, `${name}.ts`);
  const nodeArgs = ['--import', 'tsx', script, ...args];
  const child = options.shellPrefix
    ? spawn('bash', ['-c', `${options.shellPrefix}; exec "$0" "$@"`, process.execPath, ...nodeArgs], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] })
    : spawn(process.execPath, nodeArgs, { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
  const messages: Array<Record<string, unknown>> = [];
  const waiters: Array<{ match: (m: Record<string, unknown>) => boolean; resolve: (m: Record<string, unknown>) => void }> = [];
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.on('exit', (code, signal) => res({ code, signal })));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    messages.push(msg);
    for (const w of [...waiters]) {
      if (w.match(msg)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(msg);
      }
    }
  });
  return {
    child,
    messages,
    exited,
    stderr: () => err,
    waitFor(match = () => true) {
      const seen = messages.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((res, rej) => {
        waiters.push({ match, resolve: res });
        void exited.then(({ code, signal }) => rej(new Error(`fixture ${name} exited (code ${code}, signal ${signal}) before the expected message. stderr:\n${err}`)));
      });
    },
  };
}
