/**
 * Test support: a scan holding real pages of ../shared/eval with complete source and OCR stages, made
 * by the real stages once per suite. `copyOf` gives each test its own copy, so that every test starts
 * from the same source and OCR pages (copying takes milliseconds; OCR takes seconds).
 */

import { cp, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OCR_STAGE, type OcrPage, OcrPageSchema } from '@bookpipe/contracts';
import { loadConfig, Pipeline, silentLogger } from '@bookpipe/core';
import { SourceStage } from '@bookpipe/source';
import { OcrStage } from '@bookpipe/stage-ocr';
import { openScan } from '@bookpipe/storage';

export { evalDir, hasEval, noteSkip, REAL_PAGES } from '@bookpipe/testkit';

export interface RealScan {
  /** Folder holding the scan `base` with complete source and ocr stages. */
  root: string;
  scan: ReturnType<typeof openScan>;
  ocr: OcrPage[];
}

/** Runs the real source and OCR stages on `files` into a new temporary folder. */
export async function makeRealScan(files: readonly string[]): Promise<RealScan> {
  const root = await mkdtemp(path.join(tmpdir(), 'bookpipe-real-scan-'));
  const scan = openScan({ root, scanId: 'base' });
  await new Pipeline({
    scan,
    config: loadConfig({}),
    logger: silentLogger,
    stages: [new SourceStage({ inputs: [...files] }), new OcrStage({ maxWorkers: 2 })],
  }).run();
  const ocr = await Promise.all((await scan.pageNumbers()).map((page) => scan.stage(OCR_STAGE).loadPage(page, OcrPageSchema)));
  return { root, scan, ocr };
}

let copies = 0;

/** A fresh copy of the base scan (source and ocr stages complete, nothing else). */
export async function copyOf(base: RealScan): Promise<ReturnType<typeof openScan>> {
  const scanId = `copy-${++copies}`;
  await cp(path.join(base.root, 'base'), path.join(base.root, scanId), {
    recursive: true,
    filter: (source) => path.basename(source) !== '.lock',
  });
  return openScan({ root: base.root, scanId });
}
