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
  LOW_CONFIDENCE_THRESHOLD,
  OcrPageMetricsSchema,
  OcrReportSchema,
  wordStats,
  type OcrPageMetrics,
} from './metrics.js';
export { ocrPageText } from './page-text.js';
