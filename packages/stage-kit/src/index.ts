// The kit for stages that call an LLM: everything the correction and label stages share, and what a
// user's own LLM stage needs, so that no stage imports another stage.
export {
  resolveLlm,
  configuredProvider,
  providerFromConfig,
  DEFAULT_MODELS,
  DEFAULT_BASE_URLS,
  API_KEY_VARIABLES,
  createLlmClient,
  type LlmClientOptions,
  type StageLlmOptions,
  type ResolvedLlm,
} from './llm-settings.js';
export { runLlmPages, llmMetrics, LLM_REQUEST_FAILED, type LlmPageJob, type LlmPagePlan, type PageOutput, type RunLlmPagesOptions } from './llm-pages.js';
export { pageImage, pageImageJpeg, checkPageImageOptions, type PageImageOptions } from './page-image.js';
export { pinItems, pinProperty, replaceProperty, itemsOf } from './pinned-schema.js';
export { bookVocabulary } from './ocr-input.js';
export { relativeBox } from './relative-box.js';
