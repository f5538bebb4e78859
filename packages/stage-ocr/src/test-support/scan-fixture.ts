/** Test support: a scan whose source stage is done, its pages given as image files or bytes. */
import { readFile, writeFile } from 'node:fs/promises';
import { openScan } from '@bookpipe/storage';

export interface SourcePage {
  /** A PNG file, saved through storage (which checks it is a PNG). */
  png?: string;
  /** Bytes written as they are, bypassing storage: a page damaged on disk after the source stage. */
  damaged?: Uint8Array;
}

export async function scanWithSourcePages(root: string, scanId: string, pages: readonly SourcePage[]) {
  const scan = openScan({ root, scanId });
  await scan.init();
  const source = scan.stage('source', { pageFormat: 'png' });
  for (const [i, p] of pages.entries()) {
    const page = i + 1;
    if (p.png) await source.savePage(page, await readFile(p.png), { pageNum: page, processingTimeSeconds: 0, costUsd: 0 });
  }
  // Damaged pages go in after the others: storage refuses to save them itself.
  for (const [i, p] of pages.entries()) if (p.damaged) await writeFile(source.pagePath(i + 1), p.damaged);
  await scan.updateMetadata({ totalPages: pages.length });
  await source.checkpoint.markStageComplete({ stage: 'source' });
  return scan;
}
