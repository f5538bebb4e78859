// Crash matrix: the real `bookpipe run` in a child process, SIGKILLed at seeded random moments inside each
// stage, rerun until it completes; the book must equal an uninterrupted run's, and no page the LLM stages
// had finished may be asked for again. Replay a failure with BOOKPIPE_CRASH_SEED=<printed seed>.
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PipelineEvent } from '@bookpipe/core';
import { type FakeProvider, startFakeProvider } from '@bookpipe/llm-batch/testing';
import { caseSeed, seededRandom, suiteSeed } from '@bookpipe/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliRun, cleanEnv, describeTrigger, evalDir, hasBin, hasEval, type KillTrigger, runCli } from './cli-child.js';
import { RequestLedger, savedOrJournalled } from './request-ledger.js';
import { compareScans, metadataOfStages } from './scan-compare.js';
import { scriptedModel } from './scripted-model.js';

/** Four consecutive real pages of one book (old-books "The Corset and the Crinoline"). */
const PAGES = ['d014', 'd015', 'd016', 'd017'].map((name) => path.join(evalDir, 'old-books', `${name}.tiff`));
const N = PAGES.length;
const STAGES = ['source', 'ocr', 'correction', 'label', 'merge'] as const;
type Stage = (typeof STAGES)[number];
/**
 * Real latency of each fake model answer (150-250 ms), so that kills find requests in flight; with two LLM
 * workers (BOOKPIPE_LLM_MAX_WORKERS=2) the pages finish one after another.
 */
const llmLatency = (page: number, stage: 'correction' | 'label') => 150 + 50 * (page % 2) + (stage === 'label' ? 50 : 0);
const KEY = 'sk-crash-suite-key';
const SEED = suiteSeed();

if (!hasEval) console.warn(`crash matrix: skipped, the real scans are not at ${evalDir} (see its README.md).`);
if (!hasBin) console.warn('crash matrix: skipped, build the CLI first: pnpm --filter @bookpipe/cli... build');

interface StageCase {
  stage: Stage;
  /** `--stages` of the command killed and rerun (correction and label run side by side, as in a full run). */
  run: Stage[];
  /** Stages copied complete from the uninterrupted run, so the kills land in `stage` without redoing OCR. */
  upstream: Stage[];
  /** Largest random delay after a `page:done` trigger: a stage's time per page, so kills land mid-page. */
  pageDelayMs: number;
}

const CASES: StageCase[] = [
  { stage: 'source', run: ['source'], upstream: [], pageDelayMs: 25 },
  { stage: 'ocr', run: ['ocr'], upstream: ['source'], pageDelayMs: 3000 },
  { stage: 'correction', run: ['correction', 'label'], upstream: ['source', 'ocr'], pageDelayMs: 60 },
  { stage: 'label', run: ['correction', 'label'], upstream: ['source', 'ocr'], pageDelayMs: 60 },
  { stage: 'merge', run: ['merge'], upstream: ['source', 'ocr', 'correction', 'label'], pageDelayMs: 4 },
];

describe.skipIf(!hasEval || !hasBin)(`crash matrix: SIGKILL inside each stage, rerun, same book (BOOKPIPE_CRASH_SEED=${SEED})`, () => {
  let work: string;
  let fake: FakeProvider;
  const ledger = new RequestLedger();
  let reference: { scanDir: string; run: CliRun };
  const summary: string[] = [];

  const args = (root: string, stages: readonly Stage[] = STAGES) => [
    'run',
    ...PAGES,
    '--scan-id',
    'book',
    '--root',
    root,
    '--json',
    '--workers',
    '2',
    '--stages',
    stages.join(','),
    '--provider',
    'openai',
    '--base-url',
    fake.openaiBaseURL,
    '--model',
    'gpt-4o-mini',
  ];
  const env = () => cleanEnv({ OPENAI_API_KEY: KEY, BOOKPIPE_LLM_RETRY_JITTER: '0', BOOKPIPE_LLM_MAX_WORKERS: '2' });

  beforeAll(async () => {
    console.log(`crash matrix seed: ${SEED} (replay with BOOKPIPE_CRASH_SEED=${SEED})`);
    work = await mkdtemp(path.join(tmpdir(), 'bookpipe-crash-'));
    fake = await startFakeProvider({ respond: ledger.responder(scriptedModel, llmLatency) });
    const root = path.join(work, 'reference');
    ledger.scanDir = path.join(root, 'book');
    const run = await runCli(args(root), { cwd: work, env: env() });
    expect(run.code, run.stderr).toBe(0);
    reference = { scanDir: path.join(root, 'book'), run };
  }, 300_000);

  afterAll(async () => {
    console.log(`crash matrix (seed ${SEED}):\n  ${summary.join('\n  ')}`);
    await fake?.close();
    if (process.env.BOOKPIPE_CRASH_KEEP) console.log(`crash matrix: scans kept in ${work}`);
    else if (work) await rm(work, { recursive: true, force: true });
  });

  it('the uninterrupted run asks the model once per page and stage', () => {
    const asked = ledger.for(reference.scanDir);
    expect(asked).toHaveLength(2 * N);
    for (const stage of ['correction', 'label'] as const)
      expect(
        asked
          .filter((e) => e.stage === stage)
          .map((e) => e.page)
          .sort(),
      ).toEqual([1, 2, 3, 4]);
  });

  for (const c of CASES) {
    it(`${c.stage}: killed at random moments, rerun until done, same outputs as the uninterrupted run`, async () => {
      const seed = caseSeed(SEED, c.stage);
      const random = seededRandom(seed);
      const root = path.join(work, c.stage);
      const scanDir = path.join(root, 'book');
      // metadata.json as the upstream stages left it: without what the case's own stages add (the OCR
      // stage's after() writes the language and its source), so the rerun stages write it afresh.
      if (c.upstream.length > 0) {
        const metadata = JSON.parse(await readFile(path.join(reference.scanDir, 'metadata.json'), 'utf8')) as Record<string, unknown>;
        await mkdir(scanDir, { recursive: true });
        await writeFile(path.join(scanDir, 'metadata.json'), `${JSON.stringify(metadataOfStages(metadata, c.upstream), null, 2)}\n`);
      }
      for (const stage of c.upstream) await cp(path.join(reference.scanDir, stage), path.join(scanDir, stage), { recursive: true });

      // How long the stage took uninterrupted: the window the time-based kills are drawn from.
      const stageDone = reference.run.events.find((e): e is Extract<PipelineEvent, { type: 'stage:done' }> => e.type === 'stage:done' && e.stage === c.stage)!;
      const stageMs = Math.max(20, Math.round(stageDone.stats.durationSeconds * 1000));
      const draws = Array.from({ length: 6 }, () => random());
      // The moment the stage starts after spawn is measured in the first attempt (node startup and skipped stages before it).
      let startOffsetMs = 0;
      const plan: Array<() => KillTrigger> = [
        // First a kill sure to land inside the stage: right after its first page is saved, with pages left
        // to do (the random moments below may fall after the stage ends on a faster run than the reference).
        () => ({ kind: 'page-done', stage: c.stage, fraction: 0, delayMs: 0 }),
        () => ({ kind: 'page-done', stage: c.stage, fraction: draws[0]!, delayMs: Math.floor(draws[1]! * c.pageDelayMs) }),
        () => ({ kind: 'stage-start', stage: c.stage, delayMs: Math.floor(draws[2]! * stageMs) }),
        () => ({ kind: 'time', delayMs: Math.round(startOffsetMs + draws[3]! * stageMs) }),
        () => ({ kind: 'time', delayMs: Math.round(draws[4]! * (startOffsetMs + stageMs)) }),
      ];

      const log: string[] = [];
      let landedInStage = 0;
      let completed = false;
      let lost = 0;
      for (let attempt = 1; !completed; attempt++) {
        expect(attempt, `${c.stage}: not complete after ${attempt - 1} runs:\n${log.join('\n')}`).toBeLessThanOrEqual(plan.length + 3);
        const trigger = plan[attempt - 1]?.();
        ledger.scanDir = scanDir;
        ledger.attempt = attempt;
        const run = await runCli(args(root, c.run), { cwd: work, env: env(), ...(trigger ? { kill: trigger } : {}) });
        const start = run.events.findIndex((e) => e.type === 'stage:start' && e.stage === c.stage);
        if (attempt === 1 && start >= 0) startOffsetMs = run.eventTimes[start]!;
        const stageEnded = run.events.some((e) => (e.type === 'stage:done' || e.type === 'stage:skipped') && e.stage === c.stage);
        if (run.signal === 'SIGKILL') {
          if (start >= 0 && !stageEnded) landedInStage++;
          // Requests answered in this run for pages it did not save: paid, but lost with the process.
          const asked = ledger.for(scanDir).filter((e) => e.attempt === attempt);
          lost += asked.filter((e) => !savedOrJournalled(scanDir, e.stage, e.page)).length;
          log.push(`run ${attempt}: killed ${describeTrigger(trigger!)}, after ${run.killedAfter}; ${asked.length} model requests`);
        } else {
          expect(run.code, `${c.stage} run ${attempt} (${trigger ? describeTrigger(trigger) : 'no kill'}) failed:\n${run.stderr}`).toBe(0);
          expect(run.events.at(-1)).toMatchObject({ type: 'pipeline:done', aborted: false });
          completed = true;
          log.push(`run ${attempt}: completed${trigger ? ` before the kill (${describeTrigger(trigger)})` : ''}`);
        }
      }
      const llmRuns = c.run.includes('correction');
      const asked = ledger.for(scanDir);
      const twice = asked.filter((e) => e.alreadySaved);
      summary.push(
        `${c.stage} (case seed ${seed}): ${landedInStage} kills inside the stage; model requests ${asked.length} = ${llmRuns ? 2 * N : 0} pages + ${lost} lost in flight; ${log.join('; ')}`,
      );
      console.log(`crash ${c.stage} (suite seed ${SEED}, case seed ${seed}):\n  ${log.join('\n  ')}`);

      expect(landedInStage, `no kill landed inside ${c.stage}:\n${log.join('\n')}`).toBeGreaterThanOrEqual(1);
      expect(await compareScans(reference.scanDir, scanDir, [...c.upstream, ...c.run]), log.join('\n')).toEqual([]);
      expect(existsSync(path.join(scanDir, '.lock'))).toBe(false);
      // No finished page paid twice: no request for a page whose file existed, none twice in one run,
      // and every request beyond one per page is one the SIGKILL took in flight.
      expect(twice, log.join('\n')).toEqual([]);
      const perRun = new Set(asked.map((e) => `${e.attempt}/${e.stage}/${e.page}`));
      expect(perRun.size).toBe(asked.length);
      expect(asked.length).toBe((llmRuns ? 2 * N : 0) + lost);
    }, 240_000);
  }
});
