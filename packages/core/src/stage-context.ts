import type { BasePageMetrics } from '@bookpipe/contracts';
import { type Config, loadConfig } from './config.js';
import type { EmitFn } from './events.js';
import { type Logger, silentLogger } from './logger.js';
import type { PageReadCache } from './page-read-cache.js';
import type { BaseStage, StageContext, StageInputs, TypedStageStorage } from './stage.js';
import { dependenciesOf, openStageInput, type StageInput, undeclaredInput } from './stage-input.js';
import type { BookStorage } from './storage.js';

export interface StageContextOptions {
  scan: BookStorage;
  /** @default loadConfig() (from the environment) */
  config?: Config;
  /** @default silentLogger */
  logger?: Logger;
  /** Abandons the pages in flight. @default a signal that never aborts */
  signal?: AbortSignal;
  /** Graceful stop: no new page, pages in flight finish. @default a signal that never aborts */
  cancel?: AbortSignal;
  /** @default events are dropped */
  emit?: EmitFn;
  /**
   * The optional dependencies this stage reads in this run (`Pipeline` passes those in the pipeline or
   * complete in the scan). @default those complete in the scan
   */
  availableOptional?: Iterable<string>;
  /**
   * Upstream JSON pages read once for the run and shared by its stages (`Pipeline.run` passes one per
   * run). @default none: every `input(stage).load` reads and validates the file
   */
  pageReads?: PageReadCache;
}

/**
 * The context `Pipeline` hands a stage: its own storage (validating against its schemas and format),
 * the readers of its declared dependencies, and the run's logger, config, signal and events. Exported
 * so that a test, or a tool running one stage by hand, builds the same context the pipeline does.
 */
export async function createStageContext<Output, Metrics extends BasePageMetrics>(
  stage: BaseStage<Output, Metrics>,
  options: StageContextOptions,
): Promise<StageContext<Output, Metrics>> {
  const { scan } = options;
  const logger = options.logger ?? silentLogger;
  const storage = scan.stage(stage.name, { schema: stage.outputSchema, metricsSchema: stage.checkpointSchema, pageFormat: stage.pageFormat, logger });
  const dependencies = dependenciesOf(stage);
  let available: Set<string>;
  if (options.availableOptional !== undefined) {
    available = new Set(options.availableOptional);
  } else {
    available = new Set();
    for (const dep of dependencies) {
      if (dep.optional && (await openStageInput(scan, dep).isComplete())) available.add(dep.stage);
    }
  }
  const inputs = new Map<string, StageInput>();
  for (const dep of dependencies) inputs.set(dep.stage, openStageInput(scan, dep, !dep.optional || available.has(dep.stage), options.pageReads));
  const input = ((name: string) => {
    const reader = inputs.get(name);
    if (!reader) throw undeclaredInput(stage.name, name);
    return reader;
  }) as StageInputs;
  return {
    scan,
    // The typed view is the storage itself: its schemas validate what the types promise.
    output: storage as TypedStageStorage<Output, Metrics>,
    checkpoint: storage.checkpoint,
    input,
    logger,
    config: options.config ?? loadConfig(),
    signal: options.signal ?? new AbortController().signal,
    cancel: options.cancel ?? new AbortController().signal,
    emit: options.emit ?? (() => {}),
  };
}
