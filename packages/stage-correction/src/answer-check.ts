import type { CorrectionRejection } from '@bookpipe/contracts';
import { editDistance } from '@bookpipe/text';

/** How far a model's text may move from the text it replaces before it is refused. */
export interface AnswerCheckOptions {
  /**
   * Largest share of a paragraph's characters a correction may change (edit distance over the length
   * of the text the model was given). OCR errors touch a few letters a line; a model that changes a
   * fifth of a paragraph is rewriting it, not proofreading it.
   * @default 0.15
   */
  maxChangeShare?: number;
  /**
   * Characters any paragraph may have changed whatever its length, so that a short line ("Tbe ",
   * "CHAPTEE I") can still be fixed.
   * @default 3
   */
  minChangeAllowed?: number;
}

export const DEFAULT_MAX_CHANGE_SHARE = 0.15;
export const DEFAULT_MIN_CHANGE_ALLOWED = 3;

/** A paragraph text refused, with the measure behind it in words. */
export interface ParagraphRejection {
  reason: CorrectionRejection;
  detail: string;
}

/**
 * Checks one paragraph of a model's answer against the text it replaces (`given`: the OCR text after
 * de-hyphenation, what the model was shown). `answer` null means "unchanged" and is always accepted.
 * Returns undefined when accepted, else the named reason:
 * - `empty`: the paragraph has text and the answer has none (small models answer "" for "no change");
 * - `too_many_changes`: the edit distance is above `max(minChangeAllowed, maxChangeShare × length)`.
 */
export function checkParagraphAnswer(given: string, answer: string | null, options: AnswerCheckOptions = {}): ParagraphRejection | undefined {
  if (answer === null) return undefined;
  const text = answer.replace(/\s+/g, ' ').trim();
  if (text === given) return undefined;
  if (text === '' && given.trim() !== '') return { reason: 'empty', detail: `emptied a paragraph of ${given.length} characters` };
  const share = options.maxChangeShare ?? DEFAULT_MAX_CHANGE_SHARE;
  const allowed = Math.max(options.minChangeAllowed ?? DEFAULT_MIN_CHANGE_ALLOWED, Math.floor(share * given.length));
  const distance = editDistance(given, text);
  if (distance <= allowed) return undefined;
  const percent = given.length === 0 ? 100 : Math.round((distance / given.length) * 100);
  return {
    reason: 'too_many_changes',
    detail: `changed ${distance} of ${given.length} characters (${percent}%; at most ${allowed}, ${Math.round(share * 100)}%, allowed)`,
  };
}

/** Checks the options at construction, with the value in the message. */
export function checkAnswerCheckOptions(stage: string, options: AnswerCheckOptions): void {
  const { maxChangeShare, minChangeAllowed } = options;
  if (maxChangeShare !== undefined && !(Number.isFinite(maxChangeShare) && maxChangeShare > 0 && maxChangeShare <= 1)) {
    throw new TypeError(`[${stage}] \`maxChangeShare\` must be a number in (0, 1], got ${maxChangeShare}`);
  }
  if (minChangeAllowed !== undefined && !(Number.isInteger(minChangeAllowed) && minChangeAllowed >= 0)) {
    throw new TypeError(`[${stage}] \`minChangeAllowed\` must be an integer >= 0, got ${minChangeAllowed}`);
  }
}
