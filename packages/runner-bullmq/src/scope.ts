import type { BasePageMetrics } from '@bookpipe/contracts';
import type { CheckpointManager, StageContext } from '@bookpipe/core';

/**
 * The stage's context with its page loop narrowed to `pages`: every page-at-a-time stage takes its pages
 * from `checkpoint.remainingPages()` (`processPages` does), so a stage's own `run()` then processes just
 * these pages, the ones without a valid page object yet. That is what makes a retried job cheap and an LLM
 * page never paid twice: a page saved before the worker died is not remaining, so nothing is asked again.
 * Everything else (the scan, the stage's inputs, its storage) is the stage's own.
 */
export function scopeToPages<Output, Metrics extends BasePageMetrics>(
  ctx: StageContext<Output, Metrics>,
  pages: readonly number[],
): StageContext<Output, Metrics> {
  const only = new Set(pages);
  const base = ctx.checkpoint;
  const checkpoint: CheckpointManager = {
    remainingPages: async (expected) => (await base.remainingPages(expected)).filter((page) => only.has(page)),
    markCompleted: (page, metrics) => base.markCompleted(page, metrics),
    markFailed: (page, error) => base.markFailed(page, error),
    markStageComplete: (stats) => base.markStageComplete(stats),
    isComplete: () => base.isComplete(),
    status: (options) => base.status(options),
    metrics: () => base.metrics(),
    reset: () => base.reset(),
  };
  return { ...ctx, checkpoint };
}
