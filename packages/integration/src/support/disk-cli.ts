/**
 * Test support for the disk-fault and bad-input suites: the real `bookpipe` bin in a child process,
 * the real eval scans, a hash of every file under a folder (to prove a failed run changed nothing), and
 * the filesystem mechanisms a fault needs (tmpfs and read-only mounts when this process may mount,
 * `ulimit -f` otherwise), each saying which one ran.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PipelineEvent } from '@bookpipe/core';

export const repoRoot = path.resolve(fileURLToPath(import.meta.url), '../../../../..');
export const evalDir = path.resolve(repoRoot, '../shared/eval');
export const hasEval = existsSync(path.join(evalDir, 'ocrmypdf-resources')) && existsSync(path.join(evalDir, 'old-books'));
/** The built CLI (`pnpm --filter @bookpipe/cli... build`). */
export const bin = path.join(repoRoot, 'packages/cli/dist/bin.js');
export const hasBin = existsSync(bin);

/** Path of a real eval file. */
export function evalFile(...parts: string[]): string {
  return path.join(evalDir, ...parts);
}

/** Says once why a suite is skipped, so a green run never hides that it tested nothing. */
export function noteSkip(suite: string): void {
  if (!hasEval) console.warn(`[${suite}] skipped: the real eval data is not at ${evalDir} (see /work/shared/eval/README.md).`);
  else if (!hasBin) console.warn(`[${suite}] skipped: the CLI is not built (${bin}); run \`pnpm --filter @bookpipe/cli... build\`.`);
}

/** A temp folder removed by `await using`. */
export async function tempFolder(prefix: string): Promise<{ dir: string } & AsyncDisposable> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  return { dir, [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }) };
}

/** The environment of a fresh shell: no API key, no pnpm or bookpipe variables (so no LLM, defaults). */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/_API_KEY$|^npm_|^BOOKPIPE_/.test(name)));
  return { ...env, ...extra };
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The pipeline events of a `--json` run (stdout lines). */
  events: PipelineEvent[];
}

export interface CliOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /**
   * Largest file the child may write, in bytes (`ulimit -f`, rounded down to 512-byte blocks): a write
   * past it fails with EFBIG (Node ignores SIGXFSZ), the way a full disk fails a write.
   */
  fileSizeLimit?: number;
}

/** Runs the real `bookpipe` bin with `args`; never rejects on a non-zero exit. */
export function bookpipe(args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  const command = options.fileSizeLimit === undefined ? process.execPath : '/bin/sh';
  const argv =
    options.fileSizeLimit === undefined
      ? [bin, ...args]
      : ['-c', `ulimit -f ${Math.floor(options.fileSizeLimit / 512)} && exec "$0" "$@"`, process.execPath, bin, ...args];
  return new Promise((done, fail) => {
    const child = spawn(command, argv, { cwd: options.cwd ?? tmpdir(), env: options.env ?? cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.on('error', fail);
    child.on('close', (code, signal) => {
      const events = stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as PipelineEvent);
      done({ code, signal, stdout, stderr, events });
    });
  });
}

/** Pages each stage saved during a run, from its `page:done` events: `{ ocr: [2] }`. */
export function pagesDone(run: CliRun): Record<string, number[]> {
  const done: Record<string, number[]> = {};
  for (const event of run.events) {
    if (event.type === 'page:done') {
      done[event.stage] ??= [];
      done[event.stage]!.push(event.page);
    }
  }
  for (const pages of Object.values(done)) pages.sort((a, b) => a - b);
  return done;
}

/** Every file under `dir` (relative path, `/`-separated) with the sha256 of its bytes. */
export async function hashTree(dir: string): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  const walk = async (at: string): Promise<void> => {
    for (const entry of await readdir(at, { withFileTypes: true })) {
      const full = path.join(at, entry.name);
      if (entry.isDirectory()) await walk(full);
      else
        hashes.set(
          path.relative(dir, full).split(path.sep).join('/'),
          createHash('sha256')
            .update(await readFile(full))
            .digest('hex'),
        );
    }
  };
  await walk(dir);
  return hashes;
}

/** What happened to a folder between two `hashTree`s. */
export interface TreeChanges {
  changed: string[];
  removed: string[];
  added: string[];
}

export function treeChanges(before: Map<string, string>, after: Map<string, string>): TreeChanges {
  const changed: string[] = [];
  const removed: string[] = [];
  for (const [file, hash] of before) {
    const now = after.get(file);
    if (now === undefined) removed.push(file);
    else if (now !== hash) changed.push(file);
  }
  const added = [...after.keys()].filter((file) => !before.has(file));
  return { changed: changed.sort(), removed: removed.sort(), added: added.sort() };
}

/** True for a stage's log file (`<stage>/logs/<stage>-<time>.jsonl`): a run adds one even when it fails. */
export function isLogFile(file: string): boolean {
  return /^[^/]+\/logs\/[^/]+\.jsonl$/.test(file);
}

// --- Filesystem mechanisms --------------------------------------------------------------------------

function sh(command: string, args: string[]): void {
  execFileSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

let mountable: boolean | undefined;

/**
 * Whether this process may mount a tmpfs (root with CAP_SYS_ADMIN on a plain machine or a privileged
 * container). Tried once, for real, on a scratch folder. BOOKPIPE_TEST_NO_MOUNT=1 says no, to exercise
 * the fallbacks.
 */
export function canMount(): boolean {
  if (mountable !== undefined) return mountable;
  // Lets a developer with mount rights run the fallbacks a container without them would run.
  if (process.env.BOOKPIPE_TEST_NO_MOUNT === '1') {
    mountable = false;
    return mountable;
  }
  const probe = path.join(tmpdir(), `bookpipe-mount-probe-${process.pid}`);
  try {
    execFileSync('mkdir', ['-p', probe]);
    sh('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe]);
    sh('umount', [probe]);
    mountable = true;
  } catch {
    mountable = false;
  } finally {
    try {
      execFileSync('rmdir', [probe]);
    } catch {
      // left over only when umount failed, which the probe reports as not mountable
    }
  }
  return mountable;
}

/** Whether permission bits stop this process's writes (false for root, which ignores chmod 555). */
export function chmodStopsWrites(): boolean {
  return typeof process.getuid === 'function' && process.getuid() !== 0;
}

/** A mounted folder, unmounted by `await using` (lazily, so a crashed child cannot keep it busy). */
export interface Mount extends AsyncDisposable {
  dir: string;
  /** Changes the tmpfs size limit in place (files stay). */
  resize(bytes: number): void;
}

/** Mounts a tmpfs of `bytes` on `dir` (which must exist). */
export function mountTmpfs(dir: string, bytes: number): Mount {
  sh('mount', ['-t', 'tmpfs', '-o', `size=${Math.ceil(bytes / 1024)}k,mode=755`, 'tmpfs', dir]);
  return {
    dir,
    resize: (size) => sh('mount', ['-o', `remount,size=${Math.ceil(size / 1024)}k`, dir]),
    [Symbol.asyncDispose]: async () => sh('umount', ['-l', dir]),
  };
}

/** Bind-mounts `dir` onto itself read-only: its files stay readable, every write fails with EROFS. */
export function mountReadOnly(dir: string): AsyncDisposable {
  sh('mount', ['--bind', dir, dir]);
  try {
    sh('mount', ['-o', 'remount,ro,bind', dir]);
  } catch (error) {
    sh('umount', [dir]);
    throw error;
  }
  return { [Symbol.asyncDispose]: async () => sh('umount', ['-l', dir]) };
}

/** Bytes the files under `dir` take on a tmpfs (`df`'s used figure for its mount). */
export function usedBytes(dir: string): number {
  const out = execFileSync('df', ['-B1', '--output=used', dir], { encoding: 'utf8' });
  return Number(out.trim().split('\n').at(-1));
}
