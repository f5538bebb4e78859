import { BOOK_MD } from '@bookpipe/contracts';
import { Pipeline, type Config, type EmitFn, type PipelineResult } from '@bookpipe/core';
import { SourceStage } from '@bookpipe/source';
import { CorrectionStage } from '@bookpipe/stage-correction';
import { LabelStage } from '@bookpipe/stage-label';
import { MergeStage } from '@bookpipe/stage-merge';
import { OcrStage } from '@bookpipe/stage-ocr';
import { openScan } from '@bookpipe/storage';

export interface OfflinePipelineOptions {
  /** PDFs, page images or folders of page images, in book order. */
  inputs: readonly string[];
  /** Folder holding one sub-folder per scan. */
  root: string;
  scanId: string;
  config: Config;
  /** OCR worker threads. @default the number of CPUs */
  ocrWorkers?: number;
  onEvent?: EmitFn;
  signal?: AbortSignal;
}

/**
 * The whole pipeline with no model and no network, whatever keys the environment holds:
 * source -> ocr -> correction and label (side by side, `llm: false`: a word list joins the words broken
 * at line ends; the layout labeller finds running heads, page numbers, headings and footnotes, and the
 * printed page numbers are reconciled across the book) -> merge (book.json, book.md).
 */
export async function runOfflinePipeline(options: OfflinePipelineOptions): Promise<{ result: PipelineResult; bookMd: string }> {
  const scan = openScan({ root: options.root, scanId: options.scanId });
  const pipeline = new Pipeline({
    scan,
    config: options.config,
    stages: [
      new SourceStage({ inputs: options.inputs }),
      // llm: false — the book metadata is read from the title pages without a model, whatever keys are set.
      new OcrStage({ llm: false, ...(options.ocrWorkers === undefined ? {} : { maxWorkers: options.ocrWorkers }) }),
      new CorrectionStage({ llm: false }),
      new LabelStage({ llm: false }),
      new MergeStage(),
    ],
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
  const result = await pipeline.run(options.signal ? { signal: options.signal } : {});
  return { result, bookMd: scan.stage('merge').filePath(BOOK_MD) };
}
