import { BookpipeError, ErrorCode, type AnyStage, type BookStorage } from '@bookpipe/core';
import { SourceStage } from '@bookpipe/source';
import { CorrectionStage } from '@bookpipe/stage-correction';
import { LabelStage } from '@bookpipe/stage-label';
import { MergeStage } from '@bookpipe/stage-merge';
import { OcrStage } from '@bookpipe/stage-ocr';
import type { LlmMode } from './llm-mode.js';

/** Every stage the CLI knows, in pipeline order. */
export const KNOWN_STAGES = ['source', 'ocr', 'correction', 'label', 'merge'] as const;
export type KnownStage = (typeof KNOWN_STAGES)[number];

export interface PlanOptions {
  /** Input files and folders, absolute. */
  inputs: readonly string[];
  /** `--stages`; every stage when undefined. */
  wanted: readonly string[] | undefined;
  scan: BookStorage;
  llm: LlmMode;
  /** `--workers`: OCR worker threads. */
  ocrWorkers: number | undefined;
}

export interface StagePlan {
  stages: AnyStage[];
  /** Lines for the user about how the run was set up (LLM or not, what merge reads). */
  notes: string[];
}

/** Parses `--stages source,ocr,merge`. @throws BookpipeError CONFIG_INVALID naming an unknown stage. */
export function parseStageList(value: string): KnownStage[] {
  const names = value.split(',').map((name) => name.trim()).filter(Boolean);
  if (names.length === 0) throw new BookpipeError(ErrorCode.CONFIG_INVALID, `--stages is empty: give stage names separated by commas, e.g. --stages ${KNOWN_STAGES.join(',')}.`);
  for (const name of names) {
    if (!(KNOWN_STAGES as readonly string[]).includes(name)) {
      throw new BookpipeError(ErrorCode.CONFIG_INVALID, `Unknown stage "${name}" in --stages. Stages: ${KNOWN_STAGES.join(', ')}.`, { details: { stage: name } });
    }
  }
  return KNOWN_STAGES.filter((name) => names.includes(name));
}

/** True when the stage has completed in the scan (a dependency outside this run). */
async function completeInScan(scan: BookStorage, stage: string): Promise<boolean> {
  if (!(await scan.exists())) return false;
  return (await scan.stage(stage).checkpoint.status()).complete;
}

/**
 * The stage instances of a run. Merge reads correction and label when they run in this pipeline or
 * have completed in the scan before; otherwise it merges the OCR text alone and says so.
 */
export async function planStages(options: PlanOptions): Promise<StagePlan> {
  const wanted = options.wanted ?? KNOWN_STAGES;
  const notes: string[] = [];
  const stages: AnyStage[] = [];
  if (wanted.includes('source')) {
    if (options.inputs.length === 0) {
      throw new BookpipeError(ErrorCode.CONFIG_INVALID, 'Give the PDF, page images or folder of page images to read, e.g. `bookpipe run book.pdf`.');
    }
    stages.push(new SourceStage({ inputs: options.inputs }));
  }
  if (wanted.includes('ocr')) stages.push(new OcrStage(options.ocrWorkers === undefined ? {} : { maxWorkers: options.ocrWorkers }));
  // Both read the model from the run's config (provider, model, base URL, limits) and share one client.
  const llmStages = (['correction', 'label'] as const).filter((name) => wanted.includes(name));
  if (wanted.includes('correction')) stages.push(new CorrectionStage());
  if (wanted.includes('label')) stages.push(new LabelStage());
  if (llmStages.length > 0) {
    notes.push(
      options.llm.kind === 'llm'
        ? `${llmStages.join(' and ')}: ${options.llm.provider}, model ${options.llm.model}${options.llm.baseURL ? ` at ${options.llm.baseURL}` : ''}.`
        : `${llmStages.join(' and ')}: without an LLM (${options.llm.reason}): ${llmStages.map((name) => (name === 'correction' ? 'correction joins words broken at line ends with a word list' : 'label classifies blocks and reads page numbers from the layout')).join('; ')}.`,
    );
  }
  if (wanted.includes('merge')) {
    const use = {
      correction: wanted.includes('correction') || (await completeInScan(options.scan, 'correction')),
      label: wanted.includes('label') || (await completeInScan(options.scan, 'label')),
    };
    stages.push(new MergeStage({ use }));
    const without = Object.entries(use).filter(([, used]) => !used).map(([name]) => name);
    if (without.length > 0) {
      notes.push(
        `merge: without ${without.join(' and ')} (not in this run, not complete in the scan): the OCR text is merged as read${use.label ? '' : '; running heads and page numbers stay in the text'}.`,
      );
    }
  }
  return { stages, notes };
}
