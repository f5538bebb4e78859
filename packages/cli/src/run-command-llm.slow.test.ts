// Slow (real OCR of one page): `bookpipe run` with a bad key (HTTP 401 on every request). The client
// stops at the first 401 for every stage sharing it: the user sees the 401, the server and the key to
// check once, the pages stay to do (not failed), and a rerun with a good key resumes them.
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

describe.skipIf(!hasEval)('bookpipe run: the provider refuses the key (HTTP 401)', () => {
  let root: string;
  const page = path.join(evalDir, 'old-books', 'd014.tiff');
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'bookpipe-run-401-'));
    const io = memoryIo({});
    expect(await runCommand([page], { root, scanId: 'book', stages: 'source,ocr', workers: 1 }, io, ['run']), io.err()).toBe(0);
  }, 120_000);
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('stops at the first 401 with one message (the server, OPENAI_API_KEY), leaves the pages to do, and a rerun resumes them', async () => {
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
    // Correction and label share the client, and its first 401 stops both: at most their first
    // requests, sent together before any answer came, then nothing.
    expect(fake.requests.length).toBeLessThanOrEqual(2);
    const message = `at ${fake.openaiBaseURL} refused the API key`;
    expect(err).toContain(message);
    expect(err).toContain('Check OPENAI_API_KEY');
    expect(err).toContain('HTTP 401 invalid api key');
    // Shown once per display: the progress line of the first stage, and the final error (which names both stages).
    expect(err.split(message).length - 1, err).toBe(2);
    expect(err).toMatch(/bookpipe: Scan "book": stages "correction", "label" failed: openai-compatible at/);
    expect(err).not.toContain('pages failed');
    expect(err).not.toContain('sk-bad-key-for-test');

    // A rerun with a good key does the pages the stop left to do.
    await using good = await startFakeProvider();
    const rerun = memoryIo({ OPENAI_API_KEY: 'sk-good', BOOKPIPE_LLM_RETRY_JITTER: '0' });
    expect(await runCommand([], { ...flags, baseUrl: good.openaiBaseURL }, rerun, ['run', '--scan-id', 'book']), rerun.err()).toBe(0);
    expect(good.requests.map((r) => r.id).sort()).toEqual(['correction_0001', 'label_0001']);
  }, 90_000);
});
