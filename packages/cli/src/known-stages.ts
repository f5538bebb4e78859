import type { BOOK_STAGES, BookStageName } from '@bookpipe/book-pipeline';
import { CORRECTION_STAGE, LABEL_STAGE, MERGE_STAGE, OCR_STAGE, SOURCE_STAGE } from '@bookpipe/contracts';

// Spelt out from contracts, not taken from book-pipeline's BOOK_STAGES at run time: importing book-pipeline
// loads every stage (sharp, mupdf, piscina, the LLM SDKs), and `status`, `report` and `--help` need only the
// names. The type below fails to compile if the two lists ever differ.

/** Every stage the CLI knows, in pipeline order: those of the default pipeline. */
export const KNOWN_STAGES = [SOURCE_STAGE, OCR_STAGE, CORRECTION_STAGE, LABEL_STAGE, MERGE_STAGE] as const satisfies readonly BookStageName[];
export type KnownStage = BookStageName;

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameAsBookStages: Same<typeof KNOWN_STAGES, typeof BOOK_STAGES> = true;
void sameAsBookStages;

/** What one OCR worker holds at its peak on a 300 DPI page (tesseract.js, measured: stage-ocr's README). */
export const OCR_WORKER_MIB = 130;
