export { OcrStage, type OcrStageOptions } from './ocr-stage.js';
export { createOcrEngine } from './create-ocr-engine.js';
export type { OcrEngine, OcrEngineInfo, OcrPageResult, OcrTimings } from './engine.js';
export {
  OCR_DEFAULTS,
  OCR_MODELS,
  resolveOcrOptions,
  type OcrEngineName,
  type OcrEngineOptions,
  type OcrModel,
  type ResolvedOcrOptions,
} from './options.js';
export {
  OcrPageMetricsSchema,
  OcrReportSchema,
  wordStats,
  type OcrPageMetrics,
} from './metrics.js';
export { ocrPageText } from './page-text.js';
export {
  DEFAULT_MIN_METADATA_CONFIDENCE,
  METADATA_FIELDS,
  type BookMetadataReading,
  type BookMetadataValues,
  type MetadataEvidence,
  type MetadataField,
  type MetadataMethod,
  type MetadataReading,
} from './metadata/book-metadata.js';
export { readMetadata, type ReadMetadataOptions } from './metadata/read-metadata.js';
export { BOOK_METADATA_FILE, DEFAULT_METADATA_PAGES, type BookMetadataOptions } from './metadata/book-metadata-step.js';
export type { MetadataLlmOptions } from './metadata/book-metadata-step.js';
export { isUserValue, mergeMetadata, type MetadataDecision } from './metadata/update-metadata.js';
export { isValidIsbn10, isValidIsbn13, normaliseIsbn } from './metadata/isbn.js';
