import { type BookPipeline, createBookPipeline } from '@bookpipe/book-pipeline';
import { BookpipeError, type BookStorage, type Config, type EmitFn, ErrorCode } from '@bookpipe/core';
import { KNOWN_STAGES, type KnownStage } from './known-stages.js';
import { CLI_LLM_SETTINGS } from './llm-mode.js';

export { KNOWN_STAGES, type KnownStage } from './known-stages.js';

export interface PlanOptions {
  /** Input files and folders, absolute. */
  inputs: readonly string[];
  /** `--stages`; every stage when undefined. */
  wanted: readonly KnownStage[] | undefined;
  scan: BookStorage;
  /** The run's config, flags included (`--workers` is its `ocr.maxWorkers`, `--provider`... its `llm`). */
  config: Config;
  /** `--clean` is `resume: false`. */
  resume: boolean;
  onEvent: EmitFn;
  /** `--batch` (and `--no-wait`): correction and label as provider batches. */
  batch?: { wait: boolean; pollIntervalMs: number | undefined };
}

/** Parses `--stages source,ocr,merge`. @throws BookpipeError CONFIG_INVALID naming an unknown stage. */
export function parseStageList(value: string): KnownStage[] {
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (names.length === 0)
    throw new BookpipeError(ErrorCode.CONFIG_INVALID, `--stages is empty: give stage names separated by commas, e.g. --stages ${KNOWN_STAGES.join(',')}.`);
  for (const name of names) {
    if (!(KNOWN_STAGES as readonly string[]).includes(name)) {
      throw new BookpipeError(ErrorCode.CONFIG_INVALID, `Unknown stage "${name}" in --stages. Stages: ${KNOWN_STAGES.join(', ')}.`, {
        details: { stage: name },
      });
    }
  }
  return KNOWN_STAGES.filter((name) => names.includes(name));
}

/**
 * The pipeline of `bookpipe run`: the default pipeline (`createBookPipeline`), its errors and notes in
 * the words of the command (flags, not option names).
 */
export async function planRun(options: PlanOptions): Promise<BookPipeline> {
  if ((options.wanted ?? KNOWN_STAGES).includes('source') && options.inputs.length === 0) {
    throw new BookpipeError(ErrorCode.CONFIG_INVALID, 'Give the PDF, page images or folder of page images to read, e.g. `bookpipe run book.pdf`.');
  }
  return createBookPipeline({
    scan: options.scan,
    inputs: options.inputs,
    ...(options.wanted === undefined ? {} : { stages: options.wanted }),
    config: options.config,
    ...(options.config.ocr.maxWorkers === undefined ? {} : { ocrWorkers: options.config.ocr.maxWorkers }),
    llmSettingNames: CLI_LLM_SETTINGS,
    resume: options.resume,
    onEvent: options.onEvent,
    ...(options.batch
      ? {
          llmBatch: { wait: options.batch.wait },
          ...(options.batch.pollIntervalMs === undefined ? {} : { llm: { batchPollIntervalMs: options.batch.pollIntervalMs } }),
        }
      : {}),
  });
}
