/**
 * A scan whose source stage is done, its pages given as PNG files or as damaged bytes, for tests of
 * the stages after it that need no real source run.
 */

import { readFile, writeFile } from 'node:fs/promises';
import { SOURCE_STAGE } from '@bookpipe/contracts';
import type { BookStorage } from '@bookpipe/core';

export interface SourcePage {
  /** A PNG file, saved through storage (which checks it is a PNG). */
  png?: string;
  /** Bytes written as they are, bypassing storage: a page damaged on disk after the source stage. */
  damaged?: Uint8Array;
}

/** Fills `scan` (any `BookStorage`, e.g. `openScan(...)`) with a complete source stage of `pages`. */
export async function scanWithSourcePages<S extends BookStorage>(scan: S, pages: readonly SourcePage[]): Promise<S> {
  await scan.init();
  const source = scan.stage(SOURCE_STAGE, { pageFormat: 'png' });
  for (const [i, p] of pages.entries()) {
    const page = i + 1;
    if (p.png) await source.savePage(page, await readFile(p.png), { pageNum: page, processingTimeSeconds: 0, costUsd: 0 });
  }
  // Damaged pages go in after the others: storage refuses to save them itself.
  for (const [i, p] of pages.entries()) if (p.damaged) await writeFile(source.pagePath(i + 1), p.damaged);
  await scan.updateMetadata({ totalPages: pages.length });
  await source.checkpoint.markStageComplete({ stage: SOURCE_STAGE });
  return scan;
}

/**
 * A plain white PNG of `width` × `height` pixels written to `file`, for tests that need a source page
 * image but not its content (the LLM stages send it; the fake provider does not read it).
 */
export async function blankPagePng(file: string, width = 1600, height = 2400): Promise<string> {
  // Loaded here, not at the top: most suites importing the testkit never make an image.
  const { default: sharp } = await import('sharp');
  await sharp({ create: { width, height, channels: 3, background: '#ffffff' } })
    .png()
    .toFile(file);
  return file;
}
