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

/**
 * What OCR workers hold at their peak on 300 DPI pages (tesseract.js, OSD only where needed), measured
 * as whole-process RSS on real pages (stage-ocr's README, 2026-12-05): the first worker about 155 MiB,
 * the language data included, and each further one about 75 MiB, as they share that data. (The old
 * single figure, 130 MiB, was the average of two workers' peaks: it undersold one worker and oversold more.)
 */
export const OCR_FIRST_WORKER_MIB = 155;
/** See OCR_FIRST_WORKER_MIB. */
export const OCR_MORE_WORKER_MIB = 75;

/** "about 155 MiB for the first worker and 75 MiB for each further one": the words the help and the notes use. */
export const OCR_WORKER_MEMORY = `about ${OCR_FIRST_WORKER_MIB} MiB for the first worker and ${OCR_MORE_WORKER_MIB} MiB for each further one`;
