// Two `bookpipe run` on one scan: the second is refused naming the holder's pid, the first completes
// unharmed; a lock left by a SIGKILLed run, or naming a pid now reused by an unrelated live process, is
// taken over by the next run. The real bin in child processes, on two real pages.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OcrPageSchema } from '@bookpipe/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CliRun, cleanEnv, evalDir, hasBin, hasEval, runCli } from './cli-child.js';

const PAGES = ['d015', 'd016'].map((name) => path.join(evalDir, 'old-books', `${name}.tiff`));
/** The refusal test needs a run that lasts (OCR of one page); the takeover tests only need the source stage. */
type Stages = 'source,ocr' | 'source';

if (!hasEval || !hasBin) console.warn(`scan lock (CLI): skipped, needs ${evalDir} and a built CLI (pnpm --filter @bookpipe/cli... build).`);

describe.skipIf(!hasEval || !hasBin)('scan lock through the CLI', () => {
  let work: string;
  let scanDir: string;
  const args = (stages: Stages) => [
    'run',
    ...(stages === 'source' ? PAGES : PAGES.slice(0, 1)),
    '--scan-id',
    'book',
    '--root',
    path.join(work, 'scans'),
    '--json',
    '--workers',
    '1',
    '--stages',
    stages,
  ];
  const run = (stages: Stages, options: Partial<Parameters<typeof runCli>[1]> = {}) => runCli(args(stages), { cwd: work, env: cleanEnv(), ...options });
  const lockPath = () => path.join(scanDir, '.lock');

  beforeEach(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'bookpipe-lock-'));
    scanDir = path.join(work, 'scans', 'book');
  });
  afterEach(async () => {
    await rm(work, { recursive: true, force: true });
  });

  async function expectComplete(result: CliRun, stages: Stages): Promise<void> {
    expect(result.code, result.stderr).toBe(0);
    expect(result.events.at(-1)).toMatchObject({ type: 'pipeline:done', aborted: false });
    if (stages === 'source') {
      expect((await readdir(path.join(scanDir, 'source'))).filter((f) => f.startsWith('page_')).sort()).toEqual(['page_0001.png', 'page_0002.png']);
    } else {
      const files = (await readdir(path.join(scanDir, 'ocr'))).filter((f) => /^page_\d{4}\.json$/.test(f));
      expect(files).toEqual(['page_0001.json']);
      OcrPageSchema.parse(JSON.parse(await readFile(path.join(scanDir, 'ocr', files[0]!), 'utf8')));
    }
    expect(existsSync(lockPath())).toBe(false);
  }

  it("a second run while the first is in OCR is refused naming the first one's pid; the first completes", async () => {
    let second: Promise<CliRun> | undefined;
    let firstPid = 0;
    const first = await run('source,ocr', {
      onSpawn: (pid) => (firstPid = pid),
      onEvent: (event) => {
        if (event.type === 'stage:start' && event.stage === 'ocr') second ??= run('source,ocr');
      },
    });
    const refused = await second!;
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      new RegExp(`^bookpipe: Scan "book" is locked by pid ${firstPid} \\(started \\S+, command .*bin\\.js run .*\\)\\. Wait for it to finish, or stop it`, 'm'),
    );
    expect(refused.events).toEqual([]); // refused before the pipeline started
    await expectComplete(first, 'source,ocr');
  }, 180_000);

  it('a lock left by a SIGKILLed run is taken over by the next run, which completes', async () => {
    let killedPid = 0;
    const killed = await run('source', { kill: { kind: 'stage-start', stage: 'source', delayMs: 0 }, onSpawn: (pid) => (killedPid = pid) });
    expect(killed.signal).toBe('SIGKILL');
    const left = JSON.parse(await readFile(lockPath(), 'utf8')) as { pid: number };
    expect(left.pid).toBe(killedPid);
    await expectComplete(await run('source'), 'source');
  }, 180_000);

  it.skipIf(process.platform !== 'linux')(
    'a lock whose pid now belongs to an unrelated live process (started after the lock) is taken over, and that process is left alone',
    async () => {
      const killed = await run('source', { kill: { kind: 'stage-start', stage: 'source', delayMs: 0 } });
      expect(killed.signal).toBe('SIGKILL');
      const unrelated = spawn('sleep', ['60'], { stdio: 'ignore' });
      try {
        // The dead run's lock, as if its pid had been given to `sleep`: a process that started after the lock was taken.
        const lock = JSON.parse(await readFile(lockPath(), 'utf8')) as { pid: number; startedAt: string };
        await writeFile(lockPath(), JSON.stringify({ ...lock, pid: unrelated.pid, startedAt: new Date(Date.now() - 60_000).toISOString() }));
        await expectComplete(await run('source'), 'source');
        expect(unrelated.exitCode).toBeNull();
        expect(unrelated.signalCode).toBeNull();
      } finally {
        unrelated.kill('SIGKILL');
      }
    },
    180_000,
  );
});
