import {
  BOOK_JSON,
  BOOK_MD,
  type Continuation,
  type CorrectionPage,
  CorrectionPageSchema,
  type LabelPage,
  LabelPageSchema,
  type MergePage,
  MergePageSchema,
  OCR_STAGE,
  type OcrPage,
  PAGE_NUMBERS_FILE,
  PageNumbersFileSchema,
} from '@bookpipe/contracts';
import {
  BaseStage,
  BookpipeError,
  type DependencyDeclaration,
  describeError,
  ErrorCode,
  mapLimit,
  processPages,
  type StageContext,
  type StageInput,
  type StageStats,
} from '@bookpipe/core';
import type { ZodType } from 'zod';
import { buildBook } from './build-book.js';
import { continues } from './continuation.js';
import { type MergePageMetrics, MergePageMetricsSchema, MergeReportSchema } from './merge-metrics.js';
import { type MergeStageOptions, type ResolvedMergeOptions, resolveMergeOptions } from './merge-options.js';
import { type MergedPage, mergePage, type PageNumberEntry } from './merge-page.js';
import { parseJsonBytes } from './parse-json-bytes.js';
import { renderMarkdown } from './render-markdown.js';

type Built = { ok: true; merged: MergedPage; seconds: number } | { ok: false; error: unknown };
type MergeContext = StageContext<MergePage, MergePageMetrics>;
/** The inputs the merge may read besides the OCR pages. */
type MergeInput = 'correction' | 'label';

/**
 * The "merge" stage: deterministic, no model. For every page it takes the OCR page's blocks and
 * paragraphs (all of them: no OCR text is ever dropped), the correction stage's text where it changed
 * a paragraph, the label stage's class of each block and the printed page number reconciled across the
 * book (`label/page-numbers.json`, else the label page), and decides whether the body text runs on
 * across each page break. Then `after()` writes `merge/book.json` and `merge/book.md`.
 *
 * Correction and label are optional dependencies: read when they are in the pipeline (which runs them
 * first) or complete in the scan, left out otherwise. A block or paragraph they have nothing for keeps
 * its OCR text and says what was missing (`labelMissing`, `correctionMissing`).
 *
 * @example
 * new Pipeline({ scan, stages: [new SourceStage({ inputs: ['book.pdf'] }), new OcrStage(), new MergeStage()] }) // OCR text alone
 */
export class MergeStage extends BaseStage<MergePage, MergePageMetrics> {
  readonly name = 'merge';
  readonly dependencies: readonly DependencyDeclaration[];
  override readonly outputSchema = MergePageSchema;
  override readonly checkpointSchema = MergePageMetricsSchema;
  override readonly reportSchema = MergeReportSchema;
  readonly #options: ResolvedMergeOptions;
  /** Pages this instance saved in its last run(), handed to after() so that it need not read them back. */
  #saved = new Map<number, MergePage>();
  /** Per input of this run: the pages its journal holds as done (read once per run, no page file opened). */
  #journalled = new Map<MergeInput, Promise<ReadonlySet<number>>>();

  constructor(options: MergeStageOptions = {}) {
    super();
    this.#options = resolveMergeOptions(options);
    const { use } = this.#options;
    const input = (stage: MergeInput): DependencyDeclaration[] => (use[stage] === false ? [] : [use[stage] ? stage : { stage, optional: true }]);
    this.dependencies = ['ocr', ...input('correction'), ...input('label')];
  }

  /** The correction or label pages when this run reads them (declared, and in the pipeline or complete in the scan). */
  #input(ctx: MergeContext, stage: MergeInput): StageInput | undefined {
    if (this.#options.use[stage] === false) return undefined;
    const input = ctx.input(stage);
    return input.available ? input : undefined;
  }

  /**
   * Checks the inputs (BaseStage), then whether merge pages made earlier are stale: merged without a
   * correction or label page that now exists (a page that failed there and was redone, or a stage now
   * used that was not). Then the merge starts again from scratch (it takes about a second for 400
   * pages), since `Pipeline` would otherwise skip a complete stage.
   */
  override async before(ctx: MergeContext): Promise<void> {
    await super.before(ctx);
    const reason = await this.#staleReason(ctx);
    if (reason === undefined) {
      await this.#restoreBook(ctx);
      return;
    }
    ctx.logger.info('merge pages are stale: merging again', { reason });
    ctx.emit({ type: 'stage:event', stage: this.name, event: { type: 'merge:stale', reason } });
    await ctx.output.clean();
  }

  /**
   * A complete merge whose book.json or book.md is gone (deleted by hand, lost with a disk) gets both
   * written again from its merge pages: `Pipeline` skips a complete stage, and the run would otherwise
   * end "done" with no book. A merge with pages left to do writes the book in after() anyway.
   */
  async #restoreBook(ctx: MergeContext): Promise<void> {
    const missing: string[] = [];
    for (const name of [BOOK_JSON, BOOK_MD]) {
      try {
        await ctx.output.readFile(name);
      } catch (error) {
        if (!BookpipeError.isInstance(error) || error.code !== ErrorCode.DEPENDENCY_MISSING) throw error;
        missing.push(name);
      }
    }
    if (missing.length === 0 || !(await ctx.checkpoint.status()).complete) return;
    if ((await ctx.checkpoint.remainingPages(await ctx.scan.pageNumbers())).length > 0) return;
    await writeBook(ctx);
    const message = `${missing.map((name) => ctx.output.filePath(name)).join(' and ')} ${missing.length === 1 ? 'was' : 'were'} missing: written again from the merge pages.`;
    ctx.logger.warn(message, { missing });
    ctx.emit({ type: 'stage:event', stage: this.name, event: { type: 'merge:warning', message } });
  }

  async #staleReason(ctx: MergeContext): Promise<string | undefined> {
    const used = (['correction', 'label'] as const).filter((stage) => this.#input(ctx, stage) !== undefined);
    if (used.length === 0) return undefined;
    const merged = await ctx.output.listPages();
    if (merged.length === 0) return undefined;
    const available = new Map<string, Set<number>>();
    for (const stage of used) available.set(stage, new Set(await ctx.input(stage).listPages()));
    for (const page of merged) {
      let inputs: MergePage['inputs'] | undefined;
      try {
        inputs = (parseJsonBytes(await ctx.output.loadPageBytes(page)) as Partial<MergePage>).inputs;
      } catch {
        continue; // an unreadable merge page is redone anyway (remainingPages)
      }
      for (const stage of used) {
        if (inputs?.[stage] !== 'used' && available.get(stage)!.has(page)) {
          return `page ${page} was merged without its ${stage} page (${inputs?.[stage] ?? 'unknown'}), which now exists`;
        }
      }
    }
    return undefined;
  }

  override async run(ctx: MergeContext): Promise<StageStats> {
    const { concurrency } = this.#options;
    const expected = await ctx.scan.pageNumbers();
    const remaining = await ctx.checkpoint.remainingPages(expected);
    const known = new Set(expected);
    const label = this.#input(ctx, 'label');
    const numbers = label ? await this.#readPageNumbers(ctx, label) : undefined;
    this.#journalled.clear();

    // Continuation needs each page's neighbours, done or not. Every page is read and merged first, in
    // memory (merge pages are small: no word boxes), then saved: measured faster than reading pages
    // ahead while saving, whose reads and fsyncs compete (bench/merge).
    // Two pages either side: a neighbour merged in an earlier run gets its continuation recomputed below,
    // which needs its own other neighbour too (else its far side would read as "no page there").
    const wanted = [...new Set(remaining.flatMap((page) => [page - 2, page - 1, page, page + 1, page + 2]))]
      .filter((page) => known.has(page))
      .sort((a, b) => a - b);
    const started = performance.now();
    const built = new Map<number, Built>();
    await mapLimit(wanted, concurrency, async (page) => {
      if (!ctx.signal.aborted) built.set(page, await this.#build(ctx, page, numbers?.get(page)));
    });
    ctx.logger.info('pages read and merged in memory', { pages: built.size, seconds: round((performance.now() - started) / 1000) });

    /** The page with its continuation, from its own and its neighbours' edges; undefined when the run stopped before reading it. */
    const finish = (page: number): { data: MergePage; metrics: MergePageMetrics } | { error: unknown } | undefined => {
      const here = built.get(page);
      if (!here) return undefined;
      if (!here.ok) return { error: here.error };
      const previous = built.get(page - 1);
      const next = built.get(page + 1);
      const { merged } = here;
      const continuation: Continuation = {
        fromPrevious: previous?.ok === true && continues(previous.merged.edge.end, merged.edge.start),
        toNext: next?.ok === true && continues(merged.edge.end, next.merged.edge.start),
        endsWithHyphen: merged.page.continuation.endsWithHyphen,
      };
      const data: MergePage = { ...merged.page, continuation };
      const { counts } = merged;
      const metrics: MergePageMetrics = {
        pageNum: page,
        processingTimeSeconds: here.seconds,
        costUsd: 0,
        blocks: counts.blocks,
        paragraphs: counts.paragraphs,
        ocrWords: counts.ocrWords,
        correctedParagraphs: counts.correctedParagraphs,
        blocksWithoutLabel: counts.blocksWithoutLabel,
        paragraphsWithoutCorrection: counts.paragraphsWithoutCorrection,
        correctionRefused: counts.correctionRefused,
        printedPageNumber: data.printedPageNumber,
        fromPrevious: continuation.fromPrevious,
        toNext: continuation.toNext,
      };
      return { data, metrics };
    };

    const saved = new Map<number, MergePage>();
    const stats = await processPages(ctx, {
      pages: expected,
      concurrency,
      processPage: async (page) => {
        const result = finish(page);
        if (result === undefined)
          throw new BookpipeError(ErrorCode.ABORTED, `Page ${page} of scan "${ctx.scan.scanId}" was not merged: the run was stopped before it was read.`);
        if ('error' in result) throw result.error;
        saved.set(page, result.data);
        return result;
      },
    });
    // A page whose save failed is not on disk: after() must not see it.
    for (const failure of stats.failures) saved.delete(failure.page);

    // A neighbour merged in an earlier run learns whether its text now runs on into the page merged now.
    const done = new Set(remaining);
    const neighbours = [...new Set(remaining.flatMap((page) => [page - 1, page + 1]))]
      .filter((page) => known.has(page) && !done.has(page))
      .sort((a, b) => a - b);
    for (const page of neighbours) {
      if (ctx.signal.aborted) break;
      const result = finish(page);
      if (result === undefined || 'error' in result) continue;
      const stored = await ctx.output.loadPage<MergePage>(page).catch(() => undefined);
      const before = stored?.continuation;
      if (before && before.fromPrevious === result.data.continuation.fromPrevious && before.toNext === result.data.continuation.toNext) continue;
      await ctx.output.savePage(page, result.data, result.metrics);
      saved.set(page, result.data);
      ctx.logger.info('continuation of a page merged earlier updated', { page, continuation: result.data.continuation });
    }
    this.#saved = saved;
    return stats;
  }

  /** report.csv, then `book.json` and `book.md` from every merged page. */
  override async after(ctx: MergeContext, stats: StageStats): Promise<void> {
    await super.after(ctx, stats);
    const started = performance.now();
    const saved = this.#saved;
    this.#saved = new Map();
    const { bookJson, bookMd } = await writeBook(ctx, { pages: saved, failures: stats.failures });
    ctx.logger.info('book written', { bookJson, bookMd, seconds: round((performance.now() - started) / 1000) });
    ctx.emit({ type: 'stage:event', stage: this.name, event: { type: 'merge:book', bookJson, bookMd } });
  }

  async #build(ctx: MergeContext, page: number, pageNumber: PageNumberEntry | undefined): Promise<Built> {
    const started = performance.now();
    const correctionInput = this.#input(ctx, 'correction');
    const labelInput = this.#input(ctx, 'label');
    try {
      const ocr = await loadOcrPage(ctx.input(OCR_STAGE), page);
      const correction = correctionInput ? await this.#optionalPage<CorrectionPage>(ctx, 'correction', correctionInput, page, CorrectionPageSchema) : undefined;
      const label = labelInput ? await this.#optionalPage<LabelPage>(ctx, 'label', labelInput, page, LabelPageSchema) : undefined;
      let merged: MergedPage;
      try {
        merged = mergePage({ ocr, correction, label, ...(pageNumber ? { pageNumber } : {}) });
      } catch (error) {
        // The OCR page was read unvalidated (see loadOcrPage): a page that does not fit the schema says how.
        await ctx.input(OCR_STAGE).load(page);
        throw error;
      }
      if (merged.counts.unmatched.length > 0) {
        ctx.logger.warn('inputs name blocks or paragraphs the OCR page does not have: ignored', { page, unmatched: merged.counts.unmatched });
      }
      return { ok: true, merged, seconds: (performance.now() - started) / 1000 };
    } catch (error) {
      return { ok: false, error };
    }
  }

  /**
   * A correction or label page, or null when the stage has none for this page (it failed there, or
   * the page was never done): the merge then keeps the OCR text and says the input is missing.
   *
   * Whether the input is complete comes from its journal (`isComplete`), not from checking every page
   * file before the merge starts; each page is validated here, when it is read. A page the journal holds
   * as done whose file is missing or invalid fails this page, naming the file and the stage to run
   * again: merging the OCR text in its place would make a book silently other than the one asked for.
   */
  async #optionalPage<T>(ctx: MergeContext, name: MergeInput, input: StageInput, page: number, schema: ZodType<T>): Promise<T | null> {
    const { storage, stage } = input;
    try {
      // Parsed from bytes like the OCR pages (the correction's text makes UTF-8 decoding slow), then validated.
      const bytes = await storage.loadPageBytes(page);
      let value: unknown;
      try {
        value = parseJsonBytes(bytes);
      } catch {
        value = undefined; // not JSON: loadPage below says so
      }
      const parsed = schema.safeParse(value);
      if (parsed.success) return parsed.data;
      return await storage.loadPage(page, schema); // throws PAGE_INVALID naming the file and the problem
    } catch (error) {
      if (!BookpipeError.isInstance(error) || (error.code !== ErrorCode.DEPENDENCY_MISSING && error.code !== ErrorCode.PAGE_INVALID)) throw error;
      if ((await this.#journalledPages(name, input)).has(page)) {
        const what = error.code === ErrorCode.DEPENDENCY_MISSING ? 'is missing' : 'is not a valid page';
        throw new BookpipeError(
          error.code,
          `Page ${page} of stage "${stage}" in scan "${ctx.scan.scanId}" is journalled as done, but its file ${storage.pagePath(page)} ${what} (${describeError(error).slice(0, 300)}). ` +
            `Run the ${stage} stage again (it redoes that page), then the merge.`,
          { details: { scanId: ctx.scan.scanId, stage, page, file: storage.pagePath(page) }, cause: error },
        );
      }
      ctx.logger.warn(`no ${stage} page: merged without it`, { page, error: describeError(error) });
      return null;
    }
  }

  /** The pages `input`'s journal holds as done: one read of its checkpoint.jsonl per run, shared by every page. */
  #journalledPages(name: MergeInput, input: StageInput): Promise<ReadonlySet<number>> {
    let pages = this.#journalled.get(name);
    if (!pages) {
      pages = input.storage.checkpoint.metrics().then((metrics) => new Set(metrics.keys()));
      this.#journalled.set(name, pages);
    }
    return pages;
  }

  /** `label/page-numbers.json` by page, or undefined when the label stage wrote none (or a damaged one). */
  async #readPageNumbers(ctx: MergeContext, input: StageInput): Promise<Map<number, PageNumberEntry> | undefined> {
    const label = input.storage;
    let text: string;
    try {
      text = await label.readFile(PAGE_NUMBERS_FILE);
    } catch (error) {
      if (BookpipeError.isInstance(error) && error.code === ErrorCode.DEPENDENCY_MISSING) return undefined;
      throw error;
    }
    let parsed: ReturnType<typeof PageNumbersFileSchema.safeParse> | { success: false; error: unknown };
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
 * An OCR page, parsed (fast, see `parseJsonBytes`) but not validated: the OCR stage's storage validated
 * it against OcrPageSchema when it was written, and again when a run resumed. A page that does not fit
 * fails in `mergePage`, and is then validated to say why.
 */
async function loadOcrPage(ocr: StageInput<OcrPage>, page: number): Promise<OcrPage> {
  const bytes = await ocr.loadBytes(page);
  try {
    return parseJsonBytes(bytes) as OcrPage;
  } catch {
    // Not JSON: the validating reader says so, naming the file and the next step.
    return ocr.load(page);
  }
}

/** What `writeBook` may be given instead of reading it back. */
export interface WriteBookOptions {
  /** Merge pages already in memory (as saved), by page number; the others are read from the merge folder. */
  pages?: ReadonlyMap<number, MergePage>;
  /** Why pages failed, for the missing pages' notes. @default the stage's journal (`checkpoint.status()`) */
  failures?: ReadonlyArray<{ page: number; error: string }>;
}

/**
 * Builds `book.json` and `book.md` from the merge pages and writes them into the merge folder. Pages with
 * no valid merge page are listed in `missingPages` (and as comments in book.md).
 */
export async function writeBook(ctx: Pick<StageContext, 'scan' | 'output'>, options: WriteBookOptions = {}): Promise<{ bookJson: string; bookMd: string }> {
  const expected = await ctx.scan.pageNumbers();
  const failures = new Map((options.failures ?? (await ctx.output.checkpoint.status()).failedPages).map((failure) => [failure.page, failure.error]));
  const loaded = await mapLimit(expected, 16, async (page) => {
    const known = options.pages?.get(page);
    if (known) return { page, data: known };
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
  const bookJson = await ctx.output.writeFile(BOOK_JSON, `${JSON.stringify(book, null, 2)}\n`);
  const bookMd = await ctx.output.writeFile(BOOK_MD, renderMarkdown(book));
  return { bookJson, bookMd };
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
