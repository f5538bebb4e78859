export { dehyphenate, paragraphText, type DehyphenateOptions, type DehyphenateResult, type DehyphenatedParagraph, type ParagraphJoin } from './dehyphenate.js';
export { decideHyphen, type HyphenDecision, type HyphenOptions, type HyphenReason } from './hyphen-decision.js';
export { buildVocabulary, type Vocabulary } from './vocabulary.js';
export { englishLexicon, createLexicon, type Lexicon } from './word-list.js';
export { editDistance, similarity } from './edit-distance.js';
