export { type EditCounts, editCounts, errorRate } from './edit-counts.js';
export { cer, type ErrorRate, type ErrorRateOptions, totalErrorRate, wer } from './error-rates.js';
export {
  ClassCountsSchema,
  ClassScoreSchema,
  ErrorRateSchema,
  type EvalPage,
  EvalPageSchema,
  type EvalResult,
  EvalResultSchema,
  LineKindSchema,
  OverallTextScoreSchema,
  PageTextScoreSchema,
  ScoredClassSchema,
  TEXT_STAGES,
  TextScoresSchema,
  type TextStage,
  TextStageSchema,
} from './eval-schema.js';
export { EVAL_FILE, EVAL_FOLDER, type EvaluateScanOptions, evaluateScan, NORMALIZATION_NOTE, readEvalResult, writeEvalResult } from './evaluate-scan.js';
export { formatEvalTable } from './format-table.js';
export {
  addClassCounts,
  boxesOverlap,
  type ClassCounts,
  type LabelledBlock,
  type LabelScoreOptions,
  precisionRecall,
  SCORED_CLASSES,
  type ScoredClass,
  scaleRegions,
  scoredClassOf,
  scoreLabels,
} from './label-scores.js';
export { addLineCounts, type FurniturePiece, furniturePieces, LINE_KINDS, type LineKind, lineKindOfRegion, scoreLines } from './line-scores.js';
export { type MatchPagesOptions, type MatchPagesResult, type MatchRule, matchPages, type PageMatch } from './match-pages.js';
export { countPrivateUse, normalizeText, TEXT_FORMS, type TextForm } from './normalize-text.js';
export { correctedText, mergedText, ocrText } from './page-texts.js';
export { type LoadTruthOptions, loadPageMapFile, loadTruthFolder, PAGE_MAP_FILE } from './truth/load-truth.js';
export { isPageXml, parsePageXml } from './truth/page-xml.js';
export { parseLinesJsonl, parseRegionsJsonl } from './truth/regions-jsonl.js';
export { FURNITURE_KINDS, type TruthFormat, type TruthKind, type TruthPage, type TruthRegion, type TruthScope } from './truth/truth-page.js';
