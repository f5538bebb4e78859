/**
 * One case of the LLM fault matrix through the real `bookpipe` bin (child process, openai wire format
 * against the fake provider): HTTP 503 on every request until each stage has had PAGES + 2 of them,
 * then recovering. The first run ends non-zero and names the failed pages with the 503; the same
 * command run again sends one request per failed page and nothing else, and the book then equals a
 * fault-free run's. Source and OCR come from the real stages (once), copied into the CLI's root, and
 * the CLI runs `--stages correction,label,merge` on them.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { startFakeProvider } from '@bookpipe/llm-batch/testing';
import { type ProcessOutput, runNode } from '@bookpipe/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULTS, injectFaults, outage } from '../support/fault-injection.js';
import { scriptedModel } from '../support/fault-model.js';
import { type BaseScan, bookPages, bookSnapshot, copyScan, hasEval, logLines, makeBaseScan, noteSkip, repoRoot, reportRows } from '../support/fault-scan.js';

noteSkip('LLM faults through the CLI');

const bin = path.join(repoRoot, 'packages/cli/dist/bin.js');
const PAGES = 3;
const KEY = 'sk-fault-matrix-cli-0c7e';
const HTTP_503 = FAULTS.find((f) => f.name === 'HTTP 503')!;

function bookpipe(args: string[], env: NodeJS.ProcessEnv): Promise<ProcessOutput> {
  return runNode([bin, ...args], { env });
}

describe.skipIf(!hasEval)('bookpipe run with the LLM stages under a provider outage (child process, the real bin)', () => {
  let base: BaseScan;
  beforeAll(async () => {
    base = await makeBaseScan(bookPages(PAGES));
  }, 300_000);
  afterAll(() => (base ? rm(base.root, { recursive: true, force: true }) : undefined));

  const env = () => ({
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !/_API_KEY$|^npm_|^BOOKPIPE_/.test(name))),
    OPENAI_API_KEY: KEY,
    BOOKPIPE_LLM_MAX_RETRIES: '1',
    BOOKPIPE_LLM_RETRY_JITTER: '0',
  });
  const args = (scanId: string, url: string) => [
    'run',
    '--scan-id',
    scanId,
    '--root',
    base.root,
    '--stages',
    'correction,label,merge',
    '--provider',
    'openai',
    '--base-url',
    url,
    '--model',
    'gpt-4o-mini',
  ];

  it('HTTP 503 at 100% then recovering: failed pages named with the 503, the same command finishes only them, the book equals a fault-free run', async () => {
    // A fault-free run, for the book to compare with.
    const clean = await copyScan(base, 'cli-fault-free');
    {
      await using healthy = await startFakeProvider({ respond: scriptedModel });
      const run = await bookpipe(args(clean.scanId, healthy.openaiBaseURL), env());
      expect(run.code, run.stderr).toBe(0);
      expect(healthy.requests).toHaveLength(2 * PAGES);
    }

    const scan = await copyScan(base, 'cli-outage');
    const OUTAGE = PAGES + 2; // per stage, maxRetries 1: exactly 2 pages of each stage fail
    const injector = injectFaults(
      scriptedModel,
      HTTP_503.reply,
      outage(OUTAGE, (request) => String(request.schemaName)),
    );
    await using fake = await startFakeProvider({ respond: injector.respond });
    const command = args(scan.scanId, fake.openaiBaseURL);

    const first = await bookpipe(command, env());
    expect(first.code, first.stderr).not.toBe(0);
    expect(injector.faulted.size).toBe(2 * OUTAGE);
    expect(first.stderr).toContain('Some pages failed:');
    expect(first.stderr).toContain('Run the same command again to retry them');
    const failedIds: string[] = [];
    for (const stage of ['correction', 'label']) {
      const failed = (await scan.stage(stage).checkpoint.status()).failedPages;
      expect(failed).toHaveLength(OUTAGE - PAGES);
      for (const { page, error } of failed) {
        failedIds.push(`${stage}_${String(page).padStart(4, '0')}`);
        expect(error).toMatch(HTTP_503.reason);
        expect(first.stderr).toMatch(new RegExp(`${stage}: page ${page} failed: [^\\n]*HTTP 503`));
      }
      // The closing summary: one line per stage, the reason once.
      expect(first.stderr).toMatch(new RegExp(`\\n  ${stage}: ${OUTAGE - PAGES} of ${PAGES} pages failed: [^\\n]*HTTP 503`));
      const rows = await reportRows(scan, stage);
      expect(rows.filter((r) => r.status === 'failed').map((r) => Number(r.pageNum))).toEqual(failed.map((f) => f.page).sort((a, b) => a - b));
      for (const row of rows.filter((r) => r.status === 'failed')) expect(row.error).toMatch(HTTP_503.reason);
      const logged = (await logLines(scan, stage)).filter((line) => line.msg === 'page failed');
      expect(logged.map((line) => line.page).sort()).toEqual(failed.map((f) => f.page).sort());
      for (const line of logged) expect(JSON.stringify(line)).toMatch(HTTP_503.reason);
    }

    // The server has recovered; the same command again.
    const before = fake.requests.length;
    const second = await bookpipe(command, env());
    expect(second.code, second.stderr).toBe(0);
    expect(
      fake.requests
        .slice(before)
        .map((r) => r.id)
        .sort(),
    ).toEqual(failedIds.sort());
    for (const stage of ['correction', 'label']) {
      expect(await scan.stage(stage).listPages()).toEqual(base.pages);
      expect((await scan.stage(stage).checkpoint.status()).failedPages).toEqual([]);
    }
    expect(await bookSnapshot(scan)).toEqual(await bookSnapshot(clean));
  }, 300_000);
});
