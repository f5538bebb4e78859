export {
  type BasePageMetrics,
  BasePageMetricsSchema,
  type BBox,
  BBoxSchema,
  type LlmPageMetrics,
  LlmPageMetricsSchema,
  type OcrBlock,
  OcrBlockSchema,
  type OcrLine,
  OcrLineSchema,
  type OcrPage,
  OcrPageSchema,
  type OcrParagraph,
  OcrParagraphSchema,
  type OcrWord,
  OcrWordSchema,
  type ScanMetadata,
  ScanMetadataSchema,
} from '@bookpipe/contracts';
export { type Config, configSecrets, hasLlm, type LogLevel, loadConfig, type ProviderName } from './config.js';
export { BookpipeError, type BookpipeErrorOptions, describeError, ErrorCode } from './errors.js';
export type { EmitFn, PipelineEvent, PipelineEventType, StageOutcome } from './events.js';
export { createLogger, type Logger, type LoggerOptions, safeStringify, silentLogger } from './logger.js';
export { mapLimit } from './map-limit.js';
export { PageReadCache } from './page-read-cache.js';
export { assertScanId, pageFileName, parsePageFileName } from './paths.js';
export { type AnyStage, type FailedPage, Pipeline, type PipelineOptions, type PipelineResult, pipelineResult, type RunOptions } from './pipeline.js';
export { fillPageMetrics, type PageMetricsInput, type PageResult, type ProcessPagesOptions, processPages } from './process-pages.js';
export { buildReport, csvCell, type Report, type ReportFailure, type ReportWarning } from './report.js';
export { BaseStage, type StageContext, type StageInputs, type StageStats, type TypedStageStorage, writeReport } from './stage.js';
export { createStageContext, type StageContextOptions } from './stage-context.js';
export {
  type Dependency,
  type DependencyDeclaration,
  dependenciesOf,
  openStageInput,
  resolveDependency,
  type StageInput,
} from './stage-input.js';
export type {
  BookStorage,
  CheckpointManager,
  CleanReport,
  FileFolder,
  PageFailure,
  PageFormat,
  ScanLockHandle,
  StageStatus,
  StageStorage,
  StageStorageOptions,
  StatusOptions,
} from './storage.js';
