import type { BOOK_STAGES, BookStageName } from '@bookpipe/book-pipeline';

// Spelt out, not taken from book-pipeline's BOOK_STAGES (or contracts' names) at run time: importing
// book-pipeline loads every stage (sharp, mupdf, piscina, the LLM SDKs) and contracts every schema, and
// `--help` needs only the names. The types below fail to compile if the lists ever differ.

/** Every stage the CLI knows, in pipeline order: those of the default pipeline. */
export const KNOWN_STAGES = ['source', 'ocr', 'correction', 'label', 'merge'] as const satisfies readonly BookStageName[];
export type KnownStage = BookStageName;

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameAsBookStages: Same<typeof KNOWN_STAGES, typeof BOOK_STAGES> = true;
void sameAsBookStages;

/** What one OCR worker holds at its peak on a 300 DPI page (tesseract.js, measured: stage-ocr's README). */
export const OCR_WORKER_MIB = 130;
