export { type DiscoveredInputs, discoverInputs, type IgnoredFile, type InputFile } from './discover-inputs.js';
export type { FileKind } from './file-kind.js';
export { naturalCompare } from './natural-order.js';
export type { GrayscaleOption } from './page-png.js';
export { DEFAULT_DPI, DEFAULT_MAX_INPUT_PIXELS, DEFAULT_MAX_PIXELS } from './pixel-budget.js';
export { type SourcePageMetrics, SourcePageMetricsSchema } from './source-metrics.js';
export type { SourceStageOptions } from './source-options.js';
export { SourceStage } from './source-stage.js';
