/**
 * Test support, not exported: a scan of real pages of ../shared/eval with complete source and OCR
 * stages (the real stages), made once per suite.
 */
import { OcrPageSchema, type OcrPage } from '@bookpipe/contracts';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pipeline, loadConfig, silentLogger } from '@bookpipe/core';
import { SourceStage } from '@bookpipe/source';
import { OcrStage } from '@bookpipe/stage-ocr';
import { openScan } from '@bookpipe/storage';

export const evalDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..', '../shared/eval');
export const hasEval = existsSync(path.join(evalDir, 'README.md'));

export function noteSkip(suite: string): void {
  if (!hasEval) console.warn(`${suite}: skipped, the real scans are not at ${evalDir} (see its README.md).`);
}

export interface RealScan {
  root: string;
  scan: ReturnType<typeof openScan>;
  ocr: OcrPage[];
}

/** Runs the real source and OCR stages on `files` into a new temporary folder. */
export async function makeRealScan(files: readonly string[]): Promise<RealScan> {
  const root = await mkdtemp(path.join(tmpdir(), 'bookpipe-label-llm-'));
  const scan = openScan({ root, scanId: 'real' });
  await new Pipeline({ scan, config: loadConfig({}), logger: silentLogger, stages: [new SourceStage({ inputs: [...files] }), new OcrStage({ maxWorkers: 2 })] }).run();
  const ocr = await Promise.all((await scan.pageNumbers()).map((page) => scan.stage('ocr').loadPage(page, OcrPageSchema)));
  return { root, scan, ocr };
}
