// The kit for stages that call an LLM: everything the correction and label stages share, and what a
// user's own LLM stage needs, so that no stage imports another stage.

export { BATCH_JOURNAL_FILE, type BatchJournal, type BatchJournalEntry, readBatchJournal } from './batch-journal.js';
export { IMAGE_SIZE_RULES, type ImageSizeRule, imageSizeRule, imageTargetSize } from './image-size.js';
export {
  LLM_REQUEST_FAILED,
  type LlmPageJob,
  type LlmPagePart,
  type LlmPagePlan,
  type LlmPageSplit,
  llmMetrics,
  type PageOutput,
  type RunLlmPagesOptions,
  runLlmPages,
} from './llm-pages.js';
export {
  API_KEY_VARIABLES,
  configuredProvider,
  createLlmClient,
  DEFAULT_BASE_URLS,
  DEFAULT_MODELS,
  type LlmBatchMode,
  type LlmClientOptions,
  providerFromConfig,
  type ResolvedLlm,
  resolveLlm,
  type StageLlmOptions,
} from './llm-settings.js';
export { bookVocabulary } from './ocr-input.js';
export { checkPageImageOptions, llmPageImage, type PageImageOptions, pageImage, pageImageJpeg } from './page-image.js';
export { PageImageCache, pageImageCacheFor } from './page-image-cache.js';
export { itemsOf, pinItems, pinProperty, replaceProperty, withoutDescriptions } from './pinned-schema.js';
export { relativeBox } from './relative-box.js';
