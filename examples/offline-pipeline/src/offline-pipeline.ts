import { createBookPipeline } from '@bookpipe/book-pipeline';
import { BOOK_MD } from '@bookpipe/contracts';
import type { Config, EmitFn, PipelineResult } from '@bookpipe/core';
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
 * The whole pipeline with no model and no network, whatever keys the environment holds: bookpipe's
 * default pipeline (`createBookPipeline`) with `llm: false`. source -> ocr -> correction and label (side
 * by side: a word list joins the words broken at line ends; the layout labeller finds running heads,
 * page numbers, headings and footnotes, and the printed page numbers are reconciled across the book)
 * -> merge (book.json, book.md). The OCR stage reads the book's metadata from its title pages without a model.
 */
export async function runOfflinePipeline(options: OfflinePipelineOptions): Promise<{ result: PipelineResult; bookMd: string; notes: string[] }> {
  const scan = openScan({ root: options.root, scanId: options.scanId });
  const { pipeline, notes } = await createBookPipeline({
    scan,
    inputs: options.inputs,
    config: options.config,
    llm: false,
    ...(options.ocrWorkers === undefined ? {} : { ocrWorkers: options.ocrWorkers }),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
  const result = await pipeline.run(options.signal ? { signal: options.signal } : {});
  return { result, bookMd: scan.stage('merge').filePath(BOOK_MD), notes };
}
