export { dehyphenate, paragraphText, type DehyphenateOptions, type DehyphenateResult, type DehyphenatedParagraph, type ParagraphJoin } from './dehyphenate.js';
export { decideHyphen, type HyphenDecision, type HyphenOptions, type HyphenReason } from './hyphen-decision.js';
export { buildVocabulary, type Vocabulary } from './vocabulary.js';
export { englishLexicon, createLexicon, type Lexicon } from './word-list.js';
export { editDistance, similarity } from './edit-distance.js';
export { CorrectionPageSchema, ParagraphCorrectionSchema, type CorrectionPage, type ParagraphCorrection } from './correction-schema.js';
export { CorrectionStage, type CorrectionStageOptions } from './correction-stage.js';
export { CorrectionPageMetricsSchema, CorrectionReportSchema, type CorrectionPageMetrics } from './correction-metrics.js';
export { CorrectionAnswerSchema, correctionResponseSchemaFor, CORRECTION_SCHEMA_NAME, type CorrectionAnswer } from './correction-answer.js';
export { CORRECTION_SYSTEM_PROMPT, correctionUserPrompt } from './prompts/correction-prompt.js';
// Helpers shared by the LLM stages (the label stage uses them too).
export {
  resolveLlm,
  configuredProvider,
  providerFromConfig,
  DEFAULT_MODELS,
  DEFAULT_BASE_URLS,
  type StageLlmOptions,
  type ResolvedLlm,
} from './llm-settings.js';
export { runLlmPages, llmMetrics, LLM_REQUEST_FAILED, type LlmPageJob, type LlmPagePlan, type PageOutput, type RunLlmPagesOptions } from './llm-pages.js';
export { pageImage, pageImageJpeg, checkPageImageOptions, SOURCE_STAGE, type PageImageOptions } from './page-image.js';
export { pinItems, pinProperty, replaceProperty, itemsOf } from './pinned-schema.js';
export { OCR_STAGE, loadOcrPage, bookVocabulary } from './ocr-input.js';
export { relativeBox } from './correction-page-builder.js';
