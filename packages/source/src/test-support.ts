/**
 * Helpers for this package's tests (not exported from the package). Tests read the real scans in
 * `../shared/eval` (relative to the repository root) and skip, saying so, when it is absent.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createStageContext, loadConfig, silentLogger, type BookStorage, type StageStats } from '@bookpipe/core';
import type { SourceStage } from './source-stage.js';

export const repoRoot = resolve(fileURLToPath(import.meta.url), '../../../..');
export const evalDir = resolve(repoRoot, '../shared/eval');
export const hasEval = existsSync(join(evalDir, 'ocrmypdf-resources'));

/** Path of a real eval file. */
export function evalFile(...parts: string[]): string {
  return join(evalDir, ...parts);
}

/** Logs why a suite is skipped, once, so a green run never hides that it tested nothing. */
export function noteSkip(suite: string): void {
  if (!hasEval) console.warn(`[${suite}] skipped: the real eval data is not at ${evalDir} (see /work/shared/eval/README.md).`);
}

/** A fresh temp folder, removed by the returned function. */
export async function tempDir(prefix = 'bookpipe-source-'): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Copies the first `bytes` bytes of a real file: a truncated download or an interrupted copy. */
export async function truncatedCopy(source: string, dest: string, bytes: number): Promise<string> {
  const data = await readFile(source);
  await writeFile(dest, data.subarray(0, bytes));
  return dest;
}

/**
 * cardinal.pdf with one broken page: page `brokenPage` (1-based) gets its own copy of the page image
 * whose compressed data is replaced by junk, the way a damaged download or a bad disk sector breaks a
 * single page. The other pages keep the original image.
 */
export async function pdfWithBrokenPage(dest: string, brokenPage: number): Promise<string> {
  const mupdf = await import('mupdf');
  const doc = mupdf.Document.openDocument(await readFile(evalFile('ocrmypdf-resources', 'cardinal.pdf')), 'application/pdf').asPDF()!;
  const page = (doc.loadPage(brokenPage - 1) as import('mupdf').PDFPage).getObject();
  const resources = page.getInheritable('Resources');
  const image = resources.get('XObject').get('Im0');
  const dict = doc.newDictionary();
  image.resolve().forEach((value, key) => {
    if (key !== 'Length') dict.put(key as string, value);
  });
  const broken = doc.addRawStream(Buffer.alloc(4000, 0x5a), dict);
  const xobjects = doc.newDictionary();
  xobjects.put('Im0', broken);
  const ownResources = doc.newDictionary();
  resources.forEach((value, key) => ownResources.put(key as string, value));
  ownResources.put('XObject', xobjects);
  page.put('Resources', ownResources);
  await writeFile(dest, doc.saveToBuffer('').asUint8Array());
  doc.destroy();
  return dest;
}

/** linn.pdf saved with a user password (AES-128). */
export async function encryptedPdf(dest: string): Promise<string> {
  const mupdf = await import('mupdf');
  const doc = mupdf.Document.openDocument(await readFile(evalFile('ocrmypdf-resources', 'linn.pdf')), 'application/pdf').asPDF()!;
  await writeFile(dest, doc.saveToBuffer('encrypt=aes-128,user-password=secret,owner-password=owner').asUint8Array());
  doc.destroy();
  return dest;
}

/**
 * Runs the stage the way `Pipeline` runs one (before -> run -> after -> stage-complete record), but
 * without the pipeline's "already complete" skip, so a test can run it again on the same scan.
 */
export async function runStage(scan: BookStorage, stage: SourceStage, signal: AbortSignal = new AbortController().signal): Promise<StageStats> {
  const ctx = await createStageContext(stage, { scan, logger: silentLogger, config: loadConfig({}), signal });
  const output = ctx.output;
  await stage.before(ctx);
  const stats = await stage.run(ctx);
  if (!stats.aborted) {
    await stage.after(ctx, stats);
    await output.checkpoint.markStageComplete({ ...stats });
  }
  return stats;
}
