import type { BBox, Continuation, CorrectionFlag, CorrectionPage, LabelPage, MergePage, OcrPage } from '@bookpipe/contracts';
import { diffParagraph, hasChanges, type TextToken } from './text-diff.js';

/** A stage's failure on one page, as its journal records it. */
export interface StageFailure {
  stage: string;
  error: string;
}

/** The printed page number and where it comes from. */
export interface PrintedNumber {
  value: string | null;
  /** True when it was not read on the page but corrected or filled in from the neighbours. */
  inferred: boolean;
  source: 'merge' | 'label-book' | 'label-page';
}

/** Everything the view reads for one page. Stages that have no page (or did not run) leave theirs out. */
export interface PageInputs {
  page: number;
  ocr?: OcrPage;
  correction?: CorrectionPage;
  label?: LabelPage;
  merge?: MergePage;
  /** From merge, else `label/page-numbers.json`, else the label page. */
  printed?: PrintedNumber;
  failures: StageFailure[];
  /** Page files that exist but could not be read (invalid JSON, schema mismatch): stage and reason. */
  unreadable: StageFailure[];
  /** The page image as the view shows it, relative to the page HTML file; null when there is none. */
  image: { href: string; width: number; height: number } | null;
  /** Low-confidence threshold 0..1 (words under it are marked). */
  lowConfidence: number;
}

export interface ViewWord {
  text: string;
  bbox: BBox;
  confidence: number;
  low: boolean;
}

export interface ViewParagraph {
  parNum: number;
  bbox: BBox;
  lines: { bbox: BBox; words: ViewWord[] }[];
  tokens: TextToken[];
  changed: boolean;
  /** Where the shown text comes from. */
  textSource: 'merge' | 'correction' | 'ocr';
  correctionConfidence: number | null;
  notes: string;
}

export interface ViewBlock {
  blockNum: number;
  bbox: BBox;
  /** Block class from merge, else label; null when no label covers the block. */
  cls: string | null;
  classConfidence: number | null;
  paragraphs: ViewParagraph[];
}

export interface PageModel {
  page: number;
  width: number;
  height: number;
  image: PageInputs['image'];
  hasOcr: boolean;
  blocks: ViewBlock[];
  meanConfidence: number | null;
  words: number;
  lowWords: number;
  /** Word confidences of the page, for the book histogram. */
  confidences: number[];
  changedParagraphs: number;
  paragraphs: number;
  printed: PrintedNumber | undefined;
  continuation: Continuation | undefined;
  rotation: number;
  failures: StageFailure[];
  unreadable: StageFailure[];
  /** Paragraphs whose model text the correction stage refused (they show the OCR text). */
  correctionFlags: CorrectionFlag[];
  /** Which inputs this page has. */
  has: { correction: boolean; label: boolean; merge: boolean };
  lowConfidence: number;
}

/**
 * The view of one page: OCR geometry down to words, each block's class, each paragraph's shown text
 * diffed word by word against what OCR read. The shown text is the merge's (the final text) where a
 * merge page exists, else the correction's (null there means "unchanged"), else the OCR words.
 */
export function buildPageModel(inputs: PageInputs): PageModel {
  const { ocr, correction, label, merge, lowConfidence } = inputs;
  const mergeBlocks = new Map(merge?.blocks.map((b) => [b.blockNum, b]));
  const labels = new Map(label?.blocks.map((b) => [b.blockNum, b]));
  const corrections = new Map(correction?.paragraphs.map((p) => [`${p.blockNum}/${p.parNum}`, p]));
  const confidences: number[] = [];
  let changedParagraphs = 0;
  let paragraphs = 0;

  const blocks: ViewBlock[] = (ocr?.blocks ?? []).map((block) => {
    const merged = mergeBlocks.get(block.blockNum);
    const labelled = labels.get(block.blockNum);
    const cls = merged && !merged.labelMissing ? merged.classification : (labelled?.classification ?? null);
    const classConfidence = merged && !merged.labelMissing ? merged.classConfidence : (labelled?.confidence ?? null);
    const mergedPars = new Map(merged?.paragraphs.map((p) => [p.parNum, p]));
    return {
      blockNum: block.blockNum,
      bbox: block.bbox,
      cls,
      classConfidence,
      paragraphs: block.paragraphs.map((paragraph) => {
        const fromMerge = mergedPars.get(paragraph.parNum);
        const fix = corrections.get(`${block.blockNum}/${paragraph.parNum}`);
        let shown: string | undefined;
        let textSource: ViewParagraph['textSource'] = 'ocr';
        if (fromMerge) {
          shown = fromMerge.text;
          textSource = 'merge';
        } else if (fix) {
          // null: the corrector reviewed the paragraph and left the OCR text as it is.
          shown = fix.text ?? undefined;
          textSource = 'correction';
        }
        const tokens = diffParagraph(paragraph, shown);
        const changed = hasChanges(tokens);
        paragraphs += 1;
        if (changed) changedParagraphs += 1;
        return {
          parNum: paragraph.parNum,
          bbox: paragraph.bbox,
          lines: paragraph.lines.map((line) => ({
            bbox: line.bbox,
            words: line.words.map((word) => {
              confidences.push(word.confidence);
              return { text: word.text, bbox: word.bbox, confidence: word.confidence, low: word.confidence < lowConfidence };
            }),
          })),
          tokens,
          changed,
          textSource,
          correctionConfidence: fromMerge?.correctionConfidence ?? fix?.confidence ?? null,
          notes: fromMerge?.correctionNotes ?? fix?.notes ?? '',
        };
      }),
    };
  });

  const lowWords = confidences.filter((c) => c < lowConfidence).length;
  return {
    page: inputs.page,
    width: ocr?.width ?? inputs.image?.width ?? 1,
    height: ocr?.height ?? inputs.image?.height ?? 1,
    image: inputs.image,
    hasOcr: ocr !== undefined,
    blocks,
    meanConfidence: ocr ? ocr.meanConfidence : null,
    words: confidences.length,
    lowWords,
    confidences,
    changedParagraphs,
    paragraphs,
    printed: inputs.printed,
    continuation: merge?.continuation,
    rotation: ocr?.rotation ?? 0,
    failures: inputs.failures,
    unreadable: inputs.unreadable,
    correctionFlags: correction?.flags ?? [],
    has: { correction: correction !== undefined, label: label !== undefined, merge: merge !== undefined },
    lowConfidence,
  };
}
