import {
  type BlockLabel,
  blockRole,
  type CorrectionPage,
  isHeadingLine,
  type LabelPage,
  type MergeBlock,
  type MergeInputState,
  type MergePage,
  type MergeParagraph,
  type OcrPage,
  type OcrParagraph,
  type PageNumbersFile,
} from '@bookpipe/contracts';
import { buildVocabulary, englishLexicon, type Lexicon, paragraphText, type Vocabulary } from '@bookpipe/text';
import { edgeEnd, edgeStart, type PageEdge } from './continuation.js';
import { stripFurnitureFromText, withoutFurniture } from './furniture-lines.js';

/**
 * The inputs of one page. For correction and label: the page, `null` when the stage is used but has
 * no page for this one (it failed there), `undefined` when the stage is not used.
 */
export interface MergePageInputs {
  ocr: OcrPage;
  /** The correction page (its paragraphs, and its flags for the counts). */
  correction?: (Pick<CorrectionPage, 'paragraphs'> & Partial<Pick<CorrectionPage, 'flags'>>) | null;
  label?: LabelPage | null;
  /** This page's entry of the label stage's `page-numbers.json`, when there is one. */
  pageNumber?: PageNumberEntry;
  /**
   * Word list used to resolve line-end hyphens of paragraphs the correction stage did not rewrite.
   * @default englishLexicon() of @bookpipe/stage-correction, loaded only when a line ends with a hyphen
   */
  lexicon?: Lexicon;
}

/** What the merge reads of a page's entry in `label/page-numbers.json`. */
export type PageNumberEntry = Pick<PageNumbersFile[number], 'printedPageNumber' | 'numberingStyle' | 'inferred'>;

/** Counts of what the merge found on a page, for its metrics. */
export interface MergePageCounts {
  blocks: number;
  paragraphs: number;
  ocrWords: number;
  correctedParagraphs: number;
  blocksWithoutLabel: number;
  paragraphsWithoutCorrection: number;
  /** Paragraphs whose model text the correction stage refused (they keep the OCR text): its page's flags. */
  correctionRefused: number;
  /** Label and correction entries that name no block or paragraph of the OCR page (ignored). */
  unmatched: string[];
}

export interface MergedPage {
  /** The page, with `continuation` all false: it needs the neighbours, see `linkPages`. */
  page: MergePage;
  /** The ends of the page's body text, from which `linkPages` decides continuation. */
  edge: PageEdge;
  counts: MergePageCounts;
}

/** The English lexicon, loaded on first use: most pages have no line-end hyphen left to decide. */
const lazyEnglish: Lexicon = { rank: (word) => englishLexicon().rank(word) };

/**
 * Merges one page: the OCR page's blocks and paragraphs (every one of them, in OCR order) with the
 * correction's text and the label's class where they exist. Nothing of the OCR is dropped: a paragraph
 * without a correction keeps its OCR text, a block without a label is BODY with confidence 0 and says so.
 * Lines the label marks as furniture (a running head OCR read into the first block, a catch-word into
 * the last) are left out of the paragraph's text and kept in its `furniture`; the page's edges are
 * decided without them, so a word broken across the page break meets its other half.
 */
export function mergePage(inputs: MergePageInputs): MergedPage {
  const { ocr, correction, label } = inputs;
  const lexicon = inputs.lexicon ?? lazyEnglish;
  // The page's own words decide a line-end hyphen first; counted only if some line ends with one.
  let counted: Vocabulary | undefined;
  const vocabulary: Vocabulary = {
    count: (word) => {
      counted ??= buildVocabulary([ocr]);
      return counted.count(word);
    },
  };
  const counts: MergePageCounts = {
    blocks: 0,
    paragraphs: 0,
    ocrWords: 0,
    correctedParagraphs: 0,
    blocksWithoutLabel: 0,
    paragraphsWithoutCorrection: 0,
    correctionRefused: correction?.flags?.length ?? 0,
    unmatched: [],
  };

  const labels = new Map<number, BlockLabel>((label?.blocks ?? []).map((block) => [block.blockNum, block]));
  const corrections = new Map((correction?.paragraphs ?? []).map((entry) => [`${entry.blockNum}/${entry.parNum}`, entry]));
  const seenParagraphs = new Set<string>();

  // Body text in reading order, for the page's edges: [role, reading text, OCR paragraph].
  const flow: Array<{ prose: boolean; text: string; paragraph: OcrParagraph }> = [];

  const blocks: MergeBlock[] = ocr.blocks.map((block) => {
    const blockLabel = labels.get(block.blockNum);
    const labelMissing = blockLabel === undefined;
    const labelled = blockLabel?.classification ?? 'BODY';
    // A block the OCR's margin pass read is evidence for furniture (a folio, a catch-word), never reading
    // text: unless its label calls it furniture, it is kept as an OCR artifact, out of the text.
    const classification = block.pass === 'margin' && blockRole(labelled) !== 'furniture' ? 'OCR_ARTIFACT' : labelled;
    counts.blocks += 1;
    if (labelMissing) counts.blocksWithoutLabel += 1;

    // A heading line is set apart from text only: in a heading, furniture or note block it stays what the block is.
    const textBlock = blockRole(classification) === 'prose' || blockRole(classification) === 'other';
    const lineLabels = (label?.lines ?? []).filter((line) => textBlock || !isHeadingLine(line.classification));
    const paragraphs = block.paragraphs.map((ocrParagraph): MergeParagraph => {
      const cut = withoutFurniture(block.blockNum, ocrParagraph, lineLabels);
      const paragraph = cut.paragraph;
      const key = `${block.blockNum}/${paragraph.parNum}`;
      seenParagraphs.add(key);
      const entry = corrections.get(key);
      const correctionMissing = correction !== undefined && entry === undefined;
      const ocrWords = ocrParagraph.lines.reduce((sum, line) => sum + (line.words.length || line.text.split(/\s+/).filter(Boolean).length), 0);
      counts.paragraphs += 1;
      counts.ocrWords += ocrWords;
      if (correctionMissing) counts.paragraphsWithoutCorrection += 1;

      let text: string;
      let textSource: MergeParagraph['textSource'];
      // The corrector read the paragraph with its furniture: cut it off the corrected text, or fall back to OCR.
      const corrected =
        entry?.text == null ? null : cut.furniture.length === 0 && cut.headings.length === 0 ? entry.text : stripFurnitureFromText(entry.text, cut);
      if (corrected !== null) {
        text = corrected.replace(/\s+/g, ' ').trim();
        textSource = 'correction';
        counts.correctedParagraphs += 1;
      } else {
        text = paragraphText(paragraph, { lexicon, vocabulary });
        textSource = 'ocr';
      }
      const merged: MergeParagraph = {
        parNum: paragraph.parNum,
        bbox: paragraph.bbox,
        text,
        textSource,
        ocrText: ocrParagraph.text,
        ocrConfidence: paragraph.confidence,
        ocrWords,
        correctionMissing,
        correctionConfidence: entry?.confidence ?? null,
      };
      if (entry?.notes) merged.correctionNotes = entry.notes;
      if (cut.furniture.length > 0) merged.furniture = cut.furniture;
      if (cut.headings.length > 0) merged.headings = cut.headings;

      const role = blockRole(classification);
      // A heading line opening or closing the paragraph breaks the running text there, as a heading block would.
      const heading = (at: 'start' | 'end') => cut.headings.find((line) => line.at === at);
      const opening = heading('start');
      if (opening) flow.push({ prose: false, text: opening.text, paragraph });
      // Running heads and feet, page numbers, notes and captions are not body text: continuation ignores
      // them. Nor text without a letter (a folio, an ornament), which matters when blocks are unlabelled.
      if (/\p{L}/u.test(text) && role !== 'furniture' && role !== 'note' && role !== 'caption') {
        flow.push({ prose: role === 'prose', text, paragraph });
      }
      const closing = heading('end');
      if (closing) flow.push({ prose: false, text: closing.text, paragraph });
      return merged;
    });
    return { blockNum: block.blockNum, bbox: block.bbox, classification, classConfidence: blockLabel?.confidence ?? 0, labelMissing, paragraphs };
  });

  for (const blockNum of labels.keys()) {
    if (!ocr.blocks.some((block) => block.blockNum === blockNum)) counts.unmatched.push(`label for block ${blockNum}`);
  }
  for (const key of corrections.keys()) {
    if (!seenParagraphs.has(key)) counts.unmatched.push(`correction for paragraph ${key}`);
  }

  const first = flow[0];
  const last = flow.at(-1);
  const edge: PageEdge = {
    start: first?.prose ? edgeStart(first.text, first.paragraph) : null,
    end: last?.prose ? edgeEnd(last.text, last.paragraph) : null,
  };

  const numbers = printedNumber(inputs);
  const state = (value: unknown): MergeInputState => (value === undefined ? 'not-used' : value === null ? 'missing' : 'used');
  const page: MergePage = {
    pageNumber: ocr.pageNumber,
    width: ocr.width,
    height: ocr.height,
    ...numbers,
    inputs: { correction: state(correction), label: state(label) },
    continuation: { fromPrevious: false, toNext: false, endsWithHyphen: edge.end?.hyphen ?? false },
    blocks,
  };
  return { page, edge, counts };
}

function printedNumber(inputs: MergePageInputs): Pick<MergePage, 'printedPageNumber' | 'numberingStyle' | 'pageNumberInferred' | 'pageNumberSource'> {
  const book = inputs.pageNumber;
  if (book) {
    return {
      printedPageNumber: book.printedPageNumber,
      numberingStyle: book.numberingStyle,
      pageNumberInferred: book.inferred,
      pageNumberSource: 'label-book',
    };
  }
  const label = inputs.label;
  if (label) {
    return {
      printedPageNumber: label.printedPageNumber,
      numberingStyle: label.numberingStyle,
      pageNumberInferred: label.pageNumberInferred ?? false,
      pageNumberSource: 'label-page',
    };
  }
  return { printedPageNumber: null, numberingStyle: 'none', pageNumberInferred: false, pageNumberSource: 'none' };
}
