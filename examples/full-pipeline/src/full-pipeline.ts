import { Pipeline, type BookStorage, type Config, type EmitFn } from '@bookpipe/core';
import { LlmBatchClient, type LlmProvider } from '@bookpipe/llm-batch';
import { SourceStage } from '@bookpipe/source';
import { CorrectionStage } from '@bookpipe/stage-correction';
import { LabelStage } from '@bookpipe/stage-label';
import { MergeStage } from '@bookpipe/stage-merge';
import { OcrStage } from '@bookpipe/stage-ocr';

/** The model the LLM stages ask, and the limits of the one client they share. */
export interface FullPipelineLlm {
  /** `openaiCompatible({...})`, `anthropic({...})`, or your own adapter. */
  provider: LlmProvider;
  /** A vision model the provider serves, e.g. "gpt-4o-mini". */
  model: string;
  /** Requests in flight at once, correction and label together. @default 30 */
  maxWorkers?: number;
  /** Requests started per minute, correction and label together. @default 150 */
  requestsPerMinute?: number;
}

export interface FullPipelineOptions {
  scan: BookStorage;
  /** PDFs, page images or folders of page images, in book order. */
  inputs: readonly string[];
  config: Config;
  /** The LLM, or null for the stages' deterministic modes (no request sent). */
  llm: FullPipelineLlm | null;
  /** OCR worker threads. @default the number of CPUs */
  ocrWorkers?: number;
  onEvent?: EmitFn;
}

/**
 * The reference pipeline, written as a user of bookpipe writes it:
 *
 *   source -> ocr -> correction \
 *                 -> label      -> merge (book.json, book.md)
 *
 * Correction and label depend only on source and OCR, so the pipeline runs them side by side. They share
 * one `LlmBatchClient`: one concurrency budget and one requests-per-minute limit cover both, so the two
 * stages together never exceed the provider's limits. Without an LLM both run their deterministic modes.
 */
export function buildFullPipeline(options: FullPipelineOptions): { pipeline: Pipeline; client: LlmBatchClient | null } {
  const client = options.llm
    ? new LlmBatchClient({
        provider: options.llm.provider,
        ...(options.llm.maxWorkers === undefined ? {} : { maxWorkers: options.llm.maxWorkers }),
        ...(options.llm.requestsPerMinute === undefined ? {} : { requestsPerMinute: options.llm.requestsPerMinute }),
      })
    : null;
  const llm = client && options.llm ? { client, model: options.llm.model } : false;
  const pipeline = new Pipeline({
    scan: options.scan,
    config: options.config,
    stages: [
      new SourceStage({ inputs: options.inputs }),
      // The same model reads the book's metadata (title, author, year...) from its first pages: one request.
      new OcrStage({ llm, ...(options.ocrWorkers === undefined ? {} : { maxWorkers: options.ocrWorkers }) }),
      new CorrectionStage({ llm }),
      new LabelStage({ llm }),
      new MergeStage(),
    ],
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
  return { pipeline, client };
}
