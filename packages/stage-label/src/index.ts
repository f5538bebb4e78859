export {
  reconcilePageNumbers,
  type PageNumberReading,
  type ReconciledPageNumber,
  type ReconcileOptions,
} from './reconcile-page-numbers.js';
export {
  arabicInterpretations,
  romanInterpretations,
  parseRoman,
  toRoman,
  type NumberInterpretation,
  type NumeralStyle,
} from './page-number-text.js';
export { labelDeterministic, type LabelOptions } from './deterministic-labeller.js';
export { LabelStage, type LabelStageOptions } from './label-stage.js';
export { LabelPageMetricsSchema, LabelReportSchema, type LabelPageMetrics } from './label-metrics.js';
export { LabelAnswerSchema, labelResponseSchemaFor, labelPageFromAnswer, LABEL_SCHEMA_NAME, type LabelAnswer } from './label-answer.js';
export { writePageNumbers } from './page-numbers-file.js';
export { LABEL_SYSTEM_PROMPT, labelUserPrompt } from './prompts/label-prompt.js';
export { labelPromptJson, BLOCK_TEXT_LIMIT } from './label-request.js';
