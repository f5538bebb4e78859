// Text algorithms more than one stage needs: the correction stage de-hyphenates line ends with them, the
// merge stage joins words broken across page breaks. Plain functions on OCR pages and strings.
export { dehyphenate, paragraphText, type DehyphenateOptions, type DehyphenateResult, type DehyphenatedParagraph, type ParagraphJoin } from './dehyphenate.js';
export { decideHyphen, type HyphenDecision, type HyphenOptions, type HyphenReason } from './hyphen-decision.js';
export { buildVocabulary, type Vocabulary } from './vocabulary.js';
export { textVocabulary } from './text-vocabulary.js';
export { englishLexicon, createLexicon, type Lexicon } from './word-list.js';
export { editDistance, similarity } from './edit-distance.js';
export { lineTokens, wordCore } from './tokens.js';
