export { evaluateScan, writeEvalResult, readEvalResult, EVAL_FOLDER, EVAL_FILE, NORMALIZATION_NOTE, type EvaluateScanOptions } from './evaluate-scan.js';
export {
  EvalResultSchema,
  EvalPageSchema,
  ErrorRateSchema,
  TextScoresSchema,
  PageTextScoreSchema,
  OverallTextScoreSchema,
  ClassCountsSchema,
  ClassScoreSchema,
  ScoredClassSchema,
  TextStageSchema,
  TEXT_STAGES,
  type EvalResult,
  type EvalPage,
  type TextStage,
} from './eval-schema.js';
export { cer, wer, totalErrorRate, type ErrorRate, type ErrorRateOptions } from './error-rates.js';
export { editCounts, errorRate, type EditCounts } from './edit-counts.js';
export { normalizeText, countPrivateUse, TEXT_FORMS, type TextForm } from './normalize-text.js';
export {
  scoreLabels,
  addClassCounts,
  precisionRecall,
  boxesOverlap,
  scaleRegions,
  scoredClassOf,
  SCORED_CLASSES,
  type ScoredClass,
  type ClassCounts,
  type LabelledBlock,
  type LabelScoreOptions,
} from './label-scores.js';
export { matchPages, type PageMatch, type MatchRule, type MatchPagesOptions, type MatchPagesResult } from './match-pages.js';
export { ocrText, correctedText, mergedText } from './page-texts.js';
export { loadTruthFolder, loadPageMapFile, PAGE_MAP_FILE, type LoadTruthOptions } from './truth/load-truth.js';
export { parsePageXml, isPageXml } from './truth/page-xml.js';
export { parseRegionsJsonl, parseLinesJsonl } from './truth/regions-jsonl.js';
export { FURNITURE_KINDS, type TruthPage, type TruthRegion, type TruthKind, type TruthFormat, type TruthScope } from './truth/truth-page.js';
export { formatEvalTable } from './format-table.js';
