export { CORRECTION_SCHEMA_NAME, type CorrectionAnswer, CorrectionAnswerSchema, correctionResponseSchemaFor } from './correction-answer.js';
export { type CorrectionPageMetrics, CorrectionPageMetricsSchema, CorrectionReportSchema } from './correction-metrics.js';
export { CorrectionStage, type CorrectionStageOptions } from './correction-stage.js';
export { CORRECTION_SYSTEM_PROMPT, correctionUserPrompt } from './prompts/correction-prompt.js';
