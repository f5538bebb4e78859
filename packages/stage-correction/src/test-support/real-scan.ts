/**
 * Test support, not exported: a scan holding real pages of ../shared/eval, made by the real source and
 * OCR stages once per suite, then copied for each test so that every test starts from the same
 * source and OCR pages (copying takes milliseconds; OCR takes seconds).
 */
import { OcrPageSchema, type OcrPage } from '@bookpipe/contracts';
import { existsSync } from 'node:fs';
import { cp, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pipeline, loadConfig, silentLogger } from '@bookpipe/core';
import { SourceStage } from '@bookpipe/source';
import { OcrStage } from '@bookpipe/stage-ocr';
import { openScan } from '@bookpipe/storage';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
export const evalDir = path.resolve(repoRoot, '../shared/eval');
export const hasEval = existsSync(path.join(evalDir, 'README.md'));

/** Skips a suite with a note when the real pages are absent. */
export function noteSkip(suite: string): void {
  if (!hasEval) console.warn(`${suite}: skipped, the real scans are not at ${evalDir} (see its README.md).`);
}

/**
 * Three real pages: a two-column brochure scan (OCRmyPDF's linn.png, 300 DPI, larger than 1024 px)
 * and two consecutive pages of an old book (old-books c015, c016: a chapter opening, then a page with
 * a running head).
 */
export const REAL_PAGES = () => [
  path.join(evalDir, 'ocrmypdf-resources', 'linn.png'),
  path.join(evalDir, 'old-books', 'c015.tiff'),
  path.join(evalDir, 'old-books', 'c016.tiff'),
];

export interface RealScan {
  /** Folder holding the scan `base` with complete source and ocr stages. */
  root: string;
  ocr: OcrPage[];
}

/** Runs the real source and OCR stages on `files` into a new temporary folder. */
export async function makeRealScan(files: readonly string[]): Promise<RealScan> {
  const root = await mkdtemp(path.join(tmpdir(), 'bookpipe-llm-stage-'));
  const scan = openScan({ root, scanId: 'base' });
  await new Pipeline({ scan, config: loadConfig({}), logger: silentLogger, stages: [new SourceStage({ inputs: [...files] }), new OcrStage({ maxWorkers: 2 })] }).run();
  const ocr = await Promise.all((await scan.pageNumbers()).map((page) => scan.stage('ocr').loadPage(page, OcrPageSchema)));
  return { root, ocr };
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
