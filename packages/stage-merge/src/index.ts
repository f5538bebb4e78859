export { MergeStage, writeBook, BOOK_JSON, BOOK_MD } from './merge-stage.js';
export { resolveMergeOptions, type MergeStageOptions, type ResolvedMergeOptions } from './merge-options.js';
export {
  MergePageSchema,
  MergeBlockSchema,
  MergeParagraphSchema,
  ContinuationSchema,
  MergeInputStateSchema,
  MergePageMetricsSchema,
  MergeReportSchema,
  type MergePage,
  type MergeBlock,
  type MergeParagraph,
  type Continuation,
  type MergeInputState,
  type MergePageMetrics,
} from './merge-schema.js';
export {
  BookSchema,
  BookChapterSchema,
  BookItemSchema,
  BookHeadingSchema,
  BookParagraphSchema,
  BookFootnoteSchema,
  BookPageSchema,
  BookTextPartSchema,
  PageBreakJoinSchema,
  FootnoteRefSchema,
  type Book,
  type BookChapter,
  type BookItem,
  type BookHeading,
  type BookParagraph,
  type BookFootnote,
  type BookPage,
  type BookTextPart,
  type PageBreakJoin,
  type FootnoteRef,
} from './book-schema.js';
export { mergePage, type MergePageInputs, type MergedPage, type MergePageCounts, type PageNumberEntry } from './merge-page.js';
export { linkPages, continues, type PageEdge, type EdgeStart, type EdgeEnd } from './continuation.js';
export { buildBook, type BuildBookOptions } from './build-book.js';
export { renderMarkdown } from './render-markdown.js';
export { blockRole, type BlockRole } from './block-roles.js';
