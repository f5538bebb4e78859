/** The book-level metadata the OCR stage reads from a book's first pages, and how sure it is of each value. */

/** The fields read, in the order they are reported. */
export const METADATA_FIELDS = ['title', 'author', 'year', 'publisher', 'isbn', 'language'] as const;
export type MetadataField = (typeof METADATA_FIELDS)[number];

/** The type of each field's value, as metadata.json stores it. */
export interface BookMetadataValues {
  title: string;
  author: string;
  /** Publication year as printed (the earliest, when a copyright page lists several editions). */
  year: number;
  publisher: string;
  /** Compact form: digits (and a final X for an ISBN-10), check digit verified. */
  isbn: string;
  /** ISO 639-1 code ("en", "fr", "de", "la"...). */
  language: string;
}

/** How a value was read. */
export type MetadataMethod = 'deterministic' | 'llm';

/** Where a value was read: the page number and the line of OCR text (or the reason, for the language). */
export interface MetadataEvidence {
  page: number;
  line: string;
}

/** One field's value as read, with a confidence in 0..1 and the evidence for it. */
export interface MetadataReading<Value> {
  value: Value;
  confidence: number;
  evidence: MetadataEvidence;
  method: MetadataMethod;
  /** The model that gave it, for `method: 'llm'`. */
  model?: string;
}

/** Every field found (a field nothing was found for is absent). */
export type BookMetadataReading = { [F in MetadataField]?: MetadataReading<BookMetadataValues[F]> };

/**
 * Confidence from which a value read from the pages is written into metadata.json. The reader's
 * confidences are set so that a value at or above it has direct evidence of its kind (the largest
 * type on a sparse title page, a "by ..." line there, a year next to "copyright" or alone in the
 * imprint, an ISBN with a valid check digit); a guess (a name after "by" in running text, a year in
 * a preface) stays below it.
 */
export const DEFAULT_MIN_METADATA_CONFIDENCE = 0.7;
