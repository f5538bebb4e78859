/**
 * Issue 14 item 8: Ctrl-C during the LLM stages lets the requests already sent finish, saves their
 * answers, and sends nothing new; the resumed run asks only for the pages not answered, so no page is
 * paid for twice. Before, Ctrl-C cancelled the requests in flight and the resumed run sent them again.
 *
 * The real `bookpipe` bin in a child process, the loopback fake provider in this one. The fake holds
 * every answer until the test releases it: the Ctrl-C is sent once two requests are held (one per
 * worker), the answers released once the CLI says it is stopping. Event order only, no delays.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { type FakeReply, type FakeRequest, startFakeProvider } from '@bookpipe/llm-batch/testing';
import { describe, expect, it } from 'vitest';
import { promptPage, requestStage, scriptedModel } from '../crash/scripted-model.js';
import { bin, cleanEnv, evalDir, hasBin, hasEval, noteSkip, tempFolder } from '../support/disk-cli.js';

const SUITE = 'Ctrl-C during the LLM stages';
noteSkip(SUITE);

/** Four consecutive real pages of one book (old-books "The Corset and the Crinoline"), as the crash suite uses. */
const PAGES = ['d014', 'd015', 'd016', 'd017'].map((name) => path.join(evalDir, 'old-books', `${name}.tiff`));
const KEY = 'sk-graceful-stop-key';

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

function runBin(
  args: readonly string[],
  cwd: string,
  onChild?: (child: ReturnType<typeof spawn>, stderrLine: (fn: (line: string) => void) => void) => void,
): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd,
      env: cleanEnv({ OPENAI_API_KEY: KEY, BOOKPIPE_LLM_RETRY_JITTER: '0', BOOKPIPE_LLM_MAX_WORKERS: '2' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const listeners: Array<(line: string) => void> = [];
    let buffered = '';
    child.stdout.resume();
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
      buffered += chunk;
      let at = buffered.indexOf('\n');
      while (at >= 0) {
        const line = buffered.slice(0, at);
        for (const listener of listeners) listener(line);
        buffered = buffered.slice(at + 1);
        at = buffered.indexOf('\n');
      }
    });
    onChild?.(child, (fn) => listeners.push(fn));
    child.on('error', fail);
    child.on('close', (code, signal) => done({ code, signal, stderr }));
  });
}

const pageFile = (scanDir: string, stage: string, page: number) => path.join(scanDir, stage, `page_${String(page).padStart(4, '0')}.json`);

describe.skipIf(!hasEval || !hasBin)(SUITE, () => {
  it('the answers in flight are saved, nothing new is sent, and the resumed run asks only for the rest: no page paid twice', { timeout: 600_000 }, async () => {
    await using tmp = await tempFolder('bookpipe-graceful-');
    const root = path.join(tmp.dir, 'scans');
    const scanDir = path.join(root, 'book');
    const asked: Array<{ run: number; stage: string; page: number }> = [];
    let run = 0;
    let hold = false;
    const held: Array<() => void> = [];
    let onHeld: ((count: number) => void) | undefined;
    await using fake = await startFakeProvider({
      respond: async (request: FakeRequest): Promise<FakeReply> => {
        if (request.schemaName === 'book_metadata') return scriptedModel(request);
        asked.push({ run, stage: requestStage(request), page: promptPage(request).page });
        if (hold) {
          await new Promise<void>((release) => {
            held.push(release);
            onHeld?.(held.length);
          });
        }
        return scriptedModel(request);
      },
    });
    const args = (stages: string) => [
      'run',
      ...PAGES,
      '--scan-id',
      'book',
      '--root',
      root,
      '--workers',
      '2',
      '--stages',
      stages,
      '--provider',
      'openai',
      '--base-url',
      fake.openaiBaseURL,
      '--model',
      'gpt-4o-mini',
    ];

    // Source and OCR first, so that the stop lands in the LLM stages.
    const upstream = await runBin(args('source,ocr'), tmp.dir);
    expect(upstream.code, upstream.stderr).toBe(0);

    run = 1;
    hold = true;
    const stopped = await runBin(args('correction,label'), tmp.dir, (child, onStderr) => {
      onHeld = (count) => {
        if (count === 2) child.kill('SIGINT');
      };
      onStderr((line) => {
        if (line.startsWith('Stopping (Ctrl-C)')) {
          hold = false;
          for (const release of held.splice(0)) release();
        }
      });
    });
    expect(stopped.signal, stopped.stderr).toBeNull();
    expect(stopped.code, stopped.stderr).toBe(130);
    const inFlight = asked.filter((a) => a.run === 1);
    // Exactly the two requests held when Ctrl-C came: nothing was sent after it.
    expect(inFlight).toHaveLength(2);
    for (const { stage, page } of inFlight) expect(existsSync(pageFile(scanDir, stage, page)), `${stage} page ${page} saved`).toBe(true);
    expect(existsSync(path.join(scanDir, '.lock'))).toBe(false);

    run = 2;
    const resumed = await runBin(args('correction,label,merge'), tmp.dir);
    expect(resumed.code, resumed.stderr).toBe(0);
    // Every page of both stages asked for exactly once over the two runs.
    const counts = new Map<string, number>();
    for (const { stage, page } of asked) counts.set(`${stage} ${page}`, (counts.get(`${stage} ${page}`) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual(['correction', 'label'].flatMap((stage) => [1, 2, 3, 4].map((page) => `${stage} ${page}`)).sort());
    expect(
      [...counts.values()].every((n) => n === 1),
      JSON.stringify([...counts]),
    ).toBe(true);
  });
});
