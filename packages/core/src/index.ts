export { BookpipeError, ErrorCode, describeError, type BookpipeErrorOptions } from './errors.js';
export {
  BBoxSchema,
  BasePageMetricsSchema,
  LlmPageMetricsSchema,
  OcrWordSchema,
  OcrLineSchema,
  OcrParagraphSchema,
  OcrBlockSchema,
  OcrPageSchema,
  ScanMetadataSchema,
  type BBox,
  type BasePageMetrics,
  type LlmPageMetrics,
  type OcrWord,
  type OcrLine,
  type OcrParagraph,
  type OcrBlock,
  type OcrPage,
  type ScanMetadata,
} from '@bookpipe/contracts';
export { loadConfig, configSecrets, hasLlm, type Config, type LogLevel, type ProviderName } from './config.js';
export { createLogger, silentLogger, safeStringify, type Logger, type LoggerOptions } from './logger.js';
export type { PipelineEvent, PipelineEventType, StageOutcome, EmitFn } from './events.js';
export type {
  BookStorage,
  StageStorage,
  StageStorageOptions,
  CheckpointManager,
  StageStatus,
  PageFailure,
  PageFormat,
  ScanLockHandle,
} from './storage.js';
export type { FileFolder } from './storage.js';
export { BaseStage, writeReport, type StageContext, type StageStats, type StageInputs, type TypedStageStorage } from './stage.js';
export {
  openStageInput,
  resolveDependency,
  dependenciesOf,
  type DependencyDeclaration,
  type Dependency,
  type StageInput,
} from './stage-input.js';
export { createStageContext, type StageContextOptions } from './stage-context.js';
export { processPages, fillPageMetrics, type ProcessPagesOptions, type PageResult, type PageMetricsInput } from './process-pages.js';
export { buildReport, csvCell, type Report, type ReportFailure, type ReportWarning } from './report.js';
export { Pipeline, pipelineResult, type PipelineOptions, type PipelineResult, type FailedPage, type RunOptions, type AnyStage } from './pipeline.js';
export { pageFileName, parsePageFileName, assertScanId } from './paths.js';
export { mapLimit } from './map-limit.js';
