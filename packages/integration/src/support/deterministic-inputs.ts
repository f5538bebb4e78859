/**
 * Test support, not exported: the correction and label stages in their deterministic modes (no LLM), run
 * through a Pipeline on a scan that has source and OCR pages, as `bookpipe run` runs them without a key.
 */
import { type OcrPage, OcrPageSchema } from '@bookpipe/contracts';
import { type BookStorage, loadConfig, Pipeline, silentLogger } from '@bookpipe/core';
import { CorrectionStage } from '@bookpipe/stage-correction';
import { LabelStage } from '@bookpipe/stage-label';

/** Reads every OCR page of the scan, in page order. */
export async function loadOcrPages(scan: BookStorage): Promise<OcrPage[]> {
  const ocr = scan.stage('ocr', { schema: OcrPageSchema });
  const pages = await ocr.listPages();
  return Promise.all(pages.map((page) => ocr.loadPage<OcrPage>(page)));
}

/** Runs CorrectionStage and LabelStage without a model (both run side by side, as in a full pipeline). */
export async function runDeterministicStages(scan: BookStorage): Promise<void> {
  await new Pipeline({
    scan,
    config: loadConfig({}),
    logger: silentLogger,
    stages: [new CorrectionStage({ llm: false }), new LabelStage({ llm: false })],
  }).run();
}
