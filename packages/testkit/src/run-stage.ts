/**
 * Runs one stage on a scan the way `Pipeline` runs it (before -> run -> after -> stage-complete
 * record), without the pipeline's "already complete" skip, so that a test can run a stage again on
 * the same scan and see what a resumed or repeated run does.
 */
import {
  type AnyStage,
  type BookStorage,
  type Config,
  createStageContext,
  type Logger,
  loadConfig,
  type PipelineEvent,
  type StageStats,
  silentLogger,
} from '@bookpipe/core';

export interface RunStageOptions {
  /** Aborts the run (take no new page). @default never */
  signal?: AbortSignal;
  /** @default loadConfig({}) */
  config?: Config;
  /** @default silentLogger */
  logger?: Logger;
  /** Receives the stage's events (`ctx.emit`), as a pipeline's `onEvent` would. @default dropped */
  onEvent?: (event: PipelineEvent) => void;
}

export async function runStage(scan: BookStorage, stage: AnyStage, options: RunStageOptions = {}): Promise<StageStats> {
  // The same context the pipeline builds: typed storage, the dependency readers, optional inputs.
  const ctx = await createStageContext(stage, {
    scan,
    logger: options.logger ?? silentLogger,
    config: options.config ?? loadConfig({}),
    signal: options.signal ?? new AbortController().signal,
    ...(options.onEvent ? { emit: options.onEvent } : {}),
  });
  const output = ctx.output;
  await stage.before(ctx);
  const stats = await stage.run(ctx);
  if (!stats.aborted) {
    await stage.after(ctx, stats);
    await output.checkpoint.markStageComplete({ ...stats });
  }
  return stats;
}
