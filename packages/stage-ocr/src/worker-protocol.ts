/** Given once to every worker thread of a tesseract.js pool (piscina `workerData`). */
export interface TesseractJsWorkerConfig {
  /** Tesseract language string, `eng` or `eng+fra`. */
  language: string;
  /** Folder holding `<code>.traineddata.gz` for every language. */
  langPath: string;
  /** Folder holding `osd.traineddata.gz`; null when orientation detection is off. */
  osdLangPath: string | null;
  psm: number;
  recycleAfterPages: number;
  minOrientationConfidence: number;
  /** Run the margin pass (margin-pass.ts) after each page. */
  marginPass: boolean;
  initTimeoutMs: number;
  engine: OcrPage['engine'];
}

/** One page to read: the worker is pure, an image path in and an OCR page out. */
export interface OcrTask {
  imagePath: string;
  pageNumber: number;
}

export interface OcrTimings {
  /** Orientation detection. */
  osdSeconds: number;
  /** Rotation (when needed), recognition and conversion. */
  ocrSeconds: number;
  /** The margin pass: decode, finding pieces, reading them (0 when off). */
  marginSeconds?: number;
  /** Everything for this page, reading the file included. */
  totalSeconds: number;
}

/**
 * A worker's answer. Failures are values, not thrown errors: an Error crossing a thread loses its
 * fields, and the main thread needs the kind to word the message and pick the error code.
 */
export type OcrTaskOutcome =
  | { ok: true; page: OcrPage; orientationConfidence: number | null; timings: OcrTimings }
  | { ok: false; kind: OcrFailureKind; message: string };

/**
 * - `missing`: the image file does not exist.
 * - `unreadable`: the file exists but does not decode as an image.
 * - `engine`: tesseract itself failed (start-up, crash, unexpected output).
 */
export type OcrFailureKind = 'missing' | 'unreadable' | 'engine';

import type { OcrPage } from '@bookpipe/contracts';
