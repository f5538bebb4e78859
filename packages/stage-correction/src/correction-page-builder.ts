import type { BBox, CorrectionPage, OcrPage, ParagraphCorrection } from '@bookpipe/contracts';
import type { PageMetricsInput } from '@bookpipe/core';
import { relativeBox } from '@bookpipe/stage-kit';
import { type DehyphenateResult, editDistance, lineTokens, type ParagraphJoin, similarity } from '@bookpipe/text';
import type { CorrectionAnswer } from './correction-answer.js';
import type { CorrectionPageMetrics } from './correction-metrics.js';

/** One OCR paragraph, with its text before and after the deterministic pass. */
export interface PreparedParagraph {
  blockNum: number;
  parNum: number;
  /** The OCR lines joined by single spaces: the text every change is measured against. */
  ocrText: string;
  /** The text after de-hyphenation (equal to `ocrText` when no line-end hyphen was resolved). */
  text: string;
  joins: ParagraphJoin[];
  /** The OCR engine's confidence in the paragraph, 0..1. */
  ocrConfidence: number;
  bbox: BBox;
  /** Words the OCR engine was least sure of, for the model to look at first. */
  doubtfulWords: string[];
}

/** Words under this OCR confidence are pointed out to the model. */
const DOUBTFUL_BELOW = 0.6;

/** The page's paragraphs in OCR order, paired with their de-hyphenated text. */
export function prepareParagraphs(page: OcrPage, dehyphenated: DehyphenateResult): PreparedParagraph[] {
  const prepared: PreparedParagraph[] = [];
  let index = 0;
  for (const block of page.blocks) {
    for (const paragraph of block.paragraphs) {
      const result = dehyphenated.paragraphs[index++];
      const ocrText = paragraph.lines
        .map((line) => lineTokens(line).join(' '))
        .filter(Boolean)
        .join(' ');
      prepared.push({
        blockNum: block.blockNum,
        parNum: paragraph.parNum,
        ocrText,
        text: result?.text ?? ocrText,
        joins: result?.joins ?? [],
        ocrConfidence: paragraph.confidence,
        bbox: paragraph.bbox,
        doubtfulWords: paragraph.lines
          .flatMap((line) => line.words)
          .filter((word) => word.confidence < DOUBTFUL_BELOW && word.text.trim() !== '')
          .map((word) => word.text),
      });
    }
  }
  return prepared;
}

/**
 * The OCR page as the model sees it: blocks and paragraphs numbered as in the OCR page, with their
 * boxes, confidences, doubtful words and the de-hyphenated text. Compact JSON (one line): the
 * tokens are paid for.
 */
export function correctionPromptJson(page: OcrPage, paragraphs: readonly PreparedParagraph[]): string {
  const round2 = (value: number) => Math.round(value * 100) / 100;
  return JSON.stringify({
    page: page.pageNumber,
    meanConfidence: round2(page.meanConfidence),
    blocks: page.blocks.map((block) => ({
      blockNum: block.blockNum,
      box: relativeBox(block.bbox, page),
      paragraphs: paragraphs
        .filter((paragraph) => paragraph.blockNum === block.blockNum)
        .map((paragraph) => ({
          parNum: paragraph.parNum,
          box: relativeBox(paragraph.bbox, page),
          confidence: round2(paragraph.ocrConfidence),
          ...(paragraph.doubtfulWords.length > 0 ? { doubtfulWords: paragraph.doubtfulWords } : {}),
          text: paragraph.text,
        })),
    })),
  });
}

export interface BuiltCorrectionPage {
  data: CorrectionPage;
  /** The page's quality metrics (see `CorrectionPageMetricsSchema`), without the LLM bookkeeping. */
  metrics: PageMetricsInput<CorrectionPageMetrics>;
}

/**
 * The correction page file and its metrics, from the prepared paragraphs and, in LLM mode, the
 * model's answer (already valid against the page's schema: same blocks and paragraphs, in order).
 * A paragraph's `text` is null when the final text equals the OCR text; `charactersChanged` is the
 * real edit distance between the two, de-hyphenation included.
 */
export function buildCorrectionPage(
  pageNumber: number,
  paragraphs: readonly PreparedParagraph[],
  llm: { answer: CorrectionAnswer; model: string } | null,
  now: Date = new Date(),
): BuiltCorrectionPage {
  const answers = llm ? llm.answer.blocks.flatMap((block) => block.paragraphs.map((paragraph) => ({ blockNum: block.blockNum, ...paragraph }))) : [];
  let charactersChanged = 0;
  let modelCorrections = 0;
  const finals: string[] = [];
  const corrections: ParagraphCorrection[] = paragraphs.map((paragraph, index) => {
    const answer = answers[index];
    if (llm && (answer?.blockNum !== paragraph.blockNum || answer.parNum !== paragraph.parNum)) {
      // The schema pins both numbers; this only guards against a client that did not validate.
      throw new Error(
        `the answer's paragraph ${index + 1} is block ${answer?.blockNum} paragraph ${answer?.parNum}, expected block ${paragraph.blockNum} paragraph ${paragraph.parNum}`,
      );
    }
    const corrected = answer?.text != null ? normaliseSpace(answer.text) : null;
    const modelChanged = corrected !== null && corrected !== paragraph.text;
    if (modelChanged) modelCorrections += 1;
    const final = modelChanged ? corrected : paragraph.text;
    finals.push(final);
    const changed = final !== paragraph.ocrText;
    if (changed) charactersChanged += editDistance(paragraph.ocrText, final);
    const notes = [hyphenNotes(paragraph.joins), answer?.notes.trim() ?? ''].filter((note) => note !== '').join('; ');
    return {
      blockNum: paragraph.blockNum,
      parNum: paragraph.parNum,
      text: changed ? final : null,
      notes,
      confidence: answer ? answer.confidence : paragraph.ocrConfidence,
    };
  });
  const corrected = corrections.filter((paragraph) => paragraph.text !== null).length;
  const confidences = corrections.map((paragraph) => paragraph.confidence);
  const data: CorrectionPage = {
    pageNumber,
    method: llm ? 'llm' : 'deterministic',
    model: llm?.model ?? null,
    paragraphs: corrections,
    totals: { paragraphs: corrections.length, corrected, charactersChanged },
    createdAt: now.toISOString(),
  };
  const joins = paragraphs.flatMap((paragraph) => paragraph.joins);
  return {
    data,
    metrics: {
      method: data.method,
      paragraphs: corrections.length,
      corrections: corrected,
      modelCorrections,
      avgConfidence: confidences.length === 0 ? null : round4(confidences.reduce((sum, c) => sum + c, 0) / confidences.length),
      similarity: round4(similarity(paragraphs.map((p) => p.ocrText).join('\n'), finals.join('\n'))),
      charactersChanged,
      hyphensJoined: joins.filter((join) => !join.keptHyphen).length,
      hyphensKept: joins.filter((join) => join.keptHyphen).length,
    },
  };
}

/** What the deterministic pass did in a paragraph, for its notes. */
function hyphenNotes(joins: readonly ParagraphJoin[]): string {
  return joins
    .map((join) => `line-end "${join.left}" + "${join.right}" -> "${join.joined}" (${join.keptHyphen ? 'hyphen kept' : 'joined'}: ${join.reason})`)
    .join('; ');
}

/** A paragraph is one line: models sometimes keep the printed line breaks. */
function normaliseSpace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

const round4 = (value: number) => Math.round(value * 10000) / 10000;
