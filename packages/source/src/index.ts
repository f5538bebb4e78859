export { SourceStage } from './source-stage.js';
export type { SourceStageOptions } from './source-options.js';
export { SourcePageMetricsSchema, type SourcePageMetrics } from './source-metrics.js';
export { DEFAULT_DPI, DEFAULT_MAX_PIXELS, DEFAULT_MAX_INPUT_PIXELS } from './pixel-budget.js';
export type { GrayscaleOption } from './page-png.js';
export { discoverInputs, type DiscoveredInputs, type InputFile, type IgnoredFile } from './discover-inputs.js';
export type { FileKind } from './file-kind.js';
export { naturalCompare } from './natural-order.js';
