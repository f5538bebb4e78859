import type { OcrPage } from '@bookpipe/contracts';
import type { OcrEngineName, OcrModel } from './options.js';
import type { OcrTimings } from './worker-protocol.js';

export type { OcrTimings } from './worker-protocol.js';

/** What an engine is, recorded with every page it reads. */
export interface OcrEngineInfo {
  engine: OcrEngineName;
  /** As written into each page: `{ name, version, language, psm }`. */
  pageEngine: OcrPage['engine'];
  model: OcrModel;
  maxWorkers: number;
  detectOrientation: boolean;
}

export interface OcrPageResult {
  page: OcrPage;
  /** OSD's orientation confidence, null when not detected or when OSD found too little text. */
  orientationConfidence: number | null;
  timings: OcrTimings;
}

/**
 * Reads page images. Pure: an image path in, an OCR page out; it never writes scan storage. Up to
 * `maxWorkers` pages are read at once; more calls wait their turn.
 */
export interface OcrEngine {
  readonly info: OcrEngineInfo;
  /**
   * @param imagePath a PNG (or any image tesseract reads; not JPEG-compressed TIFF for tesseract.js).
   * @param pageNumber written into the page, and named in errors.
   * @throws BookpipeError INPUT_INVALID when the file is missing or does not decode, STAGE_FAILED when
   *   tesseract fails; both name the file and the page. An abort rejects with the signal's reason.
   */
  recognize(imagePath: string, pageNumber: number, signal?: AbortSignal): Promise<OcrPageResult>;
  /** Stops every worker or process and removes temporary files. Safe to call twice. */
  destroy(): Promise<void>;
}
