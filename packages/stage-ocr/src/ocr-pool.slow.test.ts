/**
 * The shared OCR pool with real tesseract.js engines (one worker each): borrowers of the same options
 * share one engine, a returned lease leaves it running, other options stop the idle engine first.
 */
import { hasEval, noteSkip, ocrmypdf } from '@bookpipe/testkit';
import { describe, expect, it } from 'vitest';
import { createOcrPool } from './ocr-pool.js';
import { resolveOcrOptions } from './options.js';

noteSkip('ocr-pool.slow.test.ts');

describe.skipIf(!hasEval)('createOcrPool', () => {
  const options = resolveOcrOptions({ maxWorkers: 1, detectOrientation: false });

  it('shares one engine between borrowers of the same options, and keeps it when a lease is returned', async () => {
    const pool = createOcrPool();
    try {
      const [a, b] = await Promise.all([pool.acquire(options), pool.acquire(options)]);
      expect(pool.enginesStarted).toBe(1);
      const [pageA, pageB] = await Promise.all([a.recognize(ocrmypdf('typewriter.png'), 1), b.recognize(ocrmypdf('typewriter.png'), 2)]);
      expect(pageA.page.blocks.length).toBeGreaterThan(0);
      expect(pageB.page.blocks).toEqual(pageA.page.blocks);
      // A returned lease (the OCR stage's destroy() at its end) leaves the engine to the next book.
      await a.destroy();
      await a.destroy();
      await b.destroy();
      const c = await pool.acquire(options);
      expect(pool.enginesStarted).toBe(1);
      expect((await c.recognize(ocrmypdf('typewriter.png'), 3)).page.blocks).toEqual(pageA.page.blocks);
      await c.destroy();

      // Other options (another language, psm...) need another engine; the idle one is stopped first,
      // so asking for the first options again starts a third.
      const other = await pool.acquire({ ...options, psm: 6 });
      expect(pool.enginesStarted).toBe(2);
      await other.destroy();
      await (await pool.acquire(options)).destroy();
      expect(pool.enginesStarted).toBe(3);
    } finally {
      await pool.destroy();
    }
    await expect(pool.acquire(options)).rejects.toThrow('This OCR pool was destroyed');
  }, 120_000);
});
