/**
 * Test support for the crash, lock and secrets suites: runs the real `bookpipe` bin (packages/cli/dist/bin.js)
 * in a child process with `--json`, reads its pipeline events line by line as they arrive, and can SIGKILL
 * it at a chosen moment: after the k-th `page:done` of a stage, after a stage starts, or after a delay.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PipelineEvent } from '@bookpipe/core';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
export const bin = path.join(repoRoot, 'packages/cli/dist/bin.js');
export const evalDir = path.resolve(repoRoot, '../shared/eval');
export const hasEval = existsSync(path.join(evalDir, 'README.md'));
export const hasBin = existsSync(bin);

/** When to SIGKILL the child. Every kill also waits `delayMs` after its trigger, to land between events. */
export type KillTrigger =
  /**
   * After the k-th `page:done` event of `stage` in this attempt, k = 1 + floor(fraction x (remaining - 1)),
   * `remaining` read from the stage's `stage:start` event: so the kill leaves at least one page to do.
   * With one page remaining, after `stage:start`.
   */
  | { kind: 'page-done'; stage: string; fraction: number; delayMs: number }
  /** After `stage:start` of `stage`. */
  | { kind: 'stage-start'; stage: string; delayMs: number }
  /** `delayMs` after the child was spawned, whatever it is doing. */
  | { kind: 'time'; delayMs: number };

export function describeTrigger(t: KillTrigger): string {
  switch (t.kind) {
    case 'page-done':
      return `${t.delayMs} ms after page:done #(1 + ${t.fraction.toFixed(3)} x (remaining - 1)) of ${t.stage}`;
    case 'stage-start':
      return `${t.delayMs} ms after stage:start of ${t.stage}`;
    case 'time':
      return `${t.delayMs} ms after spawn`;
  }
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Every JSON event line of stdout, parsed. */
  events: PipelineEvent[];
  /** For each event, the milliseconds from spawn to its arrival. */
  eventTimes: number[];
  /** Where the kill landed (the last event seen before it), or undefined when the child was not killed. */
  killedAfter?: string;
  pid: number;
}

/** The current environment without API keys, npm's or bookpipe's settings, so a run sees only what the test sets. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/_API_KEY$|^npm_|^BOOKPIPE_/.test(name)));
  return { ...env, ...extra };
}

export interface RunCliOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  kill?: KillTrigger;
  /** Called with each event as it arrives (before any kill decision). */
  onEvent?: (event: PipelineEvent) => void;
  /** Called once the child is spawned, with its pid. */
  onSpawn?: (pid: number) => void;
}

/** Runs `node bin.js ...args`; resolves when the child has exited (killed or not). */
export function runCli(args: readonly string[], options: RunCliOptions): Promise<CliRun> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    options.onSpawn?.(child.pid!);
    let stdout = '';
    let stderr = '';
    let pending = '';
    const events: PipelineEvent[] = [];
    const eventTimes: number[] = [];
    const spawnedAt = performance.now();
    let killedAfter: string | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    let pageDone = 0;
    let k = Infinity;
    const kill = options.kill;

    const killLater = (delayMs: number) => {
      if (killTimer || killedAfter) return;
      killTimer = setTimeout(() => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const last = events.at(-1);
        killedAfter = last
          ? `${last.type}${'stage' in last ? ` ${last.stage}` : ''}${'page' in last ? ` p${last.page}` : ''} (event ${events.length})`
          : 'before the first event';
        child.kill('SIGKILL');
      }, delayMs);
    };
    if (kill?.kind === 'time') killLater(kill.delayMs);

    const onLine = (line: string) => {
      if (!line.trim()) return;
      let event: PipelineEvent;
      try {
        event = JSON.parse(line) as PipelineEvent;
      } catch {
        return; // --json prints only events on stdout; anything else is checked by the caller from `stdout`
      }
      events.push(event);
      eventTimes.push(performance.now() - spawnedAt);
      options.onEvent?.(event);
      if (kill?.kind === 'page-done' && event.type === 'stage:start' && event.stage === kill.stage) {
        k = event.remainingPages <= 1 ? 0 : 1 + Math.floor(kill.fraction * (event.remainingPages - 1));
        if (k === 0) killLater(kill.delayMs);
      }
      if (kill?.kind === 'page-done' && event.type === 'page:done' && event.stage === kill.stage && ++pageDone === k) killLater(kill.delayMs);
      if (kill?.kind === 'stage-start' && event.type === 'stage:start' && event.stage === kill.stage) killLater(kill.delayMs);
    };
    child.stdout.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      stdout += text;
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) onLine(line);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', fail);
    child.on('close', (code, signal) => {
      clearTimeout(killTimer);
      onLine(pending);
      done({ code, signal, stdout, stderr, events, eventTimes, killedAfter, pid: child.pid! });
    });
  });
}
