import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Piscina } from 'piscina';
import type { OcrEngine, OcrEngineInfo, OcrPageResult } from './engine.js';
import { resolveLanguageFiles, resolveOsdFile } from './language-data.js';
import { gzippedLanguageFolder } from './language-folder.js';
import type { ResolvedOcrOptions } from './options.js';
import { pageError } from './page-error.js';
import { workerScript } from './worker-file.js';
import type { OcrTask, OcrTaskOutcome, TesseractJsWorkerConfig } from './worker-protocol.js';

/** Version of the tesseract.js package this engine runs. */
export function tesseractJsVersion(): string {
  return (createRequire(import.meta.url)('tesseract.js/package.json') as { version: string }).version;
}

/** tesseract.js in a piscina pool of `maxWorkers` threads, each keeping one tesseract.js instance. */
export async function createTesseractJsEngine(o: ResolvedOcrOptions): Promise<OcrEngine> {
  const langs = await gzippedLanguageFolder(resolveLanguageFiles(o.languages, o.model));
  const info: OcrEngineInfo = {
    engine: 'tesseract.js',
    pageEngine: { name: 'tesseract.js', version: tesseractJsVersion(), language: o.language, psm: o.psm },
    model: o.model,
    maxWorkers: o.maxWorkers,
    detectOrientation: o.detectOrientation,
  };
  const workerData: TesseractJsWorkerConfig = {
    language: o.language,
    langPath: langs.dir,
    osdLangPath: o.detectOrientation ? dirname(resolveOsdFile().gzPath) : null,
    psm: o.psm,
    recycleAfterPages: o.recycleAfterPages,
    minOrientationConfidence: o.minOrientationConfidence,
    marginPass: o.marginPass,
    initTimeoutMs: o.initTimeoutMs,
    engine: info.pageEngine,
  };
  const script = workerScript();
  const pool = new Piscina<OcrTask, OcrTaskOutcome>({
    filename: script.filename,
    execArgv: script.execArgv,
    workerData,
    minThreads: o.maxWorkers,
    maxThreads: o.maxWorkers,
    // Threads stay: each holds a warm tesseract.js instance, costly to start again.
    idleTimeout: Infinity,
    concurrentTasksPerWorker: 1,
  });
  let destroyed: Promise<void> | undefined;

  return {
    info,
    async recognize(imagePath, pageNumber, signal): Promise<OcrPageResult> {
      const outcome = await pool.run({ imagePath, pageNumber }, signal ? { signal } : {});
      if (!outcome.ok) throw pageError(outcome.kind, imagePath, pageNumber, outcome.message, `tesseract.js ${info.pageEngine.version}`);
      return { page: outcome.page, orientationConfidence: outcome.orientationConfidence, timings: outcome.timings };
    },
    destroy() {
      destroyed ??= (async () => {
        await pool.destroy();
        await langs.dispose();
      })();
      return destroyed;
    },
  };
}
