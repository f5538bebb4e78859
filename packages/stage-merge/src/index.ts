export { type BuildBookOptions, buildBook } from './build-book.js';
export { continues, type EdgeEnd, type EdgeStart, linkPages, type PageEdge } from './continuation.js';
export { type MergePageMetrics, MergePageMetricsSchema, MergeReportSchema } from './merge-metrics.js';
export { type MergeStageOptions, type ResolvedMergeOptions, resolveMergeOptions } from './merge-options.js';
export { type MergedPage, type MergePageCounts, type MergePageInputs, mergePage, type PageNumberEntry } from './merge-page.js';
export { MergeStage, writeBook } from './merge-stage.js';
export { renderMarkdown } from './render-markdown.js';
