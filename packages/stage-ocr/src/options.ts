import { availableParallelism } from 'node:os';
import { BookpipeError, ErrorCode } from '@bookpipe/core';

/** Which program reads the pages. */
export type OcrEngineName = 'tesseract.js' | 'native';

/**
 * Which `@tesseract.js-data/<lang>` model folder to read. `4.0.0_best_int` is the LSTM-only integer
 * model (2.9 MB for English); `4.0.0` adds the legacy engine's data (11 MB) and reads slower.
 */
export type OcrModel = '4.0.0_best_int' | '4.0.0';

export const OCR_MODELS: readonly OcrModel[] = ['4.0.0_best_int', '4.0.0'];

/** Options of the OCR engines, shared by `OcrStage` and `createOcrEngine`. */
export interface OcrEngineOptions {
  /**
   * `'tesseract.js'` (WebAssembly in worker threads, nothing to install) or `'native'` (the system
   * `tesseract` binary, Debian/Ubuntu package `tesseract-ocr`, one process per page).
   * @default 'tesseract.js'
   */
  engine?: OcrEngineName;
  /**
   * Pages read at once: worker threads for tesseract.js, processes for native tesseract.
   * @default config.ocr.maxWorkers (BOOKPIPE_OCR_WORKERS) ?? os.availableParallelism()
   */
  maxWorkers?: number;
  /**
   * Tesseract language code(s), `+`-separated for several (`'eng+fra'`). Each language's data comes from
   * the npm package `@tesseract.js-data/<lang>`, which must be installed (English ships with this package).
   * @default 'eng'
   */
  language?: string;
  /**
   * Tesseract page segmentation mode, 1..13 (0 only detects orientation and reads no text).
   * @default 3 (fully automatic page segmentation, the tesseract CLI's default)
   */
  psm?: number;
  /**
   * Model folder of `@tesseract.js-data/<lang>`. Both engines read the same file, so their outputs compare.
   * The default was chosen by measurement on real scans: the same error rate as `4.0.0` against the
   * old-books truth (21.45% vs 21.38% mean), 14-27% faster, a quarter of the size (see the README).
   * @default '4.0.0_best_int'
   */
  model?: OcrModel;
  /**
   * tesseract.js only: a worker thread's tesseract instance is replaced after this many pages, because
   * its memory grows page after page (tesseract.js#1045) and its adaptive classifier learns across
   * pages. `Infinity` never replaces it.
   * @default 100
   */
  recycleAfterPages?: number;
  /**
   * Detects each page's orientation (0/90/180/270) with tesseract's OSD model and reads the page
   * upright. Measured cost: +20% time per page with tesseract.js, +57% with native tesseract.
   * @default true
   */
  detectOrientation?: boolean;
  /**
   * Orientation confidence (tesseract's OSD scale) under which a page is left as it is: OSD guesses on
   * pages with little text. 14 is OCRmyPDF's default for the same decision (`--rotate-pages-threshold`).
   * @default 14
   */
  minOrientationConfidence?: number;
  /**
   * After each page, reads again the ink the page read left out just above its first line and below its
   * last (a folio alone in a corner, a catch-word), as blocks marked `pass: 'margin'` that the label
   * stage can call furniture; they never become reading text otherwise. See margin-pass.ts.
   * @default true
   */
  marginPass?: boolean;
  /**
   * Native engine only: the tesseract program, a path or a name looked up on PATH.
   * @default 'tesseract'
   */
  tesseractPath?: string;
  /**
   * How long starting one tesseract.js instance (loading WebAssembly and the model) may take before it
   * is an error; a misconfigured tesseract.js can otherwise wait forever.
   * @default 60000
   */
  initTimeoutMs?: number;
}

/** Every option filled in and checked. */
export interface ResolvedOcrOptions {
  engine: OcrEngineName;
  maxWorkers: number;
  language: string;
  languages: string[];
  psm: number;
  model: OcrModel;
  recycleAfterPages: number;
  detectOrientation: boolean;
  minOrientationConfidence: number;
  marginPass: boolean;
  tesseractPath: string;
  initTimeoutMs: number;
}

export const OCR_DEFAULTS = {
  engine: 'tesseract.js',
  language: 'eng',
  psm: 3,
  model: '4.0.0_best_int',
  recycleAfterPages: 100,
  detectOrientation: true,
  minOrientationConfidence: 14,
  marginPass: true,
  tesseractPath: 'tesseract',
  initTimeoutMs: 60_000,
} as const satisfies Partial<ResolvedOcrOptions>;

/**
 * Fills in defaults and checks every option.
 * @param configWorkers `config.ocr.maxWorkers`, used when `options.maxWorkers` is not given.
 * @throws BookpipeError CONFIG_INVALID naming the option, the value and what is allowed.
 */
export function resolveOcrOptions(options: OcrEngineOptions = {}, configWorkers?: number): ResolvedOcrOptions {
  const invalid = (name: string, value: unknown, expected: string) =>
    new BookpipeError(ErrorCode.CONFIG_INVALID, `[stage-ocr] Invalid option \`${name}\`: ${JSON.stringify(value) ?? String(value)}. Expected ${expected}.`, {
      details: { option: name },
    });
  const engine = options.engine ?? OCR_DEFAULTS.engine;
  if (engine !== 'tesseract.js' && engine !== 'native') throw invalid('engine', engine, '"tesseract.js" or "native"');

  const maxWorkers = options.maxWorkers ?? configWorkers ?? availableParallelism();
  if (!Number.isInteger(maxWorkers) || maxWorkers < 1) throw invalid('maxWorkers', maxWorkers, 'an integer >= 1');

  const language = options.language ?? OCR_DEFAULTS.language;
  // Tesseract codes are lowercase letters, digits and "_" (chi_sim, deu_latf); no path characters.
  if (typeof language !== 'string' || !/^[a-z][a-z0-9_]*(\+[a-z][a-z0-9_]*)*$/.test(language)) {
    throw invalid('language', language, 'tesseract language codes such as "eng" or "eng+fra"');
  }

  const psm = options.psm ?? OCR_DEFAULTS.psm;
  if (!Number.isInteger(psm) || psm < 1 || psm > 13) {
    throw invalid('psm', psm, 'an integer from 1 to 13 (0 only detects orientation; use detectOrientation for that)');
  }

  const model = options.model ?? OCR_DEFAULTS.model;
  if (!OCR_MODELS.includes(model)) throw invalid('model', model, OCR_MODELS.map((m) => `"${m}"`).join(' or '));

  const recycleAfterPages = options.recycleAfterPages ?? OCR_DEFAULTS.recycleAfterPages;
  if (!(recycleAfterPages === Infinity || (Number.isInteger(recycleAfterPages) && recycleAfterPages >= 1))) {
    throw invalid('recycleAfterPages', recycleAfterPages, 'an integer >= 1 or Infinity');
  }

  const detectOrientation = options.detectOrientation ?? OCR_DEFAULTS.detectOrientation;
  if (typeof detectOrientation !== 'boolean') throw invalid('detectOrientation', detectOrientation, 'true or false');

  const minOrientationConfidence = options.minOrientationConfidence ?? OCR_DEFAULTS.minOrientationConfidence;
  if (typeof minOrientationConfidence !== 'number' || !(minOrientationConfidence >= 0)) {
    throw invalid('minOrientationConfidence', minOrientationConfidence, 'a number >= 0');
  }

  const marginPass = options.marginPass ?? OCR_DEFAULTS.marginPass;
  if (typeof marginPass !== 'boolean') throw invalid('marginPass', marginPass, 'true or false');

  const tesseractPath = options.tesseractPath ?? OCR_DEFAULTS.tesseractPath;
  if (typeof tesseractPath !== 'string' || tesseractPath === '') throw invalid('tesseractPath', tesseractPath, 'a program name or path');

  const initTimeoutMs = options.initTimeoutMs ?? OCR_DEFAULTS.initTimeoutMs;
  if (!Number.isInteger(initTimeoutMs) || initTimeoutMs < 1) throw invalid('initTimeoutMs', initTimeoutMs, 'an integer >= 1');

  return {
    engine,
    maxWorkers,
    language,
    languages: language.split('+'),
    psm,
    model,
    recycleAfterPages,
    detectOrientation,
    minOrientationConfidence,
    marginPass,
    tesseractPath,
    initTimeoutMs,
  };
}
