// Slow (real OCR of one page): `bookpipe run` when every page of the LLM stages fails (a bad key: HTTP 401
// on every request). The user must see the 401 and the key to check, not only merge's "correction has none".
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startFakeProvider } from '@bookpipe/llm-batch/testing';
import { memoryIo } from '@bookpipe/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printError } from './print-error.js';
import { runCommand } from './run-command.js';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const evalDir = path.resolve(repoRoot, '../shared/eval');
const hasEval = existsSync(path.join(evalDir, 'README.md'));
if (!hasEval) console.warn(`run-command-llm: skipped, ${evalDir} is absent (see its README.md).`);

describe.skipIf(!hasEval)('bookpipe run: every LLM page refused with HTTP 401', () => {
  let root: string;
  const page = path.join(evalDir, 'old-books', 'd014.tiff');
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'bookpipe-run-401-'));
    const io = memoryIo({});
    expect(await runCommand([page], { root, scanId: 'book', stages: 'source,ocr', workers: 1 }, io, ['run']), io.err()).toBe(0);
  }, 120_000);
  afterAll(() => rm(root, { recursive: true, force: true }));

  it("prints the upstream failures (count, the 401 once, OPENAI_API_KEY) before merge's error", async () => {
    await using fake = await startFakeProvider({ respond: () => ({ fault: 'httpError', status: 401, message: 'invalid api key' }) });
    const io = memoryIo({ OPENAI_API_KEY: 'sk-bad-key-for-test', BOOKPIPE_LLM_RETRY_JITTER: '0' });
    const flags = { root, scanId: 'book', stages: 'correction,label,merge', provider: 'openai' as const, baseUrl: fake.openaiBaseURL, model: 'gpt-4o-mini' };
    let code: number;
    try {
      code = await runCommand([], flags, io, ['run', '--scan-id', 'book']);
    } catch (error) {
      code = printError(error, io);
    }
    expect(code).toBe(1);
    const err = io.err();
    const summary = err.indexOf('Some pages failed, before a stage stopped the run:');
    const merge = err.indexOf('bookpipe: Scan "book": stage "merge" failed');
    expect(summary, err).toBeGreaterThanOrEqual(0);
    expect(merge, err).toBeGreaterThan(summary);
    for (const stage of ['correction', 'label']) {
      expect(err).toMatch(new RegExp(`\\n  ${stage}: 1 of 1 pages failed: [^\\n]*HTTP 401 invalid api key — check OPENAI_API_KEY \\(page 1\\)\\n`));
    }
    expect(err).toContain('Run the same command again to retry them');
    expect(err).not.toContain('sk-bad-key-for-test');
  }, 60_000);
});
