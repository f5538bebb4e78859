export {
  BLOCK_CLASSES,
  BlockClassSchema,
  BlockLabelSchema,
  LabelPageSchema,
  NumberingStyleSchema,
  PageNumberLocationSchema,
  PageRegionSchema,
  labelPageSchemaFor,
  type BlockClass,
  type BlockLabel,
  type LabelPage,
  type NumberingStyle,
  type PageNumberLocation,
  type PageRegion,
} from './label-schema.js';
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
