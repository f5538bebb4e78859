/**
 * Fault matrix of the LLM stages: correction, label and merge through the library (Pipeline) on six
 * real pages of an old book (source and OCR by the real stages, once), against the fake provider of
 * @bookpipe/llm-batch/testing through the real openai and anthropic SDKs. For each fault it can inject:
 *
 * - at 10% of requests (seeded: one request in each run of 10 arrivals, at a seeded position), on
 *   both wire formats: the book completes, every page present, equal to a fault-free run's book;
 * - at 100% for the first N requests, then recovering: the pages that ran out of retries are failed
 *   and listed, with a reason naming the fault, in the stats, report.csv and the stage log; a rerun
 *   sends exactly one request per failed page and nothing else, and ends with the fault-free book.
 *
 * Backoff and Retry-After waits run on a virtual clock (no real time); a hang costs one real
 * `timeoutMs` (2.5 s) per attempt.
 */
import { rm } from 'node:fs/promises';
import { loadConfig, Pipeline, type PipelineEvent, type PipelineResult, type StageStats } from '@bookpipe/core';
import { anthropic, LlmBatchClient, openaiCompatible } from '@bookpipe/llm-batch';
import { createVirtualClock, type FakeProvider, startFakeProvider, type VirtualClock } from '@bookpipe/llm-batch/testing';
import { CorrectionStage } from '@bookpipe/stage-correction';
import { LabelStage } from '@bookpipe/stage-label';
import { MergeStage } from '@bookpipe/stage-merge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULTS, type FaultCase, injectFaults, outage, seededRandom, tenPercent } from '../support/fault-injection.js';
import { CORRECTION_MARK, scriptedModel } from '../support/fault-model.js';
import { type BaseScan, bookPages, bookSnapshot, copyScan, hasEval, logLines, makeBaseScan, noteSkip, reportRows, type Scan } from '../support/fault-scan.js';

noteSkip('LLM fault matrix');

/** One seed for the whole matrix, printed so that a failure can be replayed (FAULT_SEED=<n>). */
const SEED = Number(process.env.FAULT_SEED ?? 20261129);
const PAGES = 6;
const LLM_STAGES = ['correction', 'label'] as const;
/** The same model name on both wire formats, so that both runs must give the very same book. */
const MODEL = 'scripted-vision-model';
type Api = 'openai' | 'anthropic';

/**
 * Timeout of one attempt: a hang costs one in real time, so it is short where hangs are injected; but
 * on a busy 2-core machine an answered request can take a second, which must not count as a fault.
 */
const timeoutFor = (fault?: FaultCase) => (fault && 'fault' in fault.reply && fault.reply.fault === 'hang' ? 2_500 : 30_000);

function client(fake: FakeProvider, api: Api, maxRetries: number, seed: number, fault?: FaultCase, clock: VirtualClock = createVirtualClock()): LlmBatchClient {
  return new LlmBatchClient({
    provider:
      api === 'openai' ? openaiCompatible({ baseURL: fake.openaiBaseURL, apiKey: 'test' }) : anthropic({ baseURL: fake.anthropicBaseURL, apiKey: 'test' }),
    maxWorkers: 4,
    maxRetries,
    timeoutMs: timeoutFor(fault),
    retryBaseDelayMs: 500,
    clock,
    random: seededRandom(seed),
  });
}

interface Run {
  result: PipelineResult;
  events: PipelineEvent[];
  stats: Record<(typeof LLM_STAGES)[number], StageStats>;
}

/** correction and label (sharing one client, as the CLI does) then merge, logs to the scan's stage folders. */
async function runBook(scan: Scan, llm: LlmBatchClient): Promise<Run> {
  const events: PipelineEvent[] = [];
  const result = await new Pipeline({
    scan,
    config: loadConfig({}),
    stages: [new CorrectionStage({ llm: { client: llm, model: MODEL } }), new LabelStage({ llm: { client: llm, model: MODEL } }), new MergeStage()],
    onEvent: (event) => events.push(event),
  }).run();
  const stats = {} as Run['stats'];
  for (const stage of [...LLM_STAGES, 'merge']) {
    const outcome = result.stages[stage];
    // A rerun skips a stage the first run completed (none of its pages failed): nothing was processed.
    if (outcome?.status === 'skipped' && outcome.reason === 'already complete' && stage !== 'merge') {
      stats[stage as (typeof LLM_STAGES)[number]] = {
        stage,
        pagesProcessed: 0,
        pagesFailed: 0,
        pagesSkipped: PAGES,
        failures: [],
        totalCostUsd: 0,
        durationSeconds: 0,
        aborted: false,
      };
      continue;
    }
    if (outcome?.status !== 'done') throw new Error(`${stage} did not run: ${JSON.stringify(outcome)}`);
    if (stage !== 'merge') stats[stage as (typeof LLM_STAGES)[number]] = outcome.stats;
  }
  return { result, events, stats };
}

const retryReasons = (events: PipelineEvent[]) =>
  events.flatMap((e) => (e.type === 'stage:event' && e.event.type === 'retrying' ? [String(e.event.reason)] : []));

describe.skipIf(!hasEval)('LLM stages under provider faults (library, fake provider, real pages)', () => {
  let base: BaseScan;
  let faultFree: Record<string, string>;
  const tried: string[] = [];

  beforeAll(async () => {
    console.log(`LLM fault matrix: FAULT_SEED=${SEED}`);
    base = await makeBaseScan(bookPages(PAGES));
    expect(base.pages).toHaveLength(PAGES);
    const scan = await copyScan(base, 'fault-free');
    await using fake = await startFakeProvider({ respond: scriptedModel });
    const run = await runBook(scan, client(fake, 'openai', 0, SEED));
    for (const stage of LLM_STAGES)
      expect(run.stats[stage], JSON.stringify(run.stats[stage].failures)).toMatchObject({ pagesProcessed: PAGES, pagesFailed: 0 });
    expect(fake.requests).toHaveLength(2 * PAGES);
    faultFree = await bookSnapshot(scan);
    // The scripted answers reached the book: a correction on every page, the label's page numbers.
    expect(faultFree['merge/book.md']!.split(CORRECTION_MARK).length - 1).toBe(PAGES);
  }, 300_000);

  afterAll(async () => {
    console.log(`LLM fault matrix: ${tried.length} cases passed:\n  ${tried.join('\n  ')}`);
    if (base) await rm(base.root, { recursive: true, force: true });
  });

  const cases = FAULTS.flatMap((fault, index) => (['openai', 'anthropic'] as const).map((api) => ({ fault, api, seed: SEED + index })));

  it.each(cases)(
    '$fault.name at 10% of requests ($api): the book completes, every page present, equal to the fault-free book',
    async ({ fault, api, seed }) => {
      const scan = await copyScan(base);
      const injector = injectFaults(scriptedModel, fault.reply, tenPercent(seed));
      await using fake = await startFakeProvider({ respond: injector.respond });
      const clock = createVirtualClock();
      const run = await runBook(scan, client(fake, api, 3, seed, fault, clock));

      expect(injector.faulted.size, `seed ${seed}`).toBeGreaterThanOrEqual(Math.floor(fake.requests.length / 10));
      expect(injector.faulted.size).toBeLessThanOrEqual(Math.ceil(fake.requests.length / 10));
      // Every faulted request was retried, and the retry said why.
      expect(fake.requests).toHaveLength(2 * PAGES + injector.faulted.size);
      const reasons = retryReasons(run.events);
      expect(reasons).toHaveLength(injector.faulted.size);
      for (const reason of reasons) expect(reason).toMatch(fault.reason);
      expect(fake.requests.every((r) => r.api === api)).toBe(true);
      // A 429's Retry-After (2 s) is a floor the client honours; the other faults back off from 500 ms. A
      // request that meets the batch-wide pause a 429 set waits it out too, so a 429 may cause more than one wait.
      if ('fault' in fault.reply && fault.reply.fault === 'rateLimit')
        expect(clock.sleeps.filter((ms) => ms >= 2000).length).toBeGreaterThanOrEqual(injector.faulted.size);

      for (const stage of LLM_STAGES) {
        expect(run.stats[stage]).toMatchObject({ pagesProcessed: PAGES, pagesFailed: 0, failures: [] });
        expect(await scan.stage(stage).listPages()).toEqual(base.pages);
      }
      expect(await bookSnapshot(scan)).toEqual(faultFree);
      tried.push(`10%  ${api.padEnd(9)} ${fault.name}: ${injector.faulted.size} of ${fake.requests.length} requests faulted, book equal`);
    },
  );

  const outages = FAULTS.flatMap((fault) => (['openai', 'anthropic'] as const).map((api) => ({ fault, api })));

  it.each(outages)(
    '$fault.name at 100% for a while, then recovering ($api): failed pages listed with the fault, a rerun sends only them',
    async ({ fault, api }) => {
      const scan = await copyScan(base);
      // The first PAGES + 2 requests of each stage get the fault (counted per stage, so that how correction
      // and label interleave does not matter), with maxRetries 1: a page fails when both its attempts fall
      // in the outage. PAGES first attempts and PAGES + 2 faults, at most 2 per page: 2 to 4 pages of each
      // stage fail, the others finish (some on their retry).
      const OUTAGE = PAGES + 2;
      const injector = injectFaults(
        scriptedModel,
        fault.reply,
        outage(OUTAGE, (request) => String(request.schemaName)),
      );
      await using fake = await startFakeProvider({ respond: injector.respond });
      const first = await runBook(scan, client(fake, api, 1, SEED, fault));
      expect(injector.faulted.size).toBe(2 * OUTAGE);

      const failed = LLM_STAGES.flatMap((stage) => first.stats[stage].failures.map((f) => ({ stage, ...f })));
      for (const stage of LLM_STAGES) {
        const { pagesProcessed, pagesFailed } = first.stats[stage];
        expect(pagesProcessed + pagesFailed).toBe(PAGES);
        // A correction page cut off on both attempts is asked again in parts (`<id>_part1`, ...), sent after
        // the outage: it is saved, not failed. Only a page that cannot be cut (one paragraph) fails.
        const splits = 'fault' in fault.reply && fault.reply.fault === 'truncated' && stage === 'correction';
        if (splits) {
          const parted = new Set(fake.requests.filter((r) => /_part\d+$/.test(r.id)).map((r) => r.id.replace(/_part\d+(_part\d+)*$/, '')));
          const failedIds = first.stats[stage].failures.map((f) => `${stage}_${String(f.page).padStart(4, '0')}`);
          for (const id of parted) expect(failedIds).not.toContain(id);
          // The server's view: exactly the pages whose two whole-page attempts were both cut off are asked in
          // parts or failed. Parts sent while the outage lasts take faults of their own, so fewer than
          // OUTAGE - PAGES pages may be cut off twice; at least one always is (no split happens before one).
          const twice = base.pages
            .map((page) => `${stage}_${String(page).padStart(4, '0')}`)
            .filter((id) => {
              const sent = fake.requestsFor(id);
              return sent.length === 2 && sent.every((request) => injector.faulted.has(request.callIndex));
            });
          expect(new Set([...parted, ...failedIds])).toEqual(new Set(twice));
          expect(twice.length).toBeGreaterThanOrEqual(1);
        } else expect(pagesFailed).toBeGreaterThanOrEqual(OUTAGE - PAGES);
        expect(pagesFailed).toBeLessThanOrEqual(OUTAGE / 2);
        const failedPages = first.stats[stage].failures.map((f) => f.page).sort((a, b) => a - b);
        // The server's view: a failed page is one whose every attempt (1 + maxRetries) got the fault.
        for (const page of failedPages) {
          const sent = fake.requestsFor(`${stage}_${String(page).padStart(4, '0')}`);
          expect(sent).toHaveLength(2);
          for (const request of sent) expect(injector.faulted.has(request.callIndex)).toBe(true);
        }
        expect((await scan.stage(stage).checkpoint.status()).failedPages.map((f) => f.page).sort((a, b) => a - b)).toEqual(failedPages);
        expect(await scan.stage(stage).listPages()).toEqual(base.pages.filter((p) => !failedPages.includes(p)));

        // Listed with the reason: stats, page:failed events, report.csv and the stage log.
        for (const failure of first.stats[stage].failures) {
          expect(failure.error).toMatch(fault.reason);
          expect(failure.error).toContain(`page ${failure.page}`);
        }
        const failedEvents = first.events.filter((e) => e.type === 'page:failed' && e.stage === stage);
        expect(failedEvents.map((e) => (e as { page: number }).page).sort((a, b) => a - b)).toEqual(failedPages);
        const rows = await reportRows(scan, stage);
        expect(rows.map((r) => Number(r.pageNum))).toEqual(base.pages);
        for (const row of rows) {
          // No failure in the stage (every cut-off page saved in parts): the report has no status column.
          if (failedPages.length === 0) expect('status' in row).toBe(false);
          else if (failedPages.includes(Number(row.pageNum))) {
            expect(row.status).toBe('failed');
            expect(row.error).toMatch(fault.reason);
          } else {
            expect(row.status).toBe('done');
            expect(row.error).toBe('');
          }
        }
        const logged = (await logLines(scan, stage)).filter((line) => line.level === 'error' && line.msg === 'page failed');
        expect(logged.map((line) => line.page).sort()).toEqual(failedPages);
        for (const line of logged) expect(JSON.stringify(line.error)).toMatch(fault.reason);
      }

      // The server has recovered. The rerun sends one request per failed page, no other, none twice.
      const before = fake.requests.length;
      const rerun = await runBook(scan, client(fake, api, 1, SEED, fault));
      const rerunIds = fake.requests
        .slice(before)
        .map((r) => r.id)
        .sort();
      expect(rerunIds).toEqual(failed.map((f) => `${f.stage}_${String(f.page).padStart(4, '0')}`).sort());
      for (const stage of LLM_STAGES) {
        const count = first.stats[stage].pagesFailed;
        expect(rerun.stats[stage]).toMatchObject({ pagesProcessed: count, pagesFailed: 0, pagesSkipped: PAGES - count });
        expect(await scan.stage(stage).listPages()).toEqual(base.pages);
        expect((await scan.stage(stage).checkpoint.status()).failedPages).toEqual([]);
        // No failure left: report.csv is back to the stage's own columns, a row per page.
        const rows = await reportRows(scan, stage);
        expect(rows.map((r) => Number(r.pageNum))).toEqual(base.pages);
        expect(rows.every((row) => !('status' in row) && !('error' in row))).toBe(true);
      }
      if ('fault' in fault.reply && fault.reply.fault === 'truncated') {
        // The scripted model marks the longest paragraph of each request: a page answered in parts has a mark
        // per part, so its book differs from the fault-free one by those marks, and every page is in it.
        const book = (await bookSnapshot(scan))['merge/book.md']!;
        expect(book.split(CORRECTION_MARK).length - 1).toBeGreaterThanOrEqual(PAGES);
        // Past the first line (its word count counts the marks).
        const unmarked = (md: string) => md.slice(md.indexOf('\n')).replaceAll(` ${CORRECTION_MARK}`, '');
        expect(unmarked(book)).toBe(unmarked(faultFree['merge/book.md']!));
      } else expect(await bookSnapshot(scan)).toEqual(faultFree);
      tried.push(
        `100% ${api.padEnd(9)} ${fault.name}: ${failed.length} pages failed on ${injector.faulted.size} faults, rerun sent ${rerunIds.length}, book equal`,
      );
    },
  );
});
