/**
 * Test support, not exported: correction and label files for a scan that has OCR pages, made by the
 * real deterministic passes of @bookpipe/stage-correction (`dehyphenate`) and @bookpipe/stage-label
 * (`labelDeterministic`, whose reconciled numbers also make `label/page-numbers.json`), written through
 * the real storage as those stages write them. Used until the stages' own classes run in these tests.
 */
import { OcrPageSchema, type BookStorage, type OcrPage } from '@bookpipe/core';
import { buildVocabulary, dehyphenate } from '@bookpipe/stage-correction';
import { LabelPageSchema, labelDeterministic, type LabelPage } from '@bookpipe/stage-label';
import { CorrectionInputSchema } from '../correction-input.js';
import type { PageNumbersFile } from '../page-numbers-file.js';

/** Reads every OCR page of the scan, in page order. */
export async function loadOcrPages(scan: BookStorage): Promise<OcrPage[]> {
  const ocr = scan.stage('ocr', { schema: OcrPageSchema });
  const pages = await ocr.listPages();
  return Promise.all(pages.map((page) => ocr.loadPage<OcrPage>(page)));
}

/** A correction page as the deterministic correction pass makes it: line-end hyphens resolved with the book's words. */
export function deterministicCorrections(pages: readonly OcrPage[]) {
  const vocabulary = buildVocabulary(pages);
  return pages.map((page) => {
    const result = dehyphenate(page, { vocabulary });
    const paragraphs = result.paragraphs.map((p) => ({
      blockNum: p.blockNum,
      parNum: p.parNum,
      text: p.text,
      notes: p.joins.length > 0 ? `${p.joins.length} line-end hyphen(s) decided` : '',
      confidence: p.text === null ? 1 : 0.9,
    }));
    return {
      pageNumber: page.pageNumber,
      method: 'deterministic' as const,
      model: null,
      paragraphs,
      totals: { paragraphs: paragraphs.length, corrected: paragraphs.filter((p) => p.text !== null).length, charactersChanged: 0 },
      createdAt: new Date(0).toISOString(),
    };
  });
}

/** Label pages of the whole book, and the book-level page numbers file the label stage's after() writes. */
export function deterministicLabels(pages: readonly OcrPage[]): { labels: LabelPage[]; pageNumbers: PageNumbersFile } {
  const labels = labelDeterministic(pages);
  const pageNumbers = labels.map((label, index) => ({
    page: pages[index]!.pageNumber,
    printedPageNumber: label.printedPageNumber,
    numberingStyle: label.numberingStyle,
    inferred: label.pageNumberInferred ?? false,
  }));
  return { labels, pageNumbers };
}

/** Writes correction and/or label stages (pages, journal, completion, page-numbers.json) for a scan with OCR pages. */
export async function writeDeterministicInputs(scan: BookStorage, which: { correction?: boolean; label?: boolean } = { correction: true, label: true }): Promise<void> {
  const pages = await loadOcrPages(scan);
  if (which.correction) {
    const stage = scan.stage('correction', { schema: CorrectionInputSchema });
    for (const page of deterministicCorrections(pages)) {
      await stage.savePage(page.pageNumber, page, { pageNum: page.pageNumber, processingTimeSeconds: 0, costUsd: 0 });
    }
    await stage.checkpoint.markStageComplete({ pagesProcessed: pages.length });
  }
  if (which.label) {
    const stage = scan.stage('label', { schema: LabelPageSchema });
    const { labels, pageNumbers } = deterministicLabels(pages);
    for (const [index, label] of labels.entries()) {
      const page = pages[index]!.pageNumber;
      await stage.savePage(page, label, { pageNum: page, processingTimeSeconds: 0, costUsd: 0 });
    }
    await stage.writeFile('page-numbers.json', JSON.stringify(pageNumbers, null, 2));
    await stage.checkpoint.markStageComplete({ pagesProcessed: pages.length });
  }
}
