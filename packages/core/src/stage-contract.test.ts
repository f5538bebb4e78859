import { type BasePageMetrics, BasePageMetricsSchema, type OcrPage } from '@bookpipe/contracts';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { pipelineResult } from './pipeline.js';
import { fillPageMetrics, processPages } from './process-pages.js';
import { BaseStage, type StageContext, type StageStats } from './stage.js';
import { resolveDependency } from './stage-input.js';

// A user's stage as the contract types it: `pnpm typecheck` compiles this file, so each
// `@ts-expect-error` below fails the check the day the error it expects is no longer caught.
const WordsMetricsSchema = BasePageMetricsSchema.extend({ words: z.number().int(), doubtful: z.number().int().optional() });
type WordsMetrics = z.infer<typeof WordsMetricsSchema>;
type WordsPage = { words: number };

class WordsStage extends BaseStage<WordsPage, WordsMetrics> {
  readonly name = 'words';
  readonly dependencies = ['ocr'] as const;
  override readonly checkpointSchema = WordsMetricsSchema;

  run(ctx: StageContext<WordsPage, WordsMetrics>): Promise<StageStats> {
    return processPages(ctx, {
      processPage: async (page) => {
        const ocr = await ctx.input('ocr').load(page);
        expectTypeOf(ocr).toEqualTypeOf<OcrPage>();
        return { data: { words: ocr.blocks.length }, metrics: { words: ocr.blocks.length } };
      },
    });
  }
}

// Never called: the calls only have to compile, or not.
function typeChecks(ctx: StageContext<WordsPage, WordsMetrics>): void {
  void processPages(ctx, {
    // @ts-expect-error wrong page data: `words` is a number on this stage
    processPage: async () => ({ data: { words: 'many' }, metrics: { words: 1 } }),
  });
  void processPages(ctx, {
    // @ts-expect-error misspelt metric name
    processPage: async () => ({ data: { words: 1 }, metrics: { words: 1, doubtfull: 2 } }),
  });
  void processPages(ctx, {
    // @ts-expect-error a required metric of the stage is missing
    processPage: async () => ({ data: { words: 1 }, metrics: {} }),
  });
  // Timing and cost may be given; pageNum is always the loop's.
  void processPages(ctx, { processPage: async () => ({ data: { words: 1 }, metrics: { words: 1, costUsd: null, processingTimeSeconds: 2 } }) });
  // @ts-expect-error the stage's own storage takes only its page type
  void ctx.output.savePage(1, { words: 'many' }, { pageNum: 1, processingTimeSeconds: 0, costUsd: 0, words: 1 });
  // @ts-expect-error ...and its full metrics
  void ctx.output.savePage(1, { words: 1 }, { pageNum: 1, words: 1 });
  expectTypeOf(ctx.input('source').load).returns.resolves.toEqualTypeOf<Uint8Array>();
  expectTypeOf(ctx.input<{ total: number }>('mine').load).returns.resolves.toEqualTypeOf<{ total: number }>();
}

describe('the stage contract', () => {
  it('has compile-time checks (see typeChecks) and a stage class that compiles', () => {
    expect(typeof typeChecks).toBe('function');
    expect(new WordsStage().dependencies).toEqual(['ocr']);
  });

  it('fills pageNum, the measured time and a zero cost; keeps what the stage gives (null = unknown price)', () => {
    expect(fillPageMetrics<WordsMetrics>(3, { words: 7 }, 1.5)).toEqual({ pageNum: 3, words: 7, processingTimeSeconds: 1.5, costUsd: 0 });
    expect(fillPageMetrics<WordsMetrics>(3, { words: 7, processingTimeSeconds: 9, costUsd: null }, 1.5)).toEqual({
      pageNum: 3,
      words: 7,
      processingTimeSeconds: 9,
      costUsd: null,
    });
    const sneaky = { words: 7, pageNum: 99 } as { words: number };
    expect(fillPageMetrics<WordsMetrics>(3, sneaky, 0).pageNum).toBe(3);
    const base: BasePageMetrics = fillPageMetrics(1, {}, 0);
    expect(base).toEqual({ pageNum: 1, processingTimeSeconds: 0, costUsd: 0 });
  });

  it('resolves dependency declarations: built-in formats and schemas, user stages as JSON', () => {
    expect(resolveDependency('source')).toMatchObject({ stage: 'source', format: 'png', optional: false });
    expect(resolveDependency('ocr').schema).toBeDefined();
    expect(resolveDependency({ stage: 'label', optional: true })).toMatchObject({ stage: 'label', format: 'json', optional: true });
    expect(resolveDependency('mine')).toEqual({ stage: 'mine', format: 'json', schema: undefined, optional: false });
    expect(resolveDependency({ stage: 'scans', format: 'png' }).format).toBe('png');
  });
});

describe('pipelineResult', () => {
  const stats = (stage: string, failures: StageStats['failures'] = [], aborted = false): StageStats => ({
    stage,
    pagesProcessed: 2,
    pagesFailed: failures.length,
    pagesSkipped: 0,
    totalCostUsd: 0,
    durationSeconds: 1,
    failures,
    aborted,
  });

  it('is ok when every stage finished or was skipped and no page failed', () => {
    const result = pipelineResult('book', false, [
      ['ocr', { status: 'skipped', reason: 'already complete' }],
      ['merge', { status: 'done', stats: stats('merge') }],
    ]);
    expect(result).toMatchObject({ ok: true, failedPages: [], aborted: false });
    expect(Object.keys(result.stages)).toEqual(['ocr', 'merge']);
  });

  it('lists the failed pages of every stage, with their code, and is not ok', () => {
    const result = pipelineResult('book', false, [
      ['ocr', { status: 'done', stats: stats('ocr', [{ page: 2, error: 'unreadable', code: 'INPUT_INVALID' }]) }],
      ['label', { status: 'done', stats: stats('label', [{ page: 5, error: 'HTTP 500' }]) }],
    ]);
    expect(result.ok).toBe(false);
    expect(result.failedPages).toEqual([
      { stage: 'ocr', page: 2, error: 'unreadable', code: 'INPUT_INVALID' },
      { stage: 'label', page: 5, error: 'HTTP 500' },
    ]);
  });

  it('is not ok when a stage failed or did not run, or the run or a stage was aborted', () => {
    expect(pipelineResult('b', false, [['ocr', { status: 'failed', error: 'x' }]]).ok).toBe(false);
    expect(pipelineResult('b', false, [['merge', { status: 'not-run', reason: 'stage "ocr" did not finish' }]]).ok).toBe(false);
    expect(pipelineResult('b', true, [['ocr', { status: 'done', stats: stats('ocr') }]]).ok).toBe(false);
    expect(pipelineResult('b', false, [['ocr', { status: 'done', stats: stats('ocr', [], true) }]]).ok).toBe(false);
  });
});
