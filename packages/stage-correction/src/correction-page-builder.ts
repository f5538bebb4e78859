import type { BBox, CorrectionFlag, CorrectionPage, OcrPage, ParagraphCorrection } from '@bookpipe/contracts';
import type { PageMetricsInput } from '@bookpipe/core';
import { relativeBox } from '@bookpipe/kit';
import { type DehyphenateResult, editDistance, lineTokens, type ParagraphJoin } from '@bookpipe/text';
import { type AnswerCheckOptions, checkParagraphAnswer, type ParagraphRejection } from './answer-check.js';
import type { CorrectionAnswer } from './correction-answer.js';
import type { CorrectionPageMetrics } from './correction-metrics.js';
import { applyEdits, type EditRejection } from './paragraph-edits.js';

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

/**
 * The OCR page with only the blocks and paragraphs of `part` (numbers and boxes unchanged): what one part
 * of a page split for a too-long answer shows the model, and the schema it must answer.
 */
export function ocrPageWith(page: OcrPage, part: readonly PreparedParagraph[]): OcrPage {
  const wanted = new Set(part.map((paragraph) => `${paragraph.blockNum}/${paragraph.parNum}`));
  return {
    ...page,
    blocks: page.blocks
      .map((block) => ({ ...block, paragraphs: block.paragraphs.filter((paragraph) => wanted.has(`${block.blockNum}/${paragraph.parNum}`)) }))
      .filter((block) => block.paragraphs.length > 0),
  };
}

/** The answers of a page's parts, in page order, as one answer: a block cut between two parts is joined again. */
export function joinCorrectionAnswers(answers: readonly CorrectionAnswer[]): CorrectionAnswer {
  const blocks: CorrectionAnswer['blocks'] = [];
  for (const block of answers.flatMap((answer) => answer.blocks)) {
    const last = blocks.at(-1);
    if (last?.blockNum === block.blockNum) last.paragraphs = [...last.paragraphs, ...block.paragraphs];
    else blocks.push({ blockNum: block.blockNum, paragraphs: [...block.paragraphs] });
  }
  return { blocks };
}

export interface BuiltCorrectionPage {
  data: CorrectionPage;
  /** The page's quality metrics (see `CorrectionPageMetricsSchema`), without the LLM bookkeeping. */
  metrics: PageMetricsInput<CorrectionPageMetrics>;
}

/** A model's answer for the page, and the one before it when the page was asked again. */
export interface LlmAnswers {
  answer: CorrectionAnswer;
  /** The first answer, when `answer` is the retry's: its accepted paragraphs still count. */
  previous?: CorrectionAnswer;
  model: string;
}

/** One refused paragraph of an answer, by its numbers. */
export interface AnswerRejection extends ParagraphRejection {
  blockNum: number;
  parNum: number;
}

/** The answer's paragraphs in page order, with their block numbers. */
function flatAnswer(answer: CorrectionAnswer) {
  return answer.blocks.flatMap((block) => block.paragraphs.map((paragraph) => ({ blockNum: block.blockNum, ...paragraph })));
}

/** One paragraph of an answer with its edits applied to the text the model was given. */
export interface ParagraphOutcome {
  /** The edited text, or null when the answer leaves the paragraph as given. */
  text: string | null;
  rejectedEdits: EditRejection[];
}

/** Applies an answer's edits paragraph by paragraph (see `applyEdits`), in page order. */
export function answerOutcomes(paragraphs: readonly PreparedParagraph[], answer: CorrectionAnswer): ParagraphOutcome[] {
  const answers = flatAnswer(answer);
  return paragraphs.map((paragraph, index) => {
    const edits = answers[index]?.edits ?? [];
    if (edits.length === 0) return { text: null, rejectedEdits: [] };
    const applied = applyEdits(paragraph.text, edits);
    return { text: applied.applied === 0 ? null : applied.text, rejectedEdits: applied.rejected };
  });
}

/**
 * Every paragraph of an answer that the check refuses (see `checkParagraphAnswer`), measured against
 * the text the model was given. Empty when the answer can be taken as it is.
 */
export function answerRejections(paragraphs: readonly PreparedParagraph[], answer: CorrectionAnswer, options: AnswerCheckOptions = {}): AnswerRejection[] {
  const outcomes = answerOutcomes(paragraphs, answer);
  const rejections: AnswerRejection[] = [];
  paragraphs.forEach((paragraph, index) => {
    const rejection = checkParagraphAnswer(paragraph.text, outcomes[index]?.text ?? null, options);
    if (rejection) rejections.push({ blockNum: paragraph.blockNum, parNum: paragraph.parNum, ...rejection });
  });
  return rejections;
}

/** Every edit of an answer that could not be placed, by paragraph: worth asking once more (with a longer quote). */
export function editRejections(paragraphs: readonly PreparedParagraph[], answer: CorrectionAnswer): (EditRejection & { blockNum: number; parNum: number })[] {
  const outcomes = answerOutcomes(paragraphs, answer);
  return paragraphs.flatMap((paragraph, index) =>
    (outcomes[index]?.rejectedEdits ?? []).map((rejection) => ({ blockNum: paragraph.blockNum, parNum: paragraph.parNum, ...rejection })),
  );
}

/**
 * The correction page file and its metrics, from the prepared paragraphs and, in LLM mode, the
 * model's answer (already valid against the page's schema: same blocks and paragraphs, in order).
 * Each paragraph's model text is checked against the text it replaces (`checkParagraphAnswer`): the
 * answer's text when accepted, else the previous answer's when that one was accepted, else the
 * deterministic text, and the page gets a flag naming the paragraph and the reason.
 * A paragraph's `text` is null when the final text equals the OCR text; `charactersChanged` is the
 * real edit distance between the two, de-hyphenation included.
 */
export function buildCorrectionPage(
  pageNumber: number,
  paragraphs: readonly PreparedParagraph[],
  llm: LlmAnswers | null,
  now: Date = new Date(),
  check: AnswerCheckOptions = {},
): BuiltCorrectionPage {
  const answers = llm ? flatAnswer(llm.answer) : [];
  const previous = llm?.previous ? flatAnswer(llm.previous) : [];
  const outcomes = llm ? answerOutcomes(paragraphs, llm.answer) : [];
  const previousOutcomes = llm?.previous ? answerOutcomes(paragraphs, llm.previous) : [];
  let charactersChanged = 0;
  let modelCorrections = 0;
  let rejectedEdits = 0;
  const finals: string[] = [];
  const flags: CorrectionFlag[] = [];
  const corrections: ParagraphCorrection[] = paragraphs.map((paragraph, index) => {
    for (const list of llm?.previous ? [answers, previous] : [answers]) {
      const entry = list[index];
      if (llm && (entry?.blockNum !== paragraph.blockNum || entry.parNum !== paragraph.parNum)) {
        // The schema pins both numbers; this only guards against a client that did not validate.
        throw new Error(
          `the answer's paragraph ${index + 1} is block ${entry?.blockNum} paragraph ${entry?.parNum}, expected block ${paragraph.blockNum} paragraph ${paragraph.parNum}`,
        );
      }
    }
    let answer = answers[index];
    let outcome = outcomes[index];
    let rejection = answer ? checkParagraphAnswer(paragraph.text, outcome?.text ?? null, check) : undefined;
    const earlier = previous[index];
    const earlierOutcome = previousOutcomes[index];
    if (rejection && earlier && !checkParagraphAnswer(paragraph.text, earlierOutcome?.text ?? null, check)) {
      answer = earlier;
      outcome = earlierOutcome;
      rejection = undefined;
    }
    if (rejection) flags.push({ blockNum: paragraph.blockNum, parNum: paragraph.parNum, ...rejection });
    const refusedEdits = rejection ? [] : (outcome?.rejectedEdits ?? []);
    rejectedEdits += refusedEdits.length;
    const corrected = outcome?.text != null && !rejection ? normaliseSpace(outcome.text) : null;
    const modelChanged = corrected !== null && corrected !== paragraph.text;
    if (modelChanged) modelCorrections += 1;
    const final = modelChanged ? corrected : paragraph.text;
    finals.push(final);
    const changed = final !== paragraph.ocrText;
    if (changed) charactersChanged += editDistance(paragraph.ocrText, final);
    const modelNote = rejection
      ? `the model's text was refused (${rejection.reason}: ${rejection.detail}); the OCR text is kept`
      : (answer?.notes.trim() ?? '');
    const editNote = refusedEdits.map((r) => `edit not applied (${r.reason}: ${r.detail})`).join('; ');
    const notes = [hyphenNotes(paragraph.joins), modelNote, editNote].filter((note) => note !== '').join('; ');
    return {
      blockNum: paragraph.blockNum,
      parNum: paragraph.parNum,
      text: changed ? final : null,
      notes,
      // A refused answer's confidence is about a text that is not kept.
      confidence: answer && !rejection ? answer.confidence : paragraph.ocrConfidence,
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
    flags,
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
      similarity: round4(
        pageSimilarity(
          paragraphs.map((p) => p.ocrText),
          finals,
          charactersChanged,
        ),
      ),
      charactersChanged,
      hyphensJoined: joins.filter((join) => !join.keptHyphen).length,
      hyphensKept: joins.filter((join) => join.keptHyphen).length,
      ...(llm ? { rejectedParagraphs: flags.length, rejectedEdits, flag: flagSummary(flags) } : {}),
    },
  };
}

/** What the deterministic pass did in a paragraph, for its notes. */
function hyphenNotes(joins: readonly ParagraphJoin[]): string {
  return joins
    .map((join) => `line-end "${join.left}" + "${join.right}" -> "${join.joined}" (${join.keptHyphen ? 'hyphen kept' : 'joined'}: ${join.reason})`)
    .join('; ');
}

/**
 * The report.csv cell of a page's flags: "" when none, else what was refused where, e.g.
 * "kept OCR text: b2p1 empty; b4p3 too_many_changes".
 */
export function flagSummary(flags: readonly CorrectionFlag[]): string {
  if (flags.length === 0) return '';
  return `kept OCR text: ${flags.map((flag) => `b${flag.blockNum}p${flag.parNum} ${flag.reason}`).join('; ')}`;
}

/** A paragraph is one line: models sometimes keep the printed line breaks. */
function normaliseSpace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

const round4 = (value: number) => Math.round(value * 10000) / 10000;

/**
 * `1 - distance / longer length` between the page's OCR text and its final text (paragraphs joined by a line
 * break), with the distance summed over the paragraphs (`charactersChanged`) instead of computed again over
 * the whole page: Levenshtein over a 3,000-character page costs ~5 ms (quadratic in the page's length), the
 * changed paragraphs alone a few hundredths of that. The paragraph sum equals the page distance unless text
 * moved from one paragraph to another, where it is larger: the similarity is then understated, never overstated.
 */
function pageSimilarity(ocrTexts: readonly string[], finals: readonly string[], charactersChanged: number): number {
  const joinedLength = (texts: readonly string[]) => texts.reduce((sum, text) => sum + text.length, 0) + Math.max(0, texts.length - 1);
  const longest = Math.max(joinedLength(ocrTexts), joinedLength(finals));
  return longest === 0 ? 1 : Math.max(0, 1 - charactersChanged / longest);
}
