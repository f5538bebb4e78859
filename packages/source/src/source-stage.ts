import type { ScanMetadata } from '@bookpipe/contracts';
import { BaseStage, BookpipeError, ErrorCode, processPages, type StageContext, type StageStats } from '@bookpipe/core';
import { decodeImagePage, type ImageLimits } from './image-file.js';
import { inputError } from './input-error.js';
import { encodePagePng } from './page-png.js';
import { PdfDocument, type PdfPageRender } from './pdf-document.js';
import type { RawPixels } from './raw-pixels.js';
import { type SourcePageMetrics, SourcePageMetricsSchema } from './source-metrics.js';
import { type ResolvedSourceOptions, resolveSourceOptions, type SourceStageOptions } from './source-options.js';
import { describeDifference, locatePage, planSources, type SourceFile, type SourcePlan, sameSources, sourceFilesMetadata } from './source-plan.js';
import { TiffPages } from './tiff-pages.js';

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
 * - A file that cannot be read (empty, not an image, corrupt, a symlink loop or a link to nothing)
 *   stands for one page that fails with the reason (code INPUT_INVALID); the other files go on, and
 *   every bad file is named in the same run. Only when no input at all can be read does `before()` fail.
 * - A multi-page TIFF is read once and decoded page by page from memory, in linear time (`TiffPages`).
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
   * holds (unless `force`), and records the sources in metadata.json. A refused file is named here and
   * fails its page in `run()`; when every input is refused nothing is written, not even metadata.json.
   * @throws BookpipeError INPUT_INVALID naming the file(s).
   */
  override async before(ctx: StageContext): Promise<void> {
    const { options } = this;
    const plan = await planSources(options.inputs, this.#limits);
    for (const skipped of plan.ignored) {
      ctx.logger.info('input folder: file ignored', { file: skipped.path, reason: skipped.reason });
      ctx.emit({ type: 'stage:event', stage: this.name, event: { type: 'source:ignored', file: skipped.path, reason: skipped.reason } });
    }

    const refused = plan.files.filter((f) => f.refused !== undefined);
    if (refused.length === plan.files.length) {
      // Nothing to make a book of: say why for each file, and leave no scan behind.
      throw inputError(refused.map((f) => f.refused).join('\n'), { scanId: ctx.scan.scanId, stage: this.name, files: refused.map((f) => f.path) });
    }
    for (const file of refused) {
      ctx.logger.warn('input refused: its page will fail', { file: file.path, page: file.firstPage, reason: file.refused });
      ctx.emit({ type: 'stage:event', stage: this.name, event: { type: 'source:refused', file: file.path, page: file.firstPage, reason: file.refused } });
    }

    // Read, not init(): a run refused below must leave no trace, not even an empty scan.
    const metadata: Partial<ScanMetadata> = (await ctx.scan.exists()) ? await ctx.scan.readMetadata() : {};
    const conflict = await this.#conflict(ctx, metadata, plan);
    if (conflict && !options.force) {
      throw new BookpipeError(ErrorCode.INPUT_INVALID, conflict, {
        details: { scanId: ctx.scan.scanId, stage: this.name, recorded: metadata.sourceFiles, inputs: plan.files.map((f) => f.path) },
      });
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
    const tiffs = new TiffCache();
    try {
      return await processPages(ctx, {
        pages: Array.from({ length: plan.totalPages }, (_, i) => i + 1),
        concurrency: this.options.concurrency,
        processPage: async (page) => {
          const { file, index } = locatePage(plan, page);
          if (file.refused !== undefined) {
            throw inputError(`Book page ${page}: ${file.refused}`, { scanId: ctx.scan.scanId, stage: this.name, page, file: file.path });
          }
          try {
            return await this.#makePage(ctx, page, file, index, pdfs, tiffs);
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

  async #makePage(ctx: StageContext, page: number, file: SourceFile, index: number, pdfs: PdfCache, tiffs: TiffCache) {
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
      // The shared buffer is used only when its directory walk agrees with sharp's page count.
      const tiff = file.kind === 'tiff' && file.pages > 1 ? await tiffs.get(file.path) : undefined;
      const decoded = await decodeImagePage(file.path, index, file.pages, this.#limits, tiff?.pageCount === file.pages ? tiff : undefined);
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
      return `Scan "${scan}" holds source pages that do not match the inputs given: ${describeDifference(recorded, plan)}; ${consequence}.`;
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

/**
 * The multi-page TIFFs being read, each read into memory once (see `TiffPages`); only the two most
 * recently used are kept, since pages are made in order and at most `concurrency` files are in flight.
 */
class TiffCache {
  readonly #open = new Map<string, Promise<TiffPages | undefined>>();

  get(path: string): Promise<TiffPages | undefined> {
    let entry = this.#open.get(path);
    if (!entry) {
      // A file that cannot be read here is read by path instead, where sharp names the problem.
      entry = TiffPages.open(path).catch(() => undefined);
      this.#open.set(path, entry);
      while (this.#open.size > 2) this.#open.delete(this.#open.keys().next().value!);
    }
    return entry;
  }
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
