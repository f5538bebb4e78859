import path from 'node:path';
import {
  CORRECTION_STAGE,
  type CorrectionPage,
  CorrectionPageSchema,
  LABEL_STAGE,
  type LabelPage,
  LabelPageSchema,
  MERGE_STAGE,
  type MergePage,
  MergePageSchema,
  OCR_STAGE,
  type OcrPage,
  OcrPageSchema,
} from '@bookpipe/contracts';
import { BookpipeError, type BookStorage, ErrorCode } from '@bookpipe/core';
import { cer, totalErrorRate, wer } from './error-rates.js';
import { type EvalPage, type EvalResult, EvalResultSchema, TEXT_STAGES, type TextStage } from './eval-schema.js';
import { addClassCounts, type ClassCounts, precisionRecall, SCORED_CLASSES, type ScoredClass, scaleRegions, scoreLabels } from './label-scores.js';
import { addLineCounts, LINE_KINDS, type LineKind, scoreLines } from './line-scores.js';
import { matchPages } from './match-pages.js';
import { correctedText, folioTexts, furnitureTexts, mergedText, ocrText } from './page-texts.js';
import { loadPageMapFile, loadTruthFolder } from './truth/load-truth.js';
import type { TruthPage, TruthScope } from './truth/truth-page.js';

/** Where `eval.json` goes: `<scan>/eval/eval.json`, written through the storage API like a stage's files. */
export const EVAL_FOLDER = 'eval';
export const EVAL_FILE = 'eval.json';

export const NORMALIZATION_NOTE =
  'raw: NFC, whitespace runs to one space. normalized: also NFKC (ligatures), long s to s, typographic quotes and dashes ' +
  '(and the Fraktur double hyphen) to ASCII, soft hyphens removed, words broken by a line-end hyphen joined. ' +
  'CER over Unicode code points, WER over space-separated words; overall = total edits / total reference length.';

export interface EvaluateScanOptions {
  /** The scan, opened (`openScan` of @bookpipe/storage, or another `BookStorage`). Its pages are read, and eval.json written, through it. */
  scan: BookStorage;
  /** Folder of ground-truth pages (see `loadTruthFolder` for the formats). */
  truth: string;
  /**
   * Truth page name (its key, or one of its file names) -> scan page number, checked before any other rule.
   * @default the truth folder's `truth-pages.json`, when it has one
   */
  pageMap?: Record<string, number>;
  /**
   * What a plain-text truth page covers (see `LoadTruthOptions.plainTextScope`). Unset, a page is taken as
   * the reading text unless its first or last lines are the text of blocks the pipeline classed as furniture
   * (running head, foot, page number): then as the whole page (`scopeDetected` in eval.json).
   * @default 'body', with that detection
   */
  plainTextScope?: TruthScope;
  /**
   * Score the truth pages that match a scan page and list the others in `unmatchedTruth`, instead of failing.
   * @default false
   */
  ignoreUnmatched?: boolean;
  /**
   * Overlap a block and a truth region need to count as the same thing (see `scoreLabels`).
   * @default 0.5
   */
  minOverlap?: number;
  /**
   * Write the result to `<scan>/eval/eval.json` (atomically, through the storage).
   * @default true
   */
  write?: boolean;
  /** The time recorded in the result. @default new Date() */
  now?: Date;
}

function scoreText(reference: string, hypothesis: string, scope: TruthScope) {
  return {
    reference: scope,
    raw: { cer: cer(reference, hypothesis, { form: 'raw' }), wer: wer(reference, hypothesis, { form: 'raw' }) },
    normalized: { cer: cer(reference, hypothesis, { form: 'normalized' }), wer: wer(reference, hypothesis, { form: 'normalized' }) },
  };
}

/**
 * What each stage's text is compared with. Truth with typed regions gives both texts: OCR and corrected
 * text (the whole page as read) against the whole page, the merged reading text against the regions that
 * are not furniture. Plain-text truth that covers the reading text only is the reference of all three (the
 * OCR and corrected texts then pay for the running heads and page numbers they hold, as insertions).
 */
function references(truth: TruthPage): { page: { text: string; scope: TruthScope }; merged: { text: string; scope: TruthScope } } {
  if (truth.bodyText !== null) return { page: { text: truth.text, scope: truth.scope }, merged: { text: truth.bodyText, scope: 'body' } };
  return { page: { text: truth.text, scope: truth.scope }, merged: { text: truth.text, scope: truth.scope } };
}

/**
 * Whether a plain-text truth page holds the page's furniture after all: its first or last two lines are
 * the text of a block the pipeline classed as a running head, foot or page number (CER <= 25%), or a
 * short edge line starts or ends with the number of the page's folio piece. Some
 * Gutenberg-style page texts keep the running head and the number; the merged text is then compared with
 * every block, so that removing them is not counted as deleting truth.
 */
function truthHoldsFurniture(text: string, merge: MergePage): boolean {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const edges = [...lines.slice(0, 2), ...lines.slice(-2)];
  // Furniture blocks, and furniture lines inside text blocks (a running head OCR read into the first block).
  const furniture = furnitureTexts(merge);
  if (furniture.some((block) => edges.some((line) => cer(line, block).rate <= 0.25))) return true;
  // A head misread past matching ("AEet wrmas 11" for "COLONIAL FLORIDA 11") still has its folio: a short
  // edge line of the truth that starts or ends with the number the page's folio piece reads is that line.
  const folios = new Set(folioTexts(merge));
  return edges.some((line) => {
    const tokens = line.split(/\s+/u).map((token) => token.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '').toLowerCase());
    return tokens.length <= 8 && (folios.has(tokens[0] ?? '') || folios.has(tokens.at(-1) ?? ''));
  });
}

const samePageNumber = (a: string, b: string) => a.trim().replace(/\.$/, '').toLowerCase() === b.trim().replace(/\.$/, '').toLowerCase();

/**
 * Scores a scan against ground truth: per page and overall character and word error rates of the OCR
 * text, the corrected text and the merged reading text (raw and normalised), block label precision and
 * recall per class where the truth types its regions, and printed page numbers where it transcribes them.
 * Stages that have not run are left out (null); OCR must have run.
 *
 * @throws BookpipeError SCAN_NOT_FOUND, INPUT_INVALID (truth folder missing or empty, truth pages matching
 *   no scan page), DEPENDENCY_MISSING (no OCR page yet)
 */
export async function evaluateScan(options: EvaluateScanOptions): Promise<EvalResult> {
  const { scan } = options;
  if (!(await scan.exists())) {
    throw new BookpipeError(
      ErrorCode.SCAN_NOT_FOUND,
      `There is no scan "${scan.scanId}" in ${scan.root}. Run \`bookpipe run <pdf-or-folder> --scan-id ${scan.scanId}\` first, or give --root.`,
      {
        details: { scanId: scan.scanId, root: scan.root },
      },
    );
  }
  const truthFolder = path.resolve(options.truth);
  const truth = await loadTruthFolder(truthFolder, { plainTextScope: options.plainTextScope });
  const pageMap = options.pageMap ?? (await loadPageMapFile(truthFolder));

  const ocrStage = scan.stage(OCR_STAGE, { schema: OcrPageSchema });
  const ocrPages = new Set(await ocrStage.listPages());
  if (ocrPages.size === 0) {
    throw new BookpipeError(
      ErrorCode.DEPENDENCY_MISSING,
      `Scan "${scan.scanId}" has no OCR output yet (no page file in ${ocrStage.dir}). Run \`bookpipe run\` first.`,
      {
        details: { scanId: scan.scanId, stage: OCR_STAGE },
      },
    );
  }
  const metadata = await scan.readMetadata();
  const scanPages = await scan.pageNumbers();
  const { matches, unmatched } = matchPages(truth, { scanId: scan.scanId, metadata, pages: scanPages }, { pageMap, ignoreUnmatched: options.ignoreUnmatched });

  const correctionStage = scan.stage(CORRECTION_STAGE, { schema: CorrectionPageSchema });
  const labelStage = scan.stage(LABEL_STAGE, { schema: LabelPageSchema });
  const mergeStage = scan.stage(MERGE_STAGE, { schema: MergePageSchema });
  const listed = async (stage: { listPages(): Promise<number[]> }) => new Set(await stage.listPages());
  const correctionPages = await listed(correctionStage);
  const labelPages = await listed(labelStage);
  const mergePages = await listed(mergeStage);
  const missingPages: Record<string, number[]> = {};
  const missing = (stage: string, page: number) => {
    missingPages[stage] ??= [];
    missingPages[stage].push(page);
  };

  const merges = new Map<number, MergePage>();
  for (const { page } of matches) if (mergePages.has(page)) merges.set(page, await mergeStage.loadPage<MergePage>(page));
  // Plain-text truth whose scope is not told: does each page keep its running head and folio? A page says
  // so when a furniture piece matches its first or last lines. One truth set transcribes every page of a
  // book the same way, so when most pages that have furniture say so (two at least), the others that have
  // furniture keep it too: their head was only misread ("PREFACE ix" read ". Riga wr ix").
  const detectable = (found: TruthPage, merge: MergePage | undefined): merge is MergePage =>
    found.format === 'text' && options.plainTextScope === undefined && found.scope === 'body' && merge !== undefined;
  const withFurniture = matches.filter(({ truth: found, page }) => {
    const merge = merges.get(page);
    return detectable(found, merge) && furnitureTexts(merge).length > 0;
  });
  const holding = new Set(withFurniture.filter(({ truth: found, page }) => truthHoldsFurniture(found.text, merges.get(page) as MergePage)).map((m) => m.page));
  const bookHoldsFurniture = holding.size >= 2 && holding.size >= 0.5 * withFurniture.length;

  const pages: EvalPage[] = [];
  for (const { truth: found, page, rule } of matches) {
    const merge = merges.get(page) ?? null;
    if (mergePages.size > 0 && !merge) missing('merge', page);
    const scopeDetected = holding.has(page) || (bookHoldsFurniture && withFurniture.some((m) => m.page === page));
    const t: TruthPage = scopeDetected ? { ...found, scope: 'page' } : found;
    const ref = references(t);
    const ocr = ocrPages.has(page) ? await ocrStage.loadPage<OcrPage>(page) : null;
    if (!ocr) missing('ocr', page);
    const correction = ocr && correctionPages.has(page) ? await correctionStage.loadPage<CorrectionPage>(page) : null;
    if (ocr && correctionPages.size > 0 && !correction) missing('correction', page);
    const label = labelPages.has(page) ? await labelStage.loadPage<LabelPage>(page) : null;
    if (labelPages.size > 0 && !label) missing('label', page);

    let labels: Record<ScoredClass, ClassCounts> | null = null;
    let lineLabels: Record<LineKind, ClassCounts> | null = null;
    if (t.regions && ocr && label) {
      const classOf = new Map(label.blocks.map((b) => [b.blockNum, b.classification]));
      const blocks = ocr.blocks.flatMap((b) => {
        const classification = classOf.get(b.blockNum);
        return classification ? [{ bbox: b.bbox, classification }] : [];
      });
      const regions = scaleRegions(t.regions, t.imageSize, { width: ocr.width, height: ocr.height });
      labels = scoreLabels(blocks, regions, { minOverlap: options.minOverlap });
      lineLabels = scoreLines(ocr, label, regions, options.minOverlap);
    }
    const predictedNumber = merge && merge.inputs.label === 'used' ? merge.printedPageNumber : label ? label.printedPageNumber : null;
    const truthNumber = t.printedPageNumber;
    pages.push({
      page,
      truth: { key: t.key, files: t.files, format: t.format, scope: t.scope, scopeDetected, matchedBy: rule, privateUseChars: t.privateUseChars },
      text: {
        ocr: ocr ? scoreText(ref.page.text, ocrText(ocr), ref.page.scope) : null,
        corrected: ocr && correction ? scoreText(ref.page.text, correctedText(ocr, correction), ref.page.scope) : null,
        merged: merge ? scoreText(ref.merged.text, mergedText(merge, ref.merged.scope), ref.merged.scope) : null,
      },
      labels,
      lineLabels,
      pageNumber:
        truthNumber !== null && (label || merge)
          ? { truth: truthNumber, predicted: predictedNumber, correct: predictedNumber !== null && samePageNumber(truthNumber, predictedNumber) }
          : null,
    });
  }

  const overallText = (stage: TextStage) => {
    const all = pages.flatMap((p) => (p.text[stage] ? [{ page: p.page, score: p.text[stage] }] : []));
    if (all.length === 0) return null;
    // A blank truth page has nothing to divide by: its noise is reported apart, not in the ratio.
    const blank = all.filter(({ score }) => score.normalized.cer.referenceLength === 0);
    const scored = all.filter(({ score }) => score.normalized.cer.referenceLength > 0).map(({ score }) => score);
    return {
      pages: scored.length,
      blankPages: {
        pages: blank.length,
        hypothesisChars: blank.reduce((sum, { score }) => sum + score.normalized.cer.hypothesisLength, 0),
        page: blank.map(({ page }) => page),
      },
      raw: { cer: totalErrorRate(scored.map((s) => s.raw.cer)), wer: totalErrorRate(scored.map((s) => s.raw.wer)) },
      normalized: { cer: totalErrorRate(scored.map((s) => s.normalized.cer)), wer: totalErrorRate(scored.map((s) => s.normalized.wer)) },
    };
  };
  const labelled = pages.flatMap((p) => (p.labels ? [p.labels] : []));
  const labelTotals = labelled.length > 0 ? addClassCounts(labelled) : null;
  const lined = pages.flatMap((p) => (p.lineLabels ? [p.lineLabels] : []));
  const lineTotals = lined.length > 0 ? addLineCounts(lined) : null;
  const numbered = pages.flatMap((p) => (p.pageNumber ? [p.pageNumber] : []));
  const correctNumbers = numbered.filter((n) => n.correct).length;
  const missingNumbers = numbered.filter((n) => n.predicted === null).length;
  const matched = new Set(matches.map((m) => m.page));

  const result: EvalResult = EvalResultSchema.parse({
    schemaVersion: 1,
    scanId: scan.scanId,
    truthFolder,
    createdAt: (options.now ?? new Date()).toISOString(),
    normalization: NORMALIZATION_NOTE,
    sources: { labels: labelPages.size > 0 ? 'label' : 'none', pageNumbers: mergePages.size > 0 ? 'merge' : labelPages.size > 0 ? 'label' : 'none' },
    pages,
    overall: {
      ocr: overallText('ocr'),
      corrected: overallText('corrected'),
      merged: overallText('merged'),
      labels: labelTotals ? Object.fromEntries(SCORED_CLASSES.map((c) => [c, { ...labelTotals[c], ...precisionRecall(labelTotals[c]) }])) : null,
      lineLabels: lineTotals ? Object.fromEntries(LINE_KINDS.map((c) => [c, { ...lineTotals[c], ...precisionRecall(lineTotals[c]) }])) : null,
      pageNumbers:
        numbered.length > 0
          ? {
              pages: numbered.length,
              correct: correctNumbers,
              wrong: numbered.length - correctNumbers - missingNumbers,
              missing: missingNumbers,
              rate: correctNumbers / numbered.length,
            }
          : null,
    },
    unmatchedTruth: unmatched,
    pagesWithoutTruth: scanPages.filter((p) => !matched.has(p)),
    missingPages,
  });
  if (options.write ?? true) await writeEvalResult(scan, result);
  return result;
}

/** Writes `eval.json` into the scan (`<scan>/eval/eval.json`), atomically; returns its path. */
export async function writeEvalResult(scan: BookStorage, result: EvalResult): Promise<string> {
  return scan.stage(EVAL_FOLDER).writeFile(EVAL_FILE, `${JSON.stringify(EvalResultSchema.parse(result), null, 2)}\n`);
}

/** Reads a scan's `eval.json`, validated. @throws BookpipeError FILE_CORRUPT when it does not match the schema */
export async function readEvalResult(scan: BookStorage): Promise<EvalResult> {
  const stage = scan.stage(EVAL_FOLDER);
  const content = await stage.readFile(EVAL_FILE);
  const parsed = EvalResultSchema.safeParse(JSON.parse(content));
  if (!parsed.success) {
    throw new BookpipeError(
      ErrorCode.FILE_CORRUPT,
      `${stage.filePath(EVAL_FILE)} does not match the eval.json schema (${parsed.error.issues[0]?.message ?? 'invalid'}). Run \`bookpipe eval\` again.`,
      {
        details: { scanId: scan.scanId, file: stage.filePath(EVAL_FILE) },
      },
    );
  }
  return parsed.data;
}

export { TEXT_STAGES };
