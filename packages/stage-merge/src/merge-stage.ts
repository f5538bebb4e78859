import {
  BaseStage,
  BookpipeError,
  ErrorCode,
  OcrPageSchema,
  describeError,
  processPages,
  type OcrPage,
  type StageContext,
  type StageStats,
} from '@bookpipe/core';
import { LabelPageSchema, type LabelPage } from '@bookpipe/stage-label';
import type { ZodType } from 'zod';
import { buildBook } from './build-book.js';
import { linkPages } from './continuation.js';
import { CorrectionInputSchema, type CorrectionInput } from './correction-input.js';
import { mapLimit } from './map-limit.js';
import { resolveMergeOptions, type MergeStageOptions, type ResolvedMergeOptions } from './merge-options.js';
import { mergePage, type MergedPage } from './merge-page.js';
import { MergePageMetricsSchema, MergePageSchema, MergeReportSchema, type MergePage, type MergePageMetrics } from './merge-schema.js';
import { PAGE_NUMBERS_FILE, PageNumbersFileSchema, type PageNumberEntry } from './page-numbers-file.js';
import { renderMarkdown } from './render-markdown.js';

/** The merge stage's book-level files, in its folder. */
export const BOOK_JSON = 'book.json';
export const BOOK_MD = 'book.md';

type Built = { ok: true; merged: MergedPage; seconds: number } | { ok: false; error: unknown };

/**
 * The "merge" stage: deterministic, no model. For every page it takes the OCR page's blocks and
 * paragraphs (all of them: no OCR text is ever dropped), the correction stage's text where it changed
 * a paragraph, the label stage's class of each block and the printed page number reconciled across the
 * book (`label/page-numbers.json`, else the label page), and decides whether the body text runs on
 * across each page break. Then `after()` writes `merge/book.json` and `merge/book.md`.
 *
 * Correction and label are optional: see `use`. A block or paragraph they have nothing for keeps its
 * OCR text and says what was missing (`labelMissing`, `correctionMissing`).
 *
 * @example
 * new Pipeline({ scan, stages: [new SourceStage({ inputs: ['book.pdf'] }), new OcrStage(), new MergeStage({ use: { correction: false, label: false } })] })
 */
export class MergeStage extends BaseStage<MergePage, MergePageMetrics> {
  readonly name = 'merge';
  readonly dependencies: readonly string[];
  override readonly outputSchema = MergePageSchema;
  override readonly checkpointSchema = MergePageMetricsSchema;
  override readonly reportSchema = MergeReportSchema;
  readonly #options: ResolvedMergeOptions;

  constructor(options: MergeStageOptions = {}) {
    super();
    this.#options = resolveMergeOptions(options);
    const { use } = this.#options;
    this.dependencies = ['ocr', ...(use.correction ? ['correction'] : []), ...(use.label ? ['label'] : [])];
  }

  /** Which of correction and label this merge reads. */
  get uses(): { correction: boolean; label: boolean } {
    return { ...this.#options.use };
  }

  override async run(ctx: StageContext): Promise<StageStats> {
    const { use, concurrency } = this.#options;
    const expected = await ctx.scan.pageNumbers();
    const remaining = await ctx.checkpoint.remainingPages(expected);
    const known = new Set(expected);
    // Continuation needs each page's neighbours, done or not.
    const wanted = [...new Set(remaining.flatMap((page) => [page - 1, page, page + 1]))].filter((page) => known.has(page)).sort((a, b) => a - b);
    const numbers = use.label ? await this.#readPageNumbers(ctx) : undefined;

    const built = new Map<number, Built>();
    await mapLimit(wanted, concurrency, async (page) => {
      if (ctx.signal.aborted) return;
      built.set(page, await this.#build(ctx, page, numbers?.get(page)));
    });
    const links = linkPages([...built].flatMap(([pageNumber, b]) => (b.ok ? [{ pageNumber, edge: b.merged.edge }] : [])));
    const finished = (page: number): { data: MergePage; metrics: MergePageMetrics } | undefined => {
      const b = built.get(page);
      if (!b?.ok) return undefined;
      const data: MergePage = { ...b.merged.page, continuation: { ...b.merged.page.continuation, ...links.get(page)! } };
      const { counts } = b.merged;
      return {
        data,
        metrics: {
          pageNum: page,
          processingTimeSeconds: b.seconds,
          costUsd: 0,
          blocks: counts.blocks,
          paragraphs: counts.paragraphs,
          ocrWords: counts.ocrWords,
          correctedParagraphs: counts.correctedParagraphs,
          blocksWithoutLabel: counts.blocksWithoutLabel,
          paragraphsWithoutCorrection: counts.paragraphsWithoutCorrection,
          printedPageNumber: data.printedPageNumber,
          fromPrevious: data.continuation.fromPrevious,
          toNext: data.continuation.toNext,
        },
      };
    };

    const stats = await processPages<MergePage>(ctx, {
      pages: expected,
      concurrency,
      processPage: async (page) => {
        const b = built.get(page);
        if (b && !b.ok) throw b.error;
        const result = finished(page);
        if (!result) throw new BookpipeError(ErrorCode.ABORTED, `Page ${page} of scan "${ctx.scan.scanId}" was not merged: the run was stopped.`);
        return result;
      },
    });

    // A neighbour merged in an earlier run learns whether its text now runs on into the page merged now.
    const done = new Set(remaining);
    for (const page of wanted) {
      if (done.has(page) || ctx.signal.aborted) continue;
      const result = finished(page);
      if (!result) continue;
      const stored = await ctx.output.loadPage<MergePage>(page).catch(() => undefined);
      const before = stored?.continuation;
      if (before && before.fromPrevious === result.data.continuation.fromPrevious && before.toNext === result.data.continuation.toNext) continue;
      await ctx.output.savePage(page, result.data, result.metrics);
      ctx.logger.info('continuation of a page merged earlier updated', { page, continuation: result.data.continuation });
    }
    return stats;
  }

  /** report.csv, then `book.json` and `book.md` from every merged page. */
  override async after(ctx: StageContext, stats: StageStats): Promise<void> {
    await super.after(ctx, stats);
    const { bookJson, bookMd } = await writeBook(ctx);
    ctx.logger.info('book written', { bookJson, bookMd });
    ctx.emit({ type: 'stage:event', stage: this.name, event: { type: 'merge:book', bookJson, bookMd } });
  }

  async #build(ctx: StageContext, page: number, pageNumber: PageNumberEntry | undefined): Promise<Built> {
    const started = performance.now();
    const { use } = this.#options;
    try {
      const ocr = await ctx.scan.stage('ocr').loadPage<OcrPage>(page, OcrPageSchema);
      const correction = use.correction ? await this.#optionalPage<CorrectionInput>(ctx, 'correction', page, CorrectionInputSchema) : undefined;
      const label = use.label ? await this.#optionalPage<LabelPage>(ctx, 'label', page, LabelPageSchema) : undefined;
      const merged = mergePage({ ocr, correction, label, ...(pageNumber ? { pageNumber } : {}) });
      if (merged.counts.unmatched.length > 0) {
        ctx.logger.warn('inputs name blocks or paragraphs the OCR page does not have: ignored', { page, unmatched: merged.counts.unmatched });
      }
      return { ok: true, merged, seconds: (performance.now() - started) / 1000 };
    } catch (error) {
      return { ok: false, error };
    }
  }

  /**
   * A correction or label page, or null when the stage has none for this page (it failed there) or
   * its file is damaged: the merge then keeps the OCR text and says the input is missing.
   */
  async #optionalPage<T>(ctx: StageContext, stage: string, page: number, schema: ZodType<T>): Promise<T | null> {
    try {
      return await ctx.scan.stage(stage).loadPage(page, schema);
    } catch (error) {
      if (!BookpipeError.isInstance(error) || (error.code !== ErrorCode.DEPENDENCY_MISSING && error.code !== ErrorCode.PAGE_INVALID)) throw error;
      ctx.logger.warn(`no usable ${stage} page: merged without it`, { page, error: describeError(error) });
      return null;
    }
  }

  /** `label/page-numbers.json` by page, or undefined when the label stage wrote none (or a damaged one). */
  async #readPageNumbers(ctx: StageContext): Promise<Map<number, PageNumberEntry> | undefined> {
    const label = ctx.scan.stage('label');
    let text: string;
    try {
      text = await label.readFile(PAGE_NUMBERS_FILE);
    } catch (error) {
      if (BookpipeError.isInstance(error) && error.code === ErrorCode.DEPENDENCY_MISSING) return undefined;
      throw error;
    }
    let parsed;
    try {
      parsed = PageNumbersFileSchema.safeParse(JSON.parse(text));
    } catch (error) {
      parsed = { success: false as const, error };
    }
    if (!parsed.success) {
      const message = `${label.filePath(PAGE_NUMBERS_FILE)} is not a valid list of page numbers (${describeError(parsed.error).slice(0, 300)}): the label pages' own numbers are used. Run the label stage again to rewrite it.`;
      ctx.logger.warn(message);
      ctx.emit({ type: 'stage:event', stage: this.name, event: { type: 'merge:warning', message } });
      return undefined;
    }
    return new Map(parsed.data.map((entry) => [entry.page, entry]));
  }
}

/**
 * Builds `book.json` and `book.md` from the merge pages on disk and writes them into the merge folder.
 * Pages with no valid merge page are listed in `missingPages` (and as comments in book.md).
 */
export async function writeBook(ctx: Pick<StageContext, 'scan' | 'output'>): Promise<{ bookJson: string; bookMd: string }> {
  const expected = await ctx.scan.pageNumbers();
  const status = await ctx.output.checkpoint.status();
  const failures = new Map(status.failedPages.map((failure) => [failure.page, failure.error]));
  const loaded = await mapLimit(expected, 16, async (page) => {
    try {
      return { page, data: await ctx.output.loadPage<MergePage>(page, MergePageSchema) };
    } catch (error) {
      return { page, error: failures.get(page) ?? describeError(error) };
    }
  });
  const pages = loaded.flatMap((entry) => (entry.data ? [entry.data] : []));
  const missingPages = loaded.flatMap((entry) => (entry.data ? [] : [{ page: entry.page, reason: entry.error ?? 'no merge page' }]));
  const metadata = await ctx.scan.readMetadata();
  const book = buildBook(pages, {
    scanId: ctx.scan.scanId,
    title: metadata.title ?? null,
    author: metadata.author ?? null,
    year: metadata.year ?? null,
    language: metadata.language ?? null,
    missingPages,
  });
  const bookJson = await ctx.output.writeFile(BOOK_JSON, JSON.stringify(book, null, 2) + '\n');
  const bookMd = await ctx.output.writeFile(BOOK_MD, renderMarkdown(book));
  return { bookJson, bookMd };
}
