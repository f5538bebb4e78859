export { createOcrEngine } from './create-ocr-engine.js';
export type { OcrEngine, OcrEngineInfo, OcrPageResult, OcrTimings } from './engine.js';
export {
  type BookMetadataReading,
  type BookMetadataValues,
  DEFAULT_MIN_METADATA_CONFIDENCE,
  METADATA_FIELDS,
  type MetadataEvidence,
  type MetadataField,
  type MetadataMethod,
  type MetadataReading,
} from './metadata/book-metadata.js';
export type { MetadataLlmOptions } from './metadata/book-metadata-step.js';
export { BOOK_METADATA_FILE, type BookMetadataOptions, DEFAULT_METADATA_PAGES } from './metadata/book-metadata-step.js';
export { isValidIsbn10, isValidIsbn13, normaliseIsbn } from './metadata/isbn.js';
export { type ReadMetadataOptions, readMetadata } from './metadata/read-metadata.js';
export { isUserValue, type MetadataDecision, mergeMetadata } from './metadata/update-metadata.js';
export {
  type OcrPageMetrics,
  OcrPageMetricsSchema,
  OcrReportSchema,
  wordStats,
} from './metrics.js';
export { createOcrPool, type OcrPool } from './ocr-pool.js';
export { OcrStage, type OcrStageOptions } from './ocr-stage.js';
export {
  OCR_DEFAULTS,
  OCR_MODELS,
  type OcrEngineName,
  type OcrEngineOptions,
  type OcrModel,
  type ResolvedOcrOptions,
  resolveOcrOptions,
} from './options.js';
export { ocrPageText } from './page-text.js';
