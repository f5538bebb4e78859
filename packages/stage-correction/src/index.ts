export { CorrectionStage, type CorrectionStageOptions } from './correction-stage.js';
export { CorrectionPageMetricsSchema, CorrectionReportSchema, type CorrectionPageMetrics } from './correction-metrics.js';
export { CorrectionAnswerSchema, correctionResponseSchemaFor, CORRECTION_SCHEMA_NAME, type CorrectionAnswer } from './correction-answer.js';
export { CORRECTION_SYSTEM_PROMPT, correctionUserPrompt } from './prompts/correction-prompt.js';
