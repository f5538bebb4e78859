import type { ZodType } from 'zod';
import { type OcrPage, OcrPageSchema } from './base-schemas.js';
import { type CorrectionPage, CorrectionPageSchema } from './correction-page.js';
import { type LabelPage, LabelPageSchema } from './label-page.js';
import { type MergePage, MergePageSchema } from './merge-page.js';

/** How a stage's page files are stored: validated JSON, or an image (the source stage's PNG pages). */
export type PageFormat = 'json' | 'png';

/** The folder names of bookpipe's own stages. A user's stage may take any other plain name. */
export const SOURCE_STAGE = 'source';
export const OCR_STAGE = 'ocr';
export const CORRECTION_STAGE = 'correction';
export const LABEL_STAGE = 'label';
export const MERGE_STAGE = 'merge';

export type BuiltinStageName = typeof SOURCE_STAGE | typeof OCR_STAGE | typeof CORRECTION_STAGE | typeof LABEL_STAGE | typeof MERGE_STAGE;

/**
 * What one stage's page files are: their format and, for JSON pages, the schema each one holds.
 * `Page` is the parsed page (`Uint8Array` bytes for an image format).
 */
export interface StagePages<Page = unknown> {
  readonly format: PageFormat;
  /** Validates a JSON page file; absent for image pages. */
  readonly schema?: ZodType<Page>;
}

/** The page files of bookpipe's own stages: what a later stage (or a user's) reads from each. */
export const BUILTIN_STAGE_PAGES = {
  source: { format: 'png' } as StagePages<Uint8Array>,
  ocr: { format: 'json', schema: OcrPageSchema } as StagePages<OcrPage>,
  correction: { format: 'json', schema: CorrectionPageSchema } as StagePages<CorrectionPage>,
  label: { format: 'json', schema: LabelPageSchema } as StagePages<LabelPage>,
  merge: { format: 'json', schema: MergePageSchema } as StagePages<MergePage>,
} as const satisfies Record<BuiltinStageName, StagePages>;

/** The page type of a built-in stage: `StagePage<'ocr'>` is `OcrPage`. */
export type StagePage<Name extends BuiltinStageName> = (typeof BUILTIN_STAGE_PAGES)[Name] extends StagePages<infer P> ? P : never;

/** The page format of a stage: the built-in stages' own, JSON for any other. */
export function pageFormatOf(stage: string): PageFormat {
  return stage in BUILTIN_STAGE_PAGES ? BUILTIN_STAGE_PAGES[stage as BuiltinStageName].format : 'json';
}
