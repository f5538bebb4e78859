/**
 * Child processes for tests that must kill, race or starve a real process: a script run with
 * `node --import tsx` that speaks JSON lines on stdout. Also a pid certainly dead and a logger that
 * keeps its lines.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createLogger, type Logger } from '@bookpipe/core';
import { repoRoot } from './eval-data.js';

/** A pid that certainly belonged to a process which has exited (a child we ran to completion). */
export function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

/** What a finished child process printed, and its exit code. */
export interface ProcessOutput {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node <args>` (a CLI's bin and its arguments) to its end, collecting both outputs. */
export function runNode(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<ProcessOutput> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** A logger that keeps its lines, to assert on warnings. */
export function memoryLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  return { logger: createLogger({ level: 'debug', destination: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) }), lines };
}

export interface ChildFixture {
  child: ChildProcess;
  /** Resolves with the first JSON line the child printed (or prints) that satisfies `match`. */
  waitFor(match?: (msg: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  /** Every JSON line printed so far. */
  messages: Array<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

/**
 * Runs the TypeScript file `script` (a path, or a URL such as `new URL('./x.ts', import.meta.url)`) in
 * a real child process (node --import tsx), from the repository root so that tsx resolves. The child
 * speaks JSON lines on stdout. `shellPrefix` wraps the command in bash (e.g. `ulimit -f 50`).
 */
export function runChild(script: string | URL, args: readonly string[], options: { shellPrefix?: string } = {}): ChildFixture {
  const name = typeof script === 'string' ? script : fileURLToPath(script);
  const nodeArgs = ['--import', 'tsx', name, ...args];
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
        void exited.then(({ code, signal }) =>
          rej(new Error(`child ${name} exited (code ${code}, signal ${signal}) before the expected message. stderr:\n${err}`)),
        );
      });
    },
  };
}
