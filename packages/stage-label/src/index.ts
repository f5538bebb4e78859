export { type LabelOptions, labelDeterministic } from './deterministic-labeller.js';
export { type FurnitureCandidate, furnitureCandidates, MAX_FURNITURE_CANDIDATES } from './furniture-candidates.js';
export { LABEL_SCHEMA_NAME, type LabelAnswer, LabelAnswerSchema, labelPageFromAnswer, labelResponseSchemaFor } from './label-answer.js';
export { type LabelPageMetrics, LabelPageMetricsSchema, LabelReportSchema } from './label-metrics.js';
export { BLOCK_TEXT_LIMIT, labelPromptJson } from './label-request.js';
export { LabelStage, type LabelStageOptions } from './label-stage.js';
export { findLineFurniture, type LineFurnitureOptions } from './line-furniture.js';
export {
  arabicInterpretations,
  type NumberInterpretation,
  type NumeralStyle,
  parseRoman,
  romanInterpretations,
  toRoman,
} from './page-number-text.js';
export { writePageNumbers } from './page-numbers-file.js';
export { BLOCK_CLASS_DEFINITIONS, LABEL_SYSTEM_PROMPT, labelUserPrompt } from './prompts/label-prompt.js';
export {
  type PageNumberReading,
  type ReconciledPageNumber,
  type ReconcileOptions,
  reconcilePageNumbers,
} from './reconcile-page-numbers.js';
