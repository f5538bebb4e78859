// Text algorithms more than one stage needs: the correction stage de-hyphenates line ends with them, the
// merge stage joins words broken across page breaks. Plain functions on OCR pages and strings.
export { type DehyphenatedParagraph, type DehyphenateOptions, type DehyphenateResult, dehyphenate, type ParagraphJoin, paragraphText } from './dehyphenate.js';
export { editDistance, similarity } from './edit-distance.js';
export { decideHyphen, type HyphenDecision, type HyphenOptions, type HyphenReason } from './hyphen-decision.js';
export { textVocabulary } from './text-vocabulary.js';
export { lineTokens, wordCore } from './tokens.js';
export { buildVocabulary, type Vocabulary } from './vocabulary.js';
export { createLexicon, englishLexicon, type Lexicon } from './word-list.js';
