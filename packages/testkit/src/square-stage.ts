// A tiny real stage for tests of storage and the pipeline (resume, crash): page n -> { page, square }, with deterministic
// metrics so report.csv can be checked to the byte. It records every page it is asked to produce.
import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { BasePageMetricsSchema, BaseStage, processPages, type StageContext, type StageStats } from '@bookpipe/core';
import { z } from 'zod';

export const SquarePageSchema = z.object({ page: z.number().int().positive(), square: z.number().int() });
export const SquareMetricsSchema = BasePageMetricsSchema.extend({ square: z.number().int() });
export type SquarePage = z.infer<typeof SquarePageSchema>;
export type SquareMetrics = z.infer<typeof SquareMetricsSchema>;

export interface SquareStageOptions {
  /** Pages in flight at once. @default 2 */
  concurrency?: number;
  /** Pages that throw instead of producing a result. */
  failPages?: readonly number[];
  /** Milliseconds each page takes. @default 0 */
  delayMs?: number | ((page: number) => number);
  /** Called when a page starts, before any work. */
  onStart?: (page: number) => void;
  /** Also append "<page>\n" to this file when a page starts (for child processes). */
  startLog?: string;
}

export class SquareStage extends BaseStage<SquarePage, SquareMetrics> {
  readonly name: string;
  readonly dependencies: readonly string[];
  override readonly outputSchema = SquarePageSchema;
  override readonly checkpointSchema = SquareMetricsSchema;
  override readonly reportSchema = SquareMetricsSchema;
  readonly started: number[] = [];
  readonly #options: SquareStageOptions;

  constructor(name = 'square', dependencies: readonly string[] = [], options: SquareStageOptions = {}) {
    super();
    this.name = name;
    this.dependencies = dependencies;
    this.#options = options;
  }

  async run(ctx: StageContext<SquarePage, SquareMetrics>): Promise<StageStats> {
    const { failPages = [], delayMs = 0 } = this.#options;
    return processPages(ctx, {
      concurrency: this.#options.concurrency ?? 2,
      processPage: async (page) => {
        this.started.push(page);
        if (this.#options.startLog) appendFileSync(this.#options.startLog, `${page}\n`);
        this.#options.onStart?.(page);
        const ms = typeof delayMs === 'function' ? delayMs(page) : delayMs;
        if (ms > 0) await sleep(ms);
        if (failPages.includes(page)) throw new Error(`page ${page} refused on purpose`);
        return { data: { page, square: page * page }, metrics: { processingTimeSeconds: page / 100, costUsd: page / 1000, square: page * page } };
      },
    });
  }
}
