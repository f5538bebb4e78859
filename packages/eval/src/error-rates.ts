import { type EditCounts, editCounts, errorRate } from './edit-counts.js';
import { normalizeText, type TextForm, wordsOf } from './normalize-text.js';

/** An error rate with the counts it comes from. */
export interface ErrorRate extends EditCounts {
  /** edits / referenceLength. */
  rate: number;
}

export interface ErrorRateOptions {
  /**
   * How both texts are prepared before they are compared (see `normalizeText`).
   * @default 'normalized'
   */
  form?: TextForm;
}

const withRate = (counts: EditCounts): ErrorRate => ({ ...counts, rate: errorRate(counts) });

/**
 * Character error rate of `hypothesis` against `reference`: Levenshtein edits over Unicode code points
 * divided by the reference's length in code points, after both are put in the same form.
 *
 * @example cer('kitten', 'sitting') // { rate: 0.5, edits: 3, substitutions: 2, insertions: 1, ... }
 */
export function cer(reference: string, hypothesis: string, options: ErrorRateOptions = {}): ErrorRate {
  const form = options.form ?? 'normalized';
  return withRate(editCounts(Array.from(normalizeText(reference, form)), Array.from(normalizeText(hypothesis, form))));
}

/**
 * Word error rate: Levenshtein edits over words (split at whitespace, punctuation kept as part of the word,
 * case kept) divided by the number of reference words, after both texts are put in the same form.
 */
export function wer(reference: string, hypothesis: string, options: ErrorRateOptions = {}): ErrorRate {
  const form = options.form ?? 'normalized';
  return withRate(editCounts(wordsOf(normalizeText(reference, form)), wordsOf(normalizeText(hypothesis, form))));
}

/** The rate of counts summed over pages: total edits over total reference length, not a mean of page rates. */
export function totalErrorRate(rates: readonly EditCounts[]): ErrorRate {
  const total: EditCounts = { referenceLength: 0, hypothesisLength: 0, edits: 0, substitutions: 0, deletions: 0, insertions: 0 };
  for (const c of rates) {
    total.referenceLength += c.referenceLength;
    total.hypothesisLength += c.hypothesisLength;
    total.edits += c.edits;
    total.substitutions += c.substitutions;
    total.deletions += c.deletions;
    total.insertions += c.insertions;
  }
  return withRate(total);
}
