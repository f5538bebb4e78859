// Slow (the real bin in a child process): `bookpipe run` whose provider refuses the key in the middle of
// the run (issue 14 item 3, "401 mid-run"). The client stops for both LLM stages at once; each stage still
// reports what it saved and what it paid before the stop, so the summary shows the real cost, not $0;
// the exit code is non-zero; a rerun with a good key asks only for the pages left to do.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { OCR_STAGE } from '@bookpipe/contracts';
import { exampleFromSchema, type FakeReply, type FakeRequest, startFakeProvider } from '@bookpipe/llm-batch/testing';
import { openScan } from '@bookpipe/storage';
import { blankPagePng, scanWithSourcePages, smallPage } from '@bookpipe/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const bin = resolve(import.meta.dirname, '../dist/bin.js');
const PAGES = 6;
/** Tokens each answer reports: round prices, so the summary's figures can be checked to the cent. */
const USAGE = { promptTokens: 100_000, completionTokens: 10_000 };

const ADAPTERS = [
  // gpt-4o-mini: $0.15 / $0.60 per million tokens -> $0.021 an answer.
  { provider: 'openai', model: 'gpt-4o-mini', keyVariable: 'OPENAI_API_KEY', perAnswer: 0.021, baseUrl: (url: string) => `${url}/v1` },
  // claude-3-5-haiku: $0.80 / $4 per million tokens -> $0.12 an answer.
  { provider: 'anthropic', model: 'claude-3-5-haiku', keyVariable: 'ANTHROPIC_API_KEY', perAnswer: 0.12, baseUrl: (url: string) => url },
] as const;

function runBin(args: readonly string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done, fail) => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/_API_KEY$|^npm_|^BOOKPIPE_/.test(name)));
    const child = spawn(process.execPath, [bin, ...args], { env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stdout.resume();
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stderr }));
  });
}

/** A schema-valid "nothing to change" answer with the round usage. */
const answer = (request: FakeRequest): FakeReply => ({ json: exampleFromSchema(request.schema), usage: USAGE });

describe.each(ADAPTERS)('bookpipe run: the $provider provider refuses the key mid-run', (adapter) => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'bookpipe-stop-'));
    const png = await blankPagePng(join(root, 'page.png'), 400, 600);
    const scan = await scanWithSourcePages(
      openScan({ root, scanId: 'book' }),
      Array.from({ length: PAGES }, () => ({ png })),
    );
    const ocr = scan.stage(OCR_STAGE);
    for (let page = 1; page <= PAGES; page++) {
      const text = smallPage(page, [[[`Page ${page} begins here and goes on`, 'to the end of its first paragraph.']]]);
      await ocr.savePage(page, text, { pageNum: page, processingTimeSeconds: 0, costUsd: 0 });
    }
    await ocr.checkpoint.markStageComplete({ stage: OCR_STAGE });
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('one message, the cost paid before the stop in the summary, exit code 1; a rerun sends only the pages left to do', { timeout: 120_000 }, async () => {
    // One request at a time (BOOKPIPE_LLM_MAX_WORKERS=1): the first four are answered, the fifth meets the 401.
    await using fake = await startFakeProvider({ respond: (request) => (request.callIndex >= 4 ? { fault: 'unauthorized' } : answer(request)) });
    const args = ['run', '--root', root, '--scan-id', 'book', '--stages', 'correction,label', '--provider', adapter.provider, '--model', adapter.model];
    const env = { BOOKPIPE_BASE_URL: adapter.baseUrl(fake.url), BOOKPIPE_LLM_MAX_WORKERS: '1', BOOKPIPE_LLM_RETRY_JITTER: '0' };
    const bad = await runBin(args, { ...env, [adapter.keyVariable]: 'sk-bad-key-mid-run' });
    expect(bad.code, bad.stderr).toBe(1);
    expect(fake.requests).toHaveLength(5);
    // One message naming the key variable: the first stage's FAILED line and the final error, nothing per page.
    expect(bad.stderr.split(`Check ${adapter.keyVariable}`).length - 1, bad.stderr).toBe(2);
    expect(bad.stderr).not.toContain('page 1 failed');
    expect(bad.stderr).not.toContain('sk-bad-key-mid-run');
    // Each stage's FAILED line says what it saved and paid; together, the four answers.
    const lines = [...bad.stderr.matchAll(/^(correction|label): FAILED[^(]*\((\d+) pages saved, 0 failed, \$([\d.]+) paid; the rest stay to do\)/gm)];
    expect(lines.map((m) => m[1]).sort(), bad.stderr).toEqual(['correction', 'label']);
    expect(lines.reduce((sum, m) => sum + Number(m[2]), 0)).toBe(4);
    expect(lines.reduce((sum, m) => sum + Number(m[3]), 0)).toBeCloseTo(4 * adapter.perAnswer, 4);
    const answered = new Set(fake.requests.slice(0, 4).map((r) => r.id));

    // The rerun with a good key asks for the eight pages left (6 + 6 - 4), none of those already answered.
    await using good = await startFakeProvider({ respond: answer });
    const rerun = await runBin(args, { ...env, BOOKPIPE_BASE_URL: adapter.baseUrl(good.url), [adapter.keyVariable]: 'sk-good' });
    expect(rerun.code, rerun.stderr).toBe(0);
    const ids = good.requests.map((r) => r.id);
    expect(ids).toHaveLength(2 * PAGES - 4);
    expect(ids.filter((id) => answered.has(id))).toEqual([]);
  });
});
