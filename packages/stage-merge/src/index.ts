export { MergeStage, writeBook } from './merge-stage.js';
export { MergePageMetricsSchema, MergeReportSchema, type MergePageMetrics } from './merge-metrics.js';
export { resolveMergeOptions, type MergeStageOptions, type ResolvedMergeOptions } from './merge-options.js';
export { mergePage, type MergePageInputs, type MergedPage, type MergePageCounts, type PageNumberEntry } from './merge-page.js';
export { linkPages, continues, type PageEdge, type EdgeStart, type EdgeEnd } from './continuation.js';
export { buildBook, type BuildBookOptions } from './build-book.js';
export { renderMarkdown } from './render-markdown.js';
