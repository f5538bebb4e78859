import { startOcrEngine } from './create-ocr-engine.js';
import type { OcrEngine } from './engine.js';
import type { ResolvedOcrOptions } from './options.js';

/**
 * OCR engines shared by several OCR stages (several books in one process): a stage borrows the engine
 * for its options instead of starting its own, so the worker threads (each holding a warm tesseract
 * instance, costly to start) serve book after book, and two books read at once share `maxWorkers`
 * threads instead of each starting that many.
 */
export interface OcrPool {
  /**
   * The pool's engine for these options, started on first use. The engine returned is a lease:
   * its `destroy()` gives it back and leaves the engine running for the next borrower.
   */
  acquire(options: ResolvedOcrOptions): Promise<OcrEngine>;
  /** Engines started so far: 1 for a library of books read with the same options. */
  readonly enginesStarted: number;
  /** Stops every engine. Leases still out fail their next page. Safe to call twice. */
  destroy(): Promise<void>;
}

/** What makes two books need different engines: everything a worker is started with. */
function engineKey(o: ResolvedOcrOptions): string {
  return JSON.stringify([
    o.engine,
    o.maxWorkers,
    o.language,
    o.psm,
    o.model,
    o.recycleAfterPages,
    o.detectOrientation,
    o.minOrientationConfidence,
    o.tesseractPath,
  ]);
}

interface Entry {
  engine: Promise<OcrEngine>;
  leases: number;
}

/**
 * A pool of OCR engines to pass to several `OcrStage`s (`new OcrStage({ pool })`); `runLibrary` of
 * @bookpipe/book-pipeline makes one per library. One engine per distinct set of options (language,
 * model...): when a book needs other options, engines no stage is using are stopped first, so idle
 * threads of another language do not stay next to the new ones. Call `destroy()` when done.
 * @example
 * const pool = createOcrPool();
 * try {
 *   for (const scan of scans) await new Pipeline({ scan, stages: [new OcrStage({ pool })] }).run();
 * } finally {
 *   await pool.destroy();
 * }
 */
export function createOcrPool(): OcrPool {
  const entries = new Map<string, Entry>();
  let started = 0;
  let destroyed = false;

  const stopIdle = async (except: string) => {
    for (const [key, entry] of [...entries]) {
      if (key === except || entry.leases > 0) continue;
      entries.delete(key);
      await (await entry.engine.catch(() => undefined))?.destroy();
    }
  };

  return {
    async acquire(options) {
      if (destroyed) throw new Error('[stage-ocr] This OCR pool was destroyed: create another one (createOcrPool()) for a new run.');
      const key = engineKey(options);
      let entry = entries.get(key);
      if (entry === undefined) {
        await stopIdle(key);
        entry = entries.get(key);
      }
      if (entry === undefined) {
        started += 1;
        entry = { engine: startOcrEngine(options), leases: 0 };
        entries.set(key, entry);
        // A failed start is not kept: the next borrower tries again (and gets the error itself).
        entry.engine.catch(() => entries.get(key) === entry && entries.delete(key));
      }
      entry.leases += 1;
      const held = entry;
      let engine: OcrEngine;
      try {
        engine = await held.engine;
      } catch (error) {
        held.leases -= 1;
        throw error;
      }
      let returned = false;
      return {
        info: engine.info,
        recognize: (imagePath, pageNumber, signal) => engine.recognize(imagePath, pageNumber, signal),
        async destroy() {
          if (returned) return;
          returned = true;
          held.leases -= 1;
        },
      };
    },
    get enginesStarted() {
      return started;
    },
    async destroy() {
      destroyed = true;
      const all = [...entries.values()];
      entries.clear();
      await Promise.all(all.map(async (entry) => (await entry.engine.catch(() => undefined))?.destroy()));
    },
  };
}
