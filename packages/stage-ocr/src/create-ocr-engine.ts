import type { OcrEngine } from './engine.js';
import { createNativeEngine } from './native-engine.js';
import { type OcrEngineOptions, type ResolvedOcrOptions, resolveOcrOptions } from './options.js';
import { createTesseractJsEngine } from './tesseract-js-engine.js';

/**
 * Starts an OCR engine outside any pipeline: image paths in, OCR pages out. `OcrStage` uses it; use it
 * directly to read single images. Call `destroy()` when done, or worker threads keep the process alive.
 * @throws BookpipeError CONFIG_INVALID for an invalid option, a missing language package or a missing
 *   tesseract program, before any page is read.
 * @example
 * const engine = await createOcrEngine({ maxWorkers: 2 });
 * try {
 *   const { page } = await engine.recognize('scan/page_0001.png', 1);
 *   console.log(page.meanConfidence, page.blocks.length);
 * } finally {
 *   await engine.destroy();
 * }
 */
export async function createOcrEngine(options: OcrEngineOptions = {}): Promise<OcrEngine> {
  return startOcrEngine(resolveOcrOptions(options));
}

/** Starts the engine the resolved options name. */
export function startOcrEngine(o: ResolvedOcrOptions): Promise<OcrEngine> {
  return o.engine === 'native' ? createNativeEngine(o) : createTesseractJsEngine(o);
}
