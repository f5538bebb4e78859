import type { OcrPage, OcrParagraph } from '@bookpipe/contracts';
import { decideHyphen, type HyphenDecision } from './hyphen-decision.js';
import { endsWithClosedDash, lineTokens, startsWithDash, trailingHyphen } from './tokens.js';
import { buildVocabulary, type Vocabulary } from './vocabulary.js';
import { englishLexicon, type Lexicon } from './word-list.js';

export interface DehyphenateOptions {
  /** Word list with commonness ranks. @default englishLexicon() (SCOWL levels 10-70, every English dialect) */
  lexicon?: Lexicon;
  /**
   * Word counts of the book away from line ends, consulted before the lexicon. Build it once
   * with `buildVocabulary(allPagesOfTheBook)` for book-wide evidence.
   * @default buildVocabulary([page]) (the page being de-hyphenated)
   */
  vocabulary?: Vocabulary;
}

/** A line-end hyphen decision, placed in its paragraph. */
export interface ParagraphJoin extends HyphenDecision {
  /** 0-based index of the paragraph line whose end carries the hyphen. */
  lineIndex: number;
}

export interface DehyphenatedParagraph {
  blockNum: number;
  parNum: number;
  /**
   * The paragraph as one line of text, line-end hyphens resolved; null when that equals the OCR
   * lines joined by single spaces (nothing for a corrector to report).
   */
  text: string | null;
  joins: ParagraphJoin[];
  /** The paragraph's last token when it ends with a hyphen: the word may go on in the next paragraph or page. */
  trailingHyphen: string | null;
}

export interface DehyphenateResult {
  paragraphs: DehyphenatedParagraph[];
  /** Line-end hyphens removed by joining the halves. */
  joined: number;
  /** Line-end hyphens kept as compounds. */
  keptHyphens: number;
  /** Paragraphs ending with a hyphen, left as they are: the merge stage can join across paragraphs and pages with `decideHyphen`. */
  trailingHyphens: Array<{ blockNum: number; parNum: number; word: string }>;
}

/**
 * Joins the words split by line-end hyphens on one OCR page ("cam-" / "paign" -> "campaign") and
 * keeps the hyphen of compounds ("well-" / "known" -> "well-known"), paragraph by paragraph.
 * Deterministic and offline: the rules are those of `decideHyphen`. With no LLM configured this
 * is the whole correction stage.
 */
export function dehyphenate(page: OcrPage, options: DehyphenateOptions = {}): DehyphenateResult {
  const resolved = {
    lexicon: options.lexicon ?? englishLexicon(),
    vocabulary: options.vocabulary ?? buildVocabulary([page]),
  };
  const result: DehyphenateResult = { paragraphs: [], joined: 0, keptHyphens: 0, trailingHyphens: [] };
  for (const block of page.blocks) {
    for (const paragraph of block.paragraphs) {
      const { text, joins, trailingHyphen: trailing } = joinParagraph(paragraph, resolved);
      const plain = paragraph.lines
        .map((line) => lineTokens(line).join(' '))
        .filter(Boolean)
        .join(' ');
      result.paragraphs.push({
        blockNum: block.blockNum,
        parNum: paragraph.parNum,
        text: text === plain ? null : text,
        joins,
        trailingHyphen: trailing,
      });
      for (const join of joins) {
        if (join.keptHyphen) result.keptHyphens += 1;
        else result.joined += 1;
      }
      if (trailing !== null) result.trailingHyphens.push({ blockNum: block.blockNum, parNum: paragraph.parNum, word: trailing });
    }
  }
  return result;
}

/**
 * The text of one OCR paragraph as a single line: lines joined by a space, words broken by a
 * line-end hyphen joined (or kept as compounds), no space around a dash set close to its word
 * ("Energy—" / "Industry" -> "Energy—Industry"). Whitespace inside lines becomes single spaces.
 */
export function paragraphText(paragraph: OcrParagraph, options: DehyphenateOptions = {}): string {
  return joinParagraph(paragraph, {
    lexicon: options.lexicon ?? englishLexicon(),
    vocabulary: options.vocabulary,
  }).text;
}

function joinParagraph(
  paragraph: OcrParagraph,
  options: { lexicon: Lexicon; vocabulary: Vocabulary | undefined },
): { text: string; joins: ParagraphJoin[]; trailingHyphen: string | null } {
  const out: string[] = [];
  const joins: ParagraphJoin[] = [];
  paragraph.lines.forEach((line, lineIndex) => {
    const tokens = lineTokens(line);
    const first = tokens[0];
    const previous = out.at(-1);
    if (first === undefined) return;
    if (previous === undefined) {
      out.push(...tokens);
      return;
    }
    // The previous output token may itself be the product of a join ("in-" + "ter-" + "national").
    const decision = decideHyphen(previous, first, options);
    if (decision) {
      joins.push({ ...decision, lineIndex: lastLineWithTokens(paragraph, lineIndex) });
      out[out.length - 1] = decision.joined;
      out.push(...tokens.slice(1));
    } else if (endsWithClosedDash(previous) || startsWithDash(first)) {
      out[out.length - 1] = previous + first;
      out.push(...tokens.slice(1));
    } else {
      out.push(...tokens);
    }
  });
  const last = out.at(-1);
  return { text: out.join(' '), joins, trailingHyphen: last !== undefined && trailingHyphen(last) ? last : null };
}

/** The index of the last line before `lineIndex` that has any token (empty OCR lines are skipped). */
function lastLineWithTokens(paragraph: OcrParagraph, lineIndex: number): number {
  for (let index = lineIndex - 1; index >= 0; index -= 1) {
    const line = paragraph.lines[index];
    if (line && lineTokens(line).length > 0) return index;
  }
  return lineIndex - 1;
}
