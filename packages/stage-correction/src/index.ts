export {
  type AnswerCheckOptions,
  checkParagraphAnswer,
  DEFAULT_MAX_CHANGE_SHARE,
  DEFAULT_MIN_CHANGE_ALLOWED,
  type ParagraphRejection,
} from './answer-check.js';
export { CORRECTION_SCHEMA_NAME, type CorrectionAnswer, CorrectionAnswerSchema, correctionResponseSchemaFor, EDIT_REF } from './correction-answer.js';
export { type CorrectionPageMetrics, CorrectionPageMetricsSchema, CorrectionReportSchema } from './correction-metrics.js';
export { CorrectionStage, type CorrectionStageOptions } from './correction-stage.js';
export { type AppliedEdits, applyEdits, type EditRejection, type EditRejectionReason, type ParagraphEdit } from './paragraph-edits.js';
export { type BookFacts, CORRECTION_SYSTEM_PROMPT, correctionRetryPrompt, correctionUserPrompt } from './prompts/correction-prompt.js';
