import { type BuiltinStageName, CORRECTION_STAGE, LABEL_STAGE, MERGE_STAGE, OCR_STAGE, SOURCE_STAGE } from '@bookpipe/contracts';
import { type AnyStage, BookpipeError, type BookStorage, type Config, type EmitFn, ErrorCode, type Logger, loadConfig, Pipeline } from '@bookpipe/core';
import type { LlmBatchMode, LlmClientOptions } from '@bookpipe/kit';
import type { LlmBatchClient } from '@bookpipe/llm-batch';
import type { OcrPool, OcrStage } from '@bookpipe/stage-ocr';
import { chooseLlm, type LlmChoice } from './llm-choice.js';
import { ENV_SETTING_NAMES, type LlmSettingNames } from './llm-decision.js';

/** The stages of the default pipeline, in pipeline order. */
export const BOOK_STAGES = [SOURCE_STAGE, OCR_STAGE, CORRECTION_STAGE, LABEL_STAGE, MERGE_STAGE] as const satisfies readonly BuiltinStageName[];
export type BookStageName = (typeof BOOK_STAGES)[number];

/** A batch client you built, to share with the pipeline's LLM stages (and with your own code). */
export interface SharedLlm {
  /** Used as is: its provider, concurrency, rate limit, retries and timeout cover every LLM request of the run. */
  client: LlmBatchClient;
  /** A vision model the client's provider serves, e.g. "gpt-4o-mini". */
  model: string;
}

/** Settings of the one batch client `createBookPipeline` builds. Every field falls back to the config. */
/**
 * Settings of the one client `createBookPipeline` builds for all its LLM stages (the limits then cover
 * them all together): `createLlmClient`'s options of @bookpipe/kit, plus the model.
 */
export interface LlmSettings extends LlmClientOptions {
  /**
   * A vision model the provider serves. Required with `provider` unless BOOKPIPE_MODEL is set.
   * @default config.llm.model (BOOKPIPE_MODEL), else the configured provider's `DEFAULT_MODELS` entry
   */
  model?: string;
}

/**
 * The model of the run: `false` for none (every stage's deterministic mode, no request sent, whatever
 * keys the environment holds), a {@link SharedLlm} to use your own client, or {@link LlmSettings} for
 * the client to build.
 */
export type BookPipelineLlm = false | SharedLlm | LlmSettings;

export interface BookPipelineOptions {
  /** The scan to work on: `openScan({ root, scanId })` of @bookpipe/storage, or another `BookStorage`. */
  scan: BookStorage;
  /**
   * PDFs, page images or folders of page images, in book order (absolute, or relative to the working
   * directory). Required when the source stage runs.
   * @default [] (enough for a run without "source" on a scan that has its pages)
   */
  inputs?: readonly string[];
  /**
   * The stages to run, any subset of {@link BOOK_STAGES} (order does not matter). A stage left out
   * that another needs must have completed in the scan before, or the pipeline refuses to start.
   * @default every stage: source, ocr, correction, label, merge
   */
  stages?: readonly BookStageName[];
  /** @default loadConfig() (the BOOKPIPE_* environment variables) */
  config?: Config;
  /** OCR worker threads. @default config.ocr.maxWorkers (BOOKPIPE_OCR_WORKERS), else the number of CPUs */
  ocrWorkers?: number;
  /**
   * OCR engines shared with other pipelines (`createOcrPool()` of @bookpipe/stage-ocr; `runLibrary` passes
   * its one pool to every book): the OCR stage borrows the pool's workers instead of starting its own.
   * @default none: the OCR stage starts its workers and stops them when it ends
   */
  ocrPool?: OcrPool;
  /**
   * The model that OCR (book metadata, one request), correction and label ask, through ONE batch client
   * built here (or yours): one concurrency budget and one rate limit cover the stages running side by side.
   * @default the configured LLM (`{}`) when the config has one (an API key or BOOKPIPE_BASE_URL), else `false`
   */
  llm?: BookPipelineLlm;
  /**
   * How the user sets provider, model and base URL, for the words of errors and notes.
   * @default ENV_SETTING_NAMES (BOOKPIPE_PROVIDER, BOOKPIPE_MODEL, BOOKPIPE_BASE_URL)
   */
  llmSettingNames?: LlmSettingNames;
  /** Where logs go. @default the pipeline's: a JSON-lines file per stage in the scan */
  logger?: Logger;
  /** Receives every progress event (stage start and end, pages done and failed, LLM retries). */
  onEvent?: EmitFn;
  /** Keep finished pages and do only the rest; `false` removes each stage's outputs first. @default true */
  resume?: boolean;
  /**
   * Run correction and label as provider batches (OpenAI Batch API, Anthropic Message Batches: half
   * the price, answered within 24 hours), journaled in each stage's folder so that a rerun collects
   * them. Needs an LLM whose provider has a batch API: anything else is refused here, before any
   * stage runs. Both stages submit at once: label reads the OCR pages, not the corrected text.
   * @default undefined (live requests)
   */
  llmBatch?: LlmBatchMode;
}

/** What merge reads besides the OCR pages. */
export interface MergeInputs {
  correction: boolean;
  label: boolean;
}

export interface BookPipeline {
  /** Ready to `run({ signal })`. */
  pipeline: Pipeline;
  /** The stage instances, in pipeline order. */
  stages: AnyStage[];
  /** The model of the run, with the client every LLM stage shares, or why there is none. */
  llm: LlmChoice;
  /** What merge reads, when merge runs. */
  mergeInputs: MergeInputs | undefined;
  /** Lines for the user about how the run was set up: LLM or not, what merge reads. */
  notes: string[];
}

/**
 * bookpipe's default pipeline, built in one place (the CLI, the examples and the benchmarks use it):
 *
 *   source -> ocr -> correction \
 *                 -> label      -> merge (book.json, book.md)
 *
 * Correction and label depend only on source and OCR, so the pipeline runs them side by side. They (and
 * the OCR stage's one book-metadata request) share ONE `LlmBatchClient`, created here from `llm` and the
 * config, or yours: so the stages together never exceed the provider's limits. Without a model every
 * stage runs its deterministic mode. Merge reads correction and label when they run in this pipeline or
 * have completed in the scan before; otherwise it merges the OCR text alone, and a note says so.
 *
 * Async because it looks at the scan (which stages completed before); nothing is run or written.
 * @throws BookpipeError CONFIG_INVALID for an unknown stage, "source" without inputs, or an LLM that
 *   cannot work (a provider without its key, a local server without a model).
 * @example
 * const { pipeline, notes } = await createBookPipeline({ scan: openScan({ root: './scans', scanId: 'my-book' }), inputs: ['my-book.pdf'] });
 * notes.forEach((note) => console.log(note));
 * const result = await pipeline.run();
 */
export async function createBookPipeline(options: BookPipelineOptions): Promise<BookPipeline> {
  const config = options.config ?? loadConfig();
  const wanted = checkStages(options.stages ?? BOOK_STAGES);
  const has = (name: BookStageName) => wanted.includes(name);
  // A client only when some stage may ask a model: `stages: ['merge']` builds none.
  const llm: LlmChoice =
    has(OCR_STAGE) || has(CORRECTION_STAGE) || has(LABEL_STAGE)
      ? chooseLlm(config, options.llm, options.llmSettingNames ?? ENV_SETTING_NAMES)
      : { kind: 'none', reason: 'no stage of this run asks a model' };
  const stageLlm = llm.kind === 'llm' ? { client: llm.client, model: llm.model } : false;
  if (options.llmBatch && (has(CORRECTION_STAGE) || has(LABEL_STAGE))) checkBatchable(llm);
  // Batch mode for the page stages only: the OCR stage's one metadata request is not worth a batch.
  const pageLlm = stageLlm && options.llmBatch ? { ...stageLlm, batch: options.llmBatch } : stageLlm;
  const notes: string[] = [];
  const stages: AnyStage[] = [];

  if (has(SOURCE_STAGE)) {
    const inputs = options.inputs ?? [];
    if (inputs.length === 0) {
      throw new BookpipeError(
        ErrorCode.CONFIG_INVALID,
        'The source stage has no inputs: give the PDF, page images or folders of page images to read (`inputs`), or leave "source" out of `stages` to work on a scan that has its pages.',
      );
    }
    const { SourceStage } = await import('@bookpipe/source');
    stages.push(new SourceStage({ inputs }));
  }
  // Each stage package is imported only when the stage is in the run: they bring mupdf and sharp (source),
  // piscina and tesseract.js (ocr), and `--stages merge` should pay for none of them.
  // The OCR stage asks the same model for the book's metadata (title, author, year...): one request.
  let ocrStage: OcrStage | undefined;
  if (has(OCR_STAGE)) {
    const { OcrStage } = await import('@bookpipe/stage-ocr');
    ocrStage = new OcrStage({
      llm: stageLlm,
      ...(options.ocrWorkers === undefined ? {} : { maxWorkers: options.ocrWorkers }),
      ...(options.ocrPool === undefined ? {} : { pool: options.ocrPool }),
    });
    stages.push(ocrStage);
  }
  if (has(CORRECTION_STAGE)) {
    const { CorrectionStage } = await import('@bookpipe/stage-correction');
    stages.push(new CorrectionStage({ llm: pageLlm }));
  }
  if (has(LABEL_STAGE)) {
    const { LabelStage } = await import('@bookpipe/stage-label');
    stages.push(new LabelStage({ llm: pageLlm }));
  }
  const llmStages = ([CORRECTION_STAGE, LABEL_STAGE] as const).filter((name) => has(name));
  if (llmStages.length > 0) notes.push(llmNote(llmStages, llm));

  let mergeInputs: MergeInputs | undefined;
  if (has(MERGE_STAGE)) {
    mergeInputs = {
      correction: has(CORRECTION_STAGE) || (await completeInScan(options.scan, CORRECTION_STAGE)),
      label: has(LABEL_STAGE) || (await completeInScan(options.scan, LABEL_STAGE)),
    };
    // In this run or complete in the scan: required (a correction stage whose every page failed stops merge
    // with that reason, as before); neither: not read, and the notes say so.
    const { MergeStage } = await import('@bookpipe/stage-merge');
    stages.push(new MergeStage({ use: mergeInputs }));
    const without = Object.entries(mergeInputs)
      .filter(([, used]) => !used)
      .map(([name]) => name);
    if (without.length > 0) {
      notes.push(
        `merge: without ${without.join(' and ')} (not in this run, not complete in the scan): the OCR text is merged as read${mergeInputs.label ? '' : '; running heads and page numbers stay in the text'}.`,
      );
    }
  }

  const onEvent = has(SOURCE_STAGE) && ocrStage ? warmOcrDuringSource(ocrStage, config, options.onEvent) : options.onEvent;
  const pipeline = new Pipeline({
    scan: options.scan,
    config,
    stages,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(onEvent ? { onEvent } : {}),
    ...(options.resume === undefined ? {} : { resume: options.resume }),
  });
  return { pipeline, stages, llm, mergeInputs, notes };
}

/**
 * Starts the OCR workers when the source stage starts (its page count known), so that their start-up
 * runs while the source stage renders pages (its main thread mostly waits on mupdf and sharp) instead of
 * before the first OCR page; the OCR stage's run() takes them. If the run ends without OCR (the source
 * stage failed, Ctrl-C), they are destroyed at the end. The event `ocr:warm-start` says when it happened.
 */
function warmOcrDuringSource(ocr: OcrStage, config: Config, onEvent: EmitFn | undefined): EmitFn {
  return (event) => {
    onEvent?.(event);
    if (event.type === 'stage:start' && event.stage === SOURCE_STAGE && event.remainingPages > 0) {
      ocr.warmUp(config, event.totalPages);
      onEvent?.({ type: 'stage:event', stage: OCR_STAGE, event: { type: 'ocr:warm-start', pages: event.totalPages } });
    }
    if (event.type === 'pipeline:done') void ocr.releaseWarm();
  };
}

/** The stage names in pipeline order. @throws BookpipeError CONFIG_INVALID naming an unknown or missing stage. */
function checkStages(names: readonly string[]): BookStageName[] {
  if (names.length === 0) throw new BookpipeError(ErrorCode.CONFIG_INVALID, `\`stages\` is empty: give some of ${BOOK_STAGES.join(', ')}.`);
  for (const name of names) {
    if (!(BOOK_STAGES as readonly string[]).includes(name)) {
      throw new BookpipeError(ErrorCode.CONFIG_INVALID, `Unknown stage "${name}" in \`stages\`. Stages: ${BOOK_STAGES.join(', ')}.`, {
        details: { stage: name },
      });
    }
  }
  return BOOK_STAGES.filter((name) => (names as readonly string[]).includes(name));
}

/**
 * True when the stage has completed in the scan (a dependency outside this run): the rule by which the
 * pipeline hands merge its optional correction and label inputs, asked here only for the run's notes.
 */
async function completeInScan(scan: BookStorage, stage: string): Promise<boolean> {
  if (!(await scan.exists())) return false;
  return scan.stage(stage).checkpoint.isComplete();
}

/** "correction and label: openai, model gpt-4o-mini at http://...", or what they do without a model. */
/** Batch mode needs a model whose provider has a batch API: said before anything runs or is sent. */
function checkBatchable(llm: LlmChoice): void {
  if (llm.kind !== 'llm') {
    throw new BookpipeError(
      ErrorCode.CONFIG_INVALID,
      `Batch mode sends correction and label to a provider's batch API, but no LLM is configured (${llm.reason}).`,
    );
  }
  const provider = llm.client.options.provider;
  if (!provider.batch) {
    throw new BookpipeError(
      ErrorCode.CONFIG_INVALID,
      `Batch mode needs a provider with a batch API (OpenAI or Anthropic); ${provider.name}${provider.baseURL ? ` at ${provider.baseURL}` : ''} has none (OpenRouter and local servers answer live only). Run without batch mode, or use OpenAI or Anthropic.`,
      { details: { provider: provider.name } },
    );
  }
}

function llmNote(stages: readonly string[], llm: LlmChoice): string {
  if (llm.kind === 'llm') return `${stages.join(' and ')}: ${llm.provider}, model ${llm.model}${llm.baseURL ? ` at ${llm.baseURL}` : ''}.`;
  const modes = stages.map((name) =>
    name === CORRECTION_STAGE
      ? 'correction joins words broken at line ends with a word list'
      : 'label classifies blocks and reads page numbers from the layout',
  );
  return `${stages.join(' and ')}: without an LLM (${llm.reason}): ${modes.join('; ')}.`;
}
