import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BaseStage, type PipelineEvent, processPages, type StageContext, type StageStats } from '@bookpipe/core';
import { z } from 'zod';

/** A temporary storage root removed by `await using`. */
export async function tempRoot(): Promise<{ root: string } & AsyncDisposable> {
  const root = await mkdtemp(join(tmpdir(), 'bookpipe-it-'));
  return { root, [Symbol.asyncDispose]: () => rm(root, { recursive: true, force: true }) };
}

export const NumberPageSchema = z.object({ page: z.number().int(), value: z.number() });
export type NumberPage = z.infer<typeof NumberPageSchema>;

export interface CountingStageOptions {
  name: string;
  dependencies?: string[];
  /** Pages this stage fails on purpose (a real thrown error, as a flaky model or bad image would). */
  failPages?: number[];
  /** Called before each page; lets a test abort or block at a chosen moment. */
  onPage?: (page: number) => Promise<void> | void;
  calls?: string[];
}

/**
 * A small real stage: each page's value is the sum of its dependencies' values for that page plus 1.
 * It records which pages it processed, so resume can be checked page by page.
 */
export class CountingStage extends BaseStage<NumberPage> {
  readonly name: string;
  readonly dependencies: readonly string[];
  override readonly outputSchema = NumberPageSchema;
  readonly processed: number[] = [];
  readonly calls: string[];

  constructor(private readonly options: CountingStageOptions) {
    super();
    this.name = options.name;
    this.dependencies = options.dependencies ?? [];
    this.calls = options.calls ?? [];
  }

  override async before(ctx: StageContext): Promise<void> {
    this.calls.push(`${this.name}:before`);
    await super.before(ctx);
  }

  async run(ctx: StageContext): Promise<StageStats> {
    this.calls.push(`${this.name}:run`);
    return processPages(ctx, {
      concurrency: 2,
      processPage: async (page) => {
        await this.options.onPage?.(page);
        if (this.options.failPages?.includes(page)) throw new Error(`planted failure on page ${page}`);
        let value = 1;
        for (const dep of this.dependencies) value += (await ctx.scan.stage(dep).loadPage(page, NumberPageSchema)).value;
        this.processed.push(page);
        return { data: { page, value }, metrics: { processingTimeSeconds: 0.001, costUsd: 0 } };
      },
    });
  }

  override async after(ctx: StageContext, stats: StageStats): Promise<void> {
    this.calls.push(`${this.name}:after`);
    await super.after(ctx, stats);
  }
}

export function collect(): { events: PipelineEvent[]; onEvent: (e: PipelineEvent) => void } {
  const events: PipelineEvent[] = [];
  return { events, onEvent: (e) => events.push(e) };
}
