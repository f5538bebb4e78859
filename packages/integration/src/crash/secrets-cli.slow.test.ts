// A recognisable API key planted in OPENAI_API_KEY must reach the provider as a credential and nothing
// else: not the scan's logs, report.csv, journal, pages, metadata, .lock, the --json events or stderr,
// even when the provider echoes it back in 401/500 errors and in an answer that is not JSON, and when a
// run is SIGKILLed mid-way. Also the errors the llm-batch adapters throw on such a 401.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { anthropic, type LlmProvider, openaiCompatible, type ProviderCall } from '@bookpipe/llm-batch';
import { type FakeProvider, type FakeReply, type FakeRequest, startFakeProvider } from '@bookpipe/llm-batch/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliRun, cleanEnv, evalDir, hasBin, hasEval, runCli } from './cli-child.js';
import { promptPage, requestStage, scriptedModel } from './scripted-model.js';

const KEY = 'sk-planted-SECRET-7f3a9c';
/** The distinctive part, in case something keeps a piece of the key (a prefix is cut, the key is split...). */
const PIECE = 'SECRET-7f3a9c';
const PAGES = ['d016', 'd017'].map((name) => path.join(evalDir, 'old-books', `${name}.tiff`));

if (!hasEval || !hasBin) console.warn(`secrets (CLI): skipped, needs ${evalDir} and a built CLI (pnpm --filter @bookpipe/cli... build).`);

/** What a careless provider sends back: the credential it received, and the key in clear. */
const echo = (request: FakeRequest) =>
  `echo: authorization=${String(request.headers.authorization)} x-api-key=${String(request.headers['x-api-key'])} key ${KEY}`;

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

function expectNoSecret(text: string, where: string): void {
  expect(text.includes(KEY), `${where} holds the key`).toBe(false);
  expect(text.includes(PIECE), `${where} holds a piece of the key`).toBe(false);
}

describe.skipIf(!hasEval || !hasBin)('secrets: the planted key appears nowhere the CLI writes', () => {
  let work: string;
  let fake: FakeProvider;
  /** Which run the fake provider is answering: faults in run 1, slow answers in run 2 (killed), clean in run 3. */
  let phase = 1;
  const runs: CliRun[] = [];

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'bookpipe-secrets-'));
    fake = await startFakeProvider({
      respond: (request): FakeReply => {
        if (request.schemaName === 'book_metadata') return scriptedModel(request);
        const stage = requestStage(request);
        const { page } = promptPage(request);
        // One page of each stage fails (a stage with no page at all would stop the merge before its report).
        if (phase === 1) {
          if (stage === 'correction' && page === 1) return { fault: 'httpError', status: 401, message: `Incorrect API key provided. ${echo(request)}` };
          if (stage === 'correction' && page === 2 && request.attempt === 1) return { fault: 'schemaViolation' };
          if (stage === 'label' && page === 2 && request.attempt === 1) return { content: `not json at all: ${echo(request)}` };
          if (stage === 'label' && page === 2) return { fault: 'httpError', status: 500, message: `Upstream failure. ${echo(request)}` };
        }
        return { ...scriptedModel(request), latencyMs: phase === 2 ? 400 : 0 };
      },
    });
  }, 60_000);

  afterAll(async () => {
    await fake?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('through errors (401, 500, an answer that is not JSON, a schema violation), a SIGKILL and a clean rerun', async () => {
    const root = path.join(work, 'scans');
    const args = [
      'run',
      ...PAGES,
      '--scan-id',
      'book',
      '--root',
      root,
      '--json',
      '--workers',
      '2',
      '--provider',
      'openai',
      '--base-url',
      fake.openaiBaseURL,
      '--model',
      'gpt-4o-mini',
    ];
    const env = cleanEnv({ OPENAI_API_KEY: KEY, BOOKPIPE_LLM_RETRY_JITTER: '0', BOOKPIPE_LLM_MAX_RETRIES: '1', BOOKPIPE_LOG_LEVEL: 'debug' });

    // Run 1: the LLM pages fail, each in its own way; the provider echoes the key in two of them. The
    // 401 stops the client for both stages at once (one message, the pages left to do), so the pages
    // not yet sent by then never meet their own fault.
    phase = 1;
    const first = await runCli(args, { cwd: work, env });
    runs.push(first);
    expect(first.code, first.stderr).toBe(1);
    expect(first.stderr).toMatch(/HTTP 401/);
    expect(first.stderr).toMatch(/refused the API key .*Check OPENAI_API_KEY/);
    // The errors reached the scan's records (so the files searched below did hold them).
    const report = await readFile(path.join(root, 'book', 'correction', 'report.csv'), 'utf8').catch(() => '');
    const logs = (await filesUnder(path.join(root, 'book'))).filter((f) => f.endsWith('.jsonl') && f.includes(`${path.sep}logs${path.sep}`));
    const logText = (await Promise.all(logs.map((f) => readFile(f, 'utf8')))).join('\n');
    expect(logText + report + first.stdout).toMatch(/HTTP 401/);
    expect(logText).toMatch(/\[REDACTED\]|authorization=/); // the echo was logged, with the credential removed

    // Run 2: the failed pages are retried against a slow provider and the process is SIGKILLed while
    // requests are in flight: its .lock stays behind, and is searched too.
    phase = 2;
    const killed = await runCli(args, { cwd: work, env, kill: { kind: 'stage-start', stage: 'correction', delayMs: 200 } });
    runs.push(killed);
    expect(killed.signal).toBe('SIGKILL');
    const lock = await readFile(path.join(root, 'book', '.lock'), 'utf8');
    expectNoSecret(lock, '.lock of the killed run');

    // Run 3: completes.
    phase = 3;
    const last = await runCli(args, { cwd: work, env });
    runs.push(last);
    expect(last.code, last.stderr).toBe(0);

    // The key did go to the provider, as the credential, and the provider did echo it.
    expect(fake.requests.length).toBeGreaterThan(4);
    for (const request of fake.requests) expect(request.headers.authorization).toBe(`Bearer ${KEY}`);

    // Every file under the storage root, whatever its kind (PNG pages included, searched as bytes).
    const files = await filesUnder(work);
    expect(files.some((f) => f.endsWith('checkpoint.jsonl'))).toBe(true);
    expect(files.some((f) => f.endsWith('metadata.json'))).toBe(true);
    expect(files.some((f) => f.endsWith('report.csv'))).toBe(true);
    for (const file of files) {
      const bytes = await readFile(file);
      expectNoSecret(bytes.toString('latin1'), file);
      expectNoSecret(bytes.toString('utf8'), file);
    }
    runs.forEach((run, i) => {
      expectNoSecret(run.stdout, `stdout (--json events) of run ${i + 1}`);
      expectNoSecret(run.stderr, `stderr of run ${i + 1}`);
    });
  }, 300_000);
});

describe('secrets: errors the llm-batch adapters throw on a 401 that echoes the credential', () => {
  const adapters: Array<{ name: string; create: (fake: FakeProvider) => LlmProvider }> = [
    { name: 'openai-compatible', create: (fake) => openaiCompatible({ baseURL: fake.openaiBaseURL, apiKey: KEY }) },
    { name: 'anthropic', create: (fake) => anthropic({ baseURL: fake.anthropicBaseURL, apiKey: KEY }) },
  ];
  const call: ProviderCall = {
    id: 'r1',
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'hello' }],
    images: [],
    responseSchema: { name: 'answer', schema: { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false } },
  };
  for (const adapter of adapters) {
    it(`${adapter.name}: send() rejects with a message, cause and inspection free of the key`, async () => {
      await using fake = await startFakeProvider({
        respond: (request) => ({ fault: 'httpError', status: 401, message: `Invalid key. ${echo(request)}`, headers: { 'x-echo': KEY } }),
      });
      const provider = adapter.create(fake);
      const error = await provider.send(call, { signal: new AbortController().signal, timeoutMs: 10_000, now: () => Date.now() }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(Error);
      expect(fake.requests[0]?.headers.authorization ?? fake.requests[0]?.headers['x-api-key']).toContain(KEY);
      const err = error as Error & { status?: number };
      expect(err.status).toBe(401);
      expectNoSecret(err.message, 'message');
      expectNoSecret(String(err), 'String(error)');
      expectNoSecret(err.stack ?? '', 'stack');
      expectNoSecret(inspect(err, { depth: 8, showHidden: true }), 'util.inspect(error) with its cause');
      expectNoSecret(JSON.stringify(err), 'JSON.stringify(error)');
    });
  }
});
