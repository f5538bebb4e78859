/**
 * The source stage on one 2,000-page TIFF, end to end (issue 15: reading it page by page was O(n²),
 * over 300 s; now a few seconds). Slow-named: it writes 2,000 PNG pages through storage. The reader
 * itself is tested on the same file in tiff-pages.test.ts.
 */
import { join } from 'node:path';
import { openScan } from '@bookpipe/storage';
import { MARKED_PAGE, markedPagesTiff, pageMark, runStage, tempDir } from '@bookpipe/testkit';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceStage } from './source-stage.js';

describe('SourceStage on a 2,000-page TIFF', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let big: string;
  beforeAll(async () => {
    tmp = await tempDir();
    big = await markedPagesTiff(join(tmp.dir, 'book-2000.tiff'), 2000);
  });
  afterAll(() => tmp.remove());

  it('makes all 2,000 pages of one TIFF, each from its own directory', { timeout: 300_000 }, async () => {
    const scan = openScan({ root: join(tmp.dir, 'scans'), scanId: 'tiff-2000' });
    const stats = await runStage(scan, new SourceStage({ inputs: [big] }));
    expect(stats).toMatchObject({ pagesProcessed: 2000, pagesFailed: 0 });
    const source = scan.stage('source', { pageFormat: 'png' });
    for (const page of [1, 2, 1000, 2000]) {
      const pixels = await sharp(source.pagePath(page)).extractChannel(0).raw().toBuffer();
      expect(pageMark(pixels)).toBe((page - 1) % (MARKED_PAGE.width * MARKED_PAGE.height));
    }
  });
});
