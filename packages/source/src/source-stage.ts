import type { ScanMetadata } from '@bookpipe/contracts';
import { BaseStage, BookpipeError, ErrorCode, processPages, type StageContext, type StageStats } from '@bookpipe/core';
import { decodeImagePage, type ImageLimits, verifyImageFile } from './image-file.js';
import { inputError } from './input-error.js';
import { encodePagePng } from './page-png.js';
import { PdfDocument, type PdfPageRender } from './pdf-document.js';
import type { RawPixels } from './raw-pixels.js';
import { type SourcePageMetrics, SourcePageMetricsSchema } from './source-metrics.js';
import { type ResolvedSourceOptions, resolveSourceOptions, type SourceStageOptions } from './source-options.js';
import { describeFiles, locatePage, planSources, type SourceFile, type SourcePlan, sameSources, sourceFilesMetadata } from './source-plan.js';

/** Settings that change the page images; a resume with other settings would mix two kinds of page. */
interface SourceSettings {
  dpi: number;
  maxPixels: number;
  grayscale: 'auto' | boolean;
}

/**
 * The first stage: turns PDFs and page images into `source/page_NNNN.png`, one per book page, and
 * records the inputs (paths, SHA-256, sizes, page counts) in metadata.json.
 *
 * - PDFs are rendered with mupdf at `dpi` (300), honouring each page's /Rotate; images are read with
 *   sharp (EXIF orientation applied, transparency flattened on white). Pages go out as PNG, in
 *   grayscale when they have no real colour (`grayscale: 'auto'`).
 * - Work stays on the main thread but goes page by page: a PDF is never rendered whole into memory.
 * - Pixel budget: at most `maxPixels` (2^26 = 67 Mpx) per page; larger pages are downsampled to fit,
 *   and their effective DPI is in the metrics. Declared sizes over `maxInputPixels` (2^28 = 268 Mpx)
 *   are refused before decoding.
 * - Numbering is decided up front from the page counts, so a resumed run redoes exactly the missing
 *   pages. Running again with other inputs is refused unless `force` is set.
 *
 * @example
 * const pipeline = new Pipeline({ scan, stages: [new SourceStage({ inputs: ['book.pdf'] }), new OcrStage()] });
 */
export class SourceStage extends BaseStage<Uint8Array, SourcePageMetrics> {
  readonly name = 'source';
  readonly dependencies: readonly string[] = [];
  override readonly pageFormat = 'png' as const;
  override readonly checkpointSchema = SourcePageMetricsSchema;
  override readonly reportSchema = SourcePageMetricsSchema;
  readonly options: ResolvedSourceOptions;
  /** Plans made by `before()`, per scan folder (a stage instance may serve several scans). */
  readonly #plans = new Map<string, SourcePlan>();

  /** @throws BookpipeError CONFIG_INVALID naming each wrong option. */
  constructor(options: SourceStageOptions) {
    super();
    this.options = resolveSourceOptions(options);
  }

  get #limits(): ImageLimits {
    return { maxPixels: this.options.maxPixels, maxInputPixels: this.options.maxInputPixels };
  }

  get #settings(): SourceSettings {
    return { dpi: this.options.dpi, maxPixels: this.options.maxPixels, grayscale: this.options.grayscale };
  }

  /**
   * Lists and checks every input, decides the numbering, refuses other inputs than the scan already
   * holds (unless `force`), checks that every image with a page still to do decodes, and records the
   * sources in metadata.json. Nothing is written before every whole-file check has passed.
   * @throws BookpipeError INPUT_INVALID naming the file (and page).
   */
  override async before(ctx: StageContext): Promise<void> {
    const { options } = this;
    const plan = await planSources(options.inputs, this.#limits);
    for (const skipped of plan.ignored) {
      ctx.logger.info('input folder: file ignored', { file: skipped.path, reason: skipped.reason });
      ctx.emit({ type: 'stage:event', stage: this.name, event: { type: 'source:ignored', file: skipped.path, reason: skipped.reason } });
    }

    // Read, not init(): a run refused below must leave no trace, not even an empty scan.
    const metadata: Partial<ScanMetadata> = (await ctx.scan.exists()) ? await ctx.scan.readMetadata() : {};
    const conflict = await this.#conflict(ctx, metadata, plan);
    if (conflict && !options.force) {
      throw new BookpipeError(ErrorCode.INPUT_INVALID, conflict, {
        details: { scanId: ctx.scan.scanId, stage: this.name, recorded: metadata.sourceFiles, inputs: plan.files.map((f) => f.path) },
      });
    }

    const allPages = Array.from({ length: plan.totalPages }, (_, i) => i + 1);
    const remaining = new Set(conflict ? allPages : await ctx.checkpoint.remainingPages(allPages));
    // Decoding is the only way to find a truncated or corrupt image; do it for every image that still
    // has a page to make, so that a bad file stops the run before any page is written.
    for (const file of plan.files) {
      if (file.kind === 'pdf') continue;
      if (!allPagesOf(file).some((p) => remaining.has(p))) continue;
      await verifyImageFile(file.path, file.pages, this.#limits);
    }

    if (conflict) {
      // force: the old pages, and everything made from them, go.
      ctx.logger.warn("replacing the scan's source pages (force)", { previous: metadata.sourceFiles?.map((f) => f.path) });
      for (const stage of await ctx.scan.stageNames()) await ctx.scan.stage(stage).clean();
      await ctx.output.clean();
    }
    await ctx.scan.init();
    await ctx.scan.updateMetadata((current) => ({
      ...current,
      sourceFiles: sourceFilesMetadata(plan),
      totalPages: plan.totalPages,
      dpi: options.dpi,
      sourceSettings: this.#settings,
    }));
    this.#plans.set(ctx.scan.dir, plan);
  }

  override async run(ctx: StageContext<Uint8Array, SourcePageMetrics>): Promise<StageStats> {
    let plan = this.#plans.get(ctx.scan.dir);
    if (!plan) {
      await this.before(ctx);
      plan = this.#plans.get(ctx.scan.dir)!;
    }
    const pdfs = new PdfCache();
    try {
      return await processPages(ctx, {
        pages: Array.from({ length: plan.totalPages }, (_, i) => i + 1),
        concurrency: this.options.concurrency,
        processPage: async (page) => {
          const { file, index } = locatePage(plan, page);
          try {
            return await this.#makePage(ctx, page, file, index, pdfs);
          } catch (error) {
            if (BookpipeError.isInstance(error)) {
              throw inputError(`Book page ${page}: ${error.message}`, { ...error.details, scanId: ctx.scan.scanId, stage: this.name, page }, error);
            }
            throw error;
          }
        },
      });
    } finally {
      pdfs.close();
      this.#plans.delete(ctx.scan.dir);
    }
  }

  async #makePage(ctx: StageContext, page: number, file: SourceFile, index: number, pdfs: PdfCache) {
    const started = performance.now();
    let pixels: RawPixels;
    let dpi: number | null;
    let downsampled: boolean;
    let pdfRotate: number | null = null;
    let exifOrientation: number | null = null;
    if (file.kind === 'pdf') {
      const render: PdfPageRender = await pdfs.use(file.path, (doc) =>
        doc.renderPage(index, {
          dpi: this.options.dpi,
          maxPixels: this.options.maxPixels,
          maxInputPixels: this.options.maxInputPixels,
          colour: this.options.grayscale === true ? 'gray' : 'rgb',
        }),
      );
      ({ pixels, dpi, downsampled } = render);
      pdfRotate = render.rotate;
      if (render.warnings.length > 0)
        ctx.logger.warn('mupdf warnings while rendering', { page, file: file.path, sourcePage: index + 1, warnings: render.warnings });
    } else {
      const decoded = await decodeImagePage(file.path, index, file.pages, this.#limits);
      ({ pixels, dpi, downsampled } = decoded);
      exifOrientation = decoded.orientation;
    }
    if (downsampled) {
      ctx.logger.info('page downsampled to the pixel budget', { page, file: file.path, sourcePage: index + 1, dpi, maxPixels: this.options.maxPixels });
    }
    const png = await encodePagePng(pixels, this.options.grayscale, dpi);
    const metrics: SourcePageMetrics = {
      pageNum: page,
      processingTimeSeconds: (performance.now() - started) / 1000,
      costUsd: 0,
      sourceFile: file.path,
      sourcePage: index + 1,
      width: png.width,
      height: png.height,
      dpi: dpi === null ? null : Math.round(dpi * 100) / 100,
      downsampled,
      grayscale: png.grayscale,
      pdfRotate,
      exifOrientation,
      pngBytes: png.png.length,
    };
    return { data: png.png, metrics };
  }

  /** Why the scan's existing pages cannot be resumed with these inputs, or undefined when they can. */
  async #conflict(ctx: StageContext, metadata: Partial<ScanMetadata>, plan: SourcePlan): Promise<string | undefined> {
    const recorded = metadata.sourceFiles ?? [];
    const scan = ctx.scan.scanId;
    const consequence = "pass force to replace them (this deletes the downstream stages' outputs)";
    if (recorded.length === 0) {
      const existing = await ctx.output.listPages();
      if (existing.length === 0) return undefined;
      return `Scan "${scan}" already holds ${existing.length} source pages, but metadata.json does not say which files they came from; ${consequence}.`;
    }
    if (!sameSources(recorded, plan)) {
      return `Scan "${scan}" already holds pages from ${describeFiles(recorded.map((f) => f.path))}, not from the inputs given (${describeFiles(plan.files.map((f) => f.path))}); ${consequence}.`;
    }
    const before = (metadata as { sourceSettings?: Partial<SourceSettings> }).sourceSettings;
    const now = this.#settings;
    const changed = before ? (Object.keys(now) as Array<keyof SourceSettings>).filter((k) => before[k] !== now[k]) : [];
    if (changed.length > 0 && (await ctx.output.listPages()).length > 0) {
      const list = changed.map((k) => `${k} ${JSON.stringify(before![k])} -> ${JSON.stringify(now[k])}`).join(', ');
      return `Scan "${scan}" holds pages made from the same files with other settings (${list}); resuming would mix both kinds of page: ${consequence}.`;
    }
    return undefined;
  }
}

function allPagesOf(file: SourceFile): number[] {
  return Array.from({ length: file.pages }, (_, i) => file.firstPage + i);
}

/**
 * Keeps open the PDF being read (across its pages) and any other still in use by a page in flight;
 * a document nobody uses any more is closed as soon as reading moves on to another file.
 */
class PdfCache {
  readonly #open = new Map<string, { doc: Promise<PdfDocument>; users: number }>();
  #current: string | undefined;

  /** Runs `fn` (synchronous, so the document cannot be closed under it) on the open document. */
  async use<T>(path: string, fn: (doc: PdfDocument) => T): Promise<T> {
    let entry = this.#open.get(path);
    if (!entry) {
      entry = { doc: PdfDocument.open(path), users: 0 };
      this.#open.set(path, entry);
    }
    this.#current = path;
    entry.users++;
    try {
      return fn(await entry.doc);
    } catch (error) {
      // A failed open is not cached: the next page tries again and gets its own error.
      if (this.#open.get(path) === entry) await entry.doc.catch(() => this.#open.delete(path));
      throw error;
    } finally {
      entry.users--;
      this.#sweep();
    }
  }

  close(): void {
    this.#current = undefined;
    this.#sweep();
  }

  #sweep(): void {
    for (const [path, entry] of this.#open) {
      if (path === this.#current || entry.users > 0) continue;
      this.#open.delete(path);
      entry.doc.then((d) => d.close()).catch(() => {});
    }
  }
}
