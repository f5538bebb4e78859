import { readFile } from 'node:fs/promises';
import { BookpipeError, ErrorCode } from '@bookpipe/core';
import type { OcrEngine, OcrEngineInfo, OcrPageResult } from './engine.js';
import { classifyTesseractFailure, imageFormat, notAnImage } from './image-errors.js';
import { resolveLanguageFiles, resolveOsdFile } from './language-data.js';
import { tessdataFolder } from './language-folder.js';
import { createLimiter } from './limiter.js';
import { buildOcrPage } from './ocr-page-builder.js';
import type { ResolvedOcrOptions } from './options.js';
import { decideRotation, isTooFewCharacters, type OrientationGuess, parseNativeOsd, readsUpright } from './orientation.js';
import { pageError } from './page-error.js';
import { readMargins } from './read-margins.js';
import { rotateImage } from './rotate-image.js';
import { type ProcessResult, runProcess } from './run-process.js';
import { parseTsv } from './tsv.js';

/**
 * The version of the tesseract program (`tesseract --version`: "tesseract 5.3.0").
 * @throws BookpipeError CONFIG_INVALID when the program is not installed, saying how to install it.
 */
export async function nativeTesseractVersion(tesseractPath: string): Promise<string> {
  let result: ProcessResult;
  try {
    result = await runProcess(tesseractPath, ['--version']);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new BookpipeError(
      ErrorCode.CONFIG_INVALID,
      `[stage-ocr] The native OCR engine needs the tesseract program, but ${JSON.stringify(tesseractPath)} ${code === 'ENOENT' ? 'was not found' : `could not run (${(error as Error).message})`}. Install tesseract-ocr (Debian/Ubuntu: apt-get install tesseract-ocr; macOS: brew install tesseract) or use engine 'tesseract.js'.`,
      { details: { tesseractPath }, cause: error },
    );
  }
  // Older versions print it on stderr.
  const m = /tesseract\s+v?(\d+\.\d+[\w.-]*)/i.exec(`${result.stdout}\n${result.stderr}`);
  if (result.code !== 0 || !m) {
    throw new BookpipeError(
      ErrorCode.CONFIG_INVALID,
      `[stage-ocr] ${JSON.stringify(tesseractPath)} --version did not report a tesseract version (exit ${result.code}): ${(result.stdout + result.stderr).slice(0, 200)}. Install tesseract-ocr or use engine 'tesseract.js'.`,
      { details: { tesseractPath } },
    );
  }
  return m[1]!;
}

/**
 * The system tesseract, one process per page (`maxWorkers` at once), each limited to one thread:
 * orientation detection (a second process, `--psm 0`) only on pages whose first reading does not look
 * upright (`readsUpright`), as the tesseract.js engine does.
 * with its default OpenMP threads, several processes fight over the cores and run far slower.
 * It reads the same model files as tesseract.js (unzipped into a temporary `--tessdata-dir`).
 */
export async function createNativeEngine(o: ResolvedOcrOptions): Promise<OcrEngine> {
  const version = await nativeTesseractVersion(o.tesseractPath);
  const files = resolveLanguageFiles(o.languages, o.model);
  if (o.detectOrientation) files.push(resolveOsdFile());
  const tessdata = await tessdataFolder(files);
  const info: OcrEngineInfo = {
    engine: 'native',
    pageEngine: { name: 'tesseract', version, language: o.language, psm: o.psm },
    model: o.model,
    maxWorkers: o.maxWorkers,
    detectOrientation: o.detectOrientation,
  };
  const env = { ...process.env, OMP_THREAD_LIMIT: '1' };
  const limit = createLimiter(o.maxWorkers);
  const engineName = `tesseract ${version}`;
  let destroyed: Promise<void> | undefined;
  const running = new AbortController();

  const tesseract = (input: string, args: string[], stdin: Uint8Array | undefined, signal: AbortSignal) =>
    runProcess(o.tesseractPath, [input, 'stdout', '--tessdata-dir', tessdata.dir, ...args], { env, stdin, signal });

  async function detect(imagePath: string, signal: AbortSignal): Promise<OrientationGuess> {
    const r = await tesseract(imagePath, ['-l', 'osd', '--psm', '0'], undefined, signal);
    if (r.code === 0) return parseNativeOsd(r.stdout);
    if (isTooFewCharacters(r.stderr)) return { rotate: null, confidence: null };
    throw failure(r);
  }

  class ProcessFailure extends Error {}
  const failure = (r: ProcessResult) =>
    new ProcessFailure(`exit ${r.code ?? r.signal}: ${r.stderr.trim().split('\n').slice(-4).join(' | ') || '(no message)'}`);

  return {
    info,
    recognize(imagePath, pageNumber, signal): Promise<OcrPageResult> {
      const sig = signal ? AbortSignal.any([signal, running.signal]) : running.signal;
      return limit(async () => {
        const t0 = performance.now();
        let image: Buffer;
        try {
          image = await readFile(imagePath);
        } catch (error) {
          const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
          throw pageError(missing ? 'missing' : 'engine', imagePath, pageNumber, (error as Error).message, engineName);
        }
        if (imageFormat(image) === undefined) throw pageError('unreadable', imagePath, pageNumber, notAnImage(image), engineName);
        try {
          // The file as it is, or the turned image through stdin.
          // The pixels the page was last read from (the turned image once turned): the margin pass reads them again.
          let pixels: Uint8Array = image;
          const read = async (rotation: number) => {
            const stdin = rotation === 0 ? undefined : await rotateImage(image, rotation);
            pixels = stdin ?? image;
            const r = await tesseract(
              stdin ? 'stdin' : imagePath,
              ['-l', o.language, '--psm', String(o.psm), '--oem', '1', '-c', 'tessedit_create_tsv=1', '-c', 'tessedit_create_txt=0'],
              stdin,
              sig,
            );
            if (r.code !== 0) throw failure(r);
            return buildOcrPage(parseTsv(r.stdout), { pageNumber, engine: info.pageEngine, rotation });
          };
          // As in the tesseract.js worker: read the page as it is first, and ask OSD (a second process,
          // +57-68% of a page's time when run on every page) only when that reading does not look upright.
          const tFirst = performance.now();
          let page = await read(0);
          let orientationConfidence: number | null = null;
          let osdSeconds = 0;
          if (o.detectOrientation && !readsUpright(page)) {
            const tOsd = performance.now();
            const guess = await detect(imagePath, sig);
            osdSeconds = (performance.now() - tOsd) / 1000;
            orientationConfidence = guess.confidence;
            const rotation = decideRotation(guess, o.minOrientationConfidence);
            if (rotation !== 0) page = await read(rotation);
          }
          const tMargin = performance.now();
          if (o.marginPass) {
            page = await readMargins(
              pixels,
              page,
              async (png) => {
                // The pieces are stacked as lines of one block: block mode.
                const r = await tesseract(
                  'stdin',
                  ['-l', o.language, '--psm', '6', '--oem', '1', '-c', 'tessedit_create_tsv=1', '-c', 'tessedit_create_txt=0'],
                  png,
                  sig,
                );
                if (r.code !== 0) throw failure(r);
                return parseTsv(r.stdout);
              },
              sig,
            );
          }
          const tEnd = performance.now();
          return {
            page,
            orientationConfidence,
            timings: {
              osdSeconds,
              ocrSeconds: (tMargin - tFirst) / 1000 - osdSeconds,
              marginSeconds: (tEnd - tMargin) / 1000,
              totalSeconds: (tEnd - t0) / 1000,
            },
          };
        } catch (error) {
          if (sig.aborted) throw sig.reason;
          if (error instanceof ProcessFailure) throw pageError(classifyTesseractFailure(error.message), imagePath, pageNumber, error.message, engineName);
          if (BookpipeError.isInstance(error)) throw error;
          throw pageError('engine', imagePath, pageNumber, (error as Error).message, engineName);
        }
      });
    },
    destroy() {
      destroyed ??= (async () => {
        running.abort(new BookpipeError(ErrorCode.ABORTED, 'The OCR engine was destroyed.'));
        await tessdata.dispose();
      })();
      return destroyed;
    },
  };
}
