// Slow (real OCR of the sample book, child processes of the real bin): `bookpipe run --batch` against
// the fake provider's batch APIs. The same book.md as a live run at half the cost; a run SIGKILLed
// while it waits on its batches is resumed by the next run without creating a batch again.
import { type ChildProcess, spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { exampleFromSchema, type FakeBatchOptions, type FakeProvider, type FakeRequest, startFakeProvider } from '@bookpipe/llm-batch/testing';
import { generateSampleBook } from '@bookpipe/testkit/sample-book';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bin = resolve(import.meta.dirname, '../dist/bin.js');
const env = {
  ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !/_API_KEY$|^npm_|^BOOKPIPE_/.test(name))),
  OPENAI_API_KEY: 'sk-batch-test',
  BOOKPIPE_LLM_RETRY_JITTER: '0',
  BOOKPIPE_BATCH_POLL_SECONDS: '0.02',
};
/** Every answer schema-valid, with fixed token counts: live and batch costs are then comparable. */
const respond = (request: FakeRequest) => ({ json: exampleFromSchema(request.schema), usage: { promptTokens: 1000, completionTokens: 100 } });

function start(args: string[], cwd: string): { child: ChildProcess; done: Promise<{ code: number | null; stderr: string }> } {
  const child = spawn(process.execPath, [bin, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stdout?.resume();
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk));
  const done = new Promise<{ code: number | null; stderr: string }>((ok, fail) => {
    child.on('error', fail);
    child.on('close', (code) => ok({ code, stderr }));
  });
  return { child, done };
}
const run = (args: string[], cwd: string) => start(args, cwd).done;

/** What a stage's saved pages cost, from its journal (one line per saved page, with its metrics). */
async function stageCost(scanDir: string, stage: string): Promise<number> {
  const lines = (await readFile(join(scanDir, stage, 'checkpoint.jsonl'), 'utf8')).split('\n').filter(Boolean);
  return lines.reduce((sum, line) => sum + (((JSON.parse(line) as { metrics?: { costUsd?: number } }).metrics?.costUsd as number | undefined) ?? 0), 0);
}

const until = async (what: () => boolean, label: string) => {
  for (let i = 0; i < 3000 && !what(); i++) await new Promise((r) => setTimeout(r, 20));
  if (!what()) throw new Error(`timed out waiting for ${label}`);
};

describe('bookpipe run --batch (child processes, the real bin, the fake provider)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bookpipe-cli-batch-'));
    await generateSampleBook(join(dir, 'sample-book.pdf'));
    const ocr = await run(['run', 'sample-book.pdf', '--scan-id', 'ocr', '--stages', 'source,ocr', '--workers', '2'], dir);
    expect(ocr.code, ocr.stderr).toBe(0);
    for (const copy of ['live', 'batch', 'killed']) await cp(join(dir, 'scans', 'ocr'), join(dir, 'scans', copy), { recursive: true });
  }, 300_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const llmArgs = (fake: FakeProvider, scanId: string) => [
    'run',
    '--scan-id',
    scanId,
    '--stages',
    'correction,label,merge',
    '--provider',
    'openai',
    '--base-url',
    fake.openaiBaseURL,
    '--model',
    'gpt-4o-mini',
  ];

  it('writes the same book.md as a live run, at half the cost, from one batch per stage', async () => {
    await using fake = await startFakeProvider({ respond, batch: { pollsInProgress: 2 } });
    const live = await run(llmArgs(fake, 'live'), dir);
    expect(live.code, live.stderr).toBe(0);
    const liveCalls = fake.httpCalls();
    const batched = await run([...llmArgs(fake, 'batch'), '--batch'], dir);
    expect(batched.code, batched.stderr).toBe(0);
    expect(batched.stderr).toMatch(/correction: submitted batch batch_\d+ to openai-compatible \(8 pages\)/);
    expect(batched.stderr).toMatch(/label: batch batch_\d+ in_progress: \d+ answered/);
    expect(fake.batchCreateCalls()).toBe(2);
    // Upload, create, 3 polls, one read of the batch and its output file, per stage: far fewer calls than 16 live requests.
    expect(fake.httpCalls() - liveCalls).toBeLessThan(liveCalls);

    const scans = join(dir, 'scans');
    const book = async (scanId: string) => (await readFile(join(scans, scanId, 'merge', 'book.md'), 'utf8')).replace(`scan "${scanId}"`, 'scan');
    expect(await book('batch')).toBe(await book('live'));
    for (const stage of ['correction', 'label']) {
      const liveCost = await stageCost(join(scans, 'live'), stage);
      expect(liveCost).toBeGreaterThan(0);
      expect(await stageCost(join(scans, 'batch'), stage)).toBeCloseTo(liveCost / 2, 10);
    }
  }, 300_000);

  it('a run SIGKILLed while waiting is resumed: --no-wait looks once, status lists the batches, the next run collects them; one create call per stage', async () => {
    const batch: FakeBatchOptions = { pollsInProgress: 1_000_000 };
    await using fake = await startFakeProvider({ respond, batch });
    const first = start([...llmArgs(fake, 'killed'), '--batch'], dir);
    // Both stages have submitted and journaled, and poll: kill the run mid-wait.
    await until(() => fake.batches.length === 2 && fake.batches.every((b) => b.polls > 0), 'two batches polled');
    first.child.kill('SIGKILL');
    await first.done;

    const look = await run([...llmArgs(fake, 'killed'), '--batch', '--no-wait'], dir);
    expect(look.code, look.stderr).toBe(130);
    expect(look.stderr).toContain('Run the same command again to collect them');
    const status = await run(['status', 'killed'], dir);
    expect(status.stderr).toBe('');
    const statusOut = await new Promise<string>((ok) => {
      const child = spawn(process.execPath, [bin, 'status', 'killed'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'ignore'] });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk));
      child.on('close', () => ok(out));
    });
    expect(statusOut).toMatch(/batch in flight: correction, openai-compatible batch_\d+: \d+ answered, 0 failed of 8 \(in_progress\), submitted \d+ s ago/);
    expect(statusOut).toMatch(/batch in flight: label, openai-compatible batch_\d+/);

    // The provider finishes the batches while nothing runs; the next run collects them.
    batch.pollsInProgress = 0;
    const rerun = await run([...llmArgs(fake, 'killed'), '--batch'], dir);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(fake.batchCreateCalls()).toBe(2);
    expect(fake.requests.every((r) => r.batchId !== undefined)).toBe(true);
    expect(await readFile(join(dir, 'scans', 'killed', 'merge', 'book.md'), 'utf8')).toContain('CHAPTER I');
  }, 300_000);
});
