import { type OcrPage, OcrPageSchema, SOURCE_STAGE } from '@bookpipe/contracts';
import { BaseStage, BookpipeError, type Config, processPages, type StageContext, type StageStats } from '@bookpipe/core';
import { resolveLlm } from '@bookpipe/kit';
import { startOcrEngine } from './create-ocr-engine.js';
import type { OcrEngine } from './engine.js';
import { resolveLanguageFiles, resolveOsdFile } from './language-data.js';
import { LocalImages } from './local-image.js';
import {
  type BookMetadataOptions,
  checkBookMetadataOptions,
  type MetadataLlmOptions,
  readBookMetadata,
  restoreBookMetadata,
} from './metadata/book-metadata-step.js';
import { type OcrPageMetrics, OcrPageMetricsSchema, OcrReportSchema, pageMetrics } from './metrics.js';
import { nativeTesseractVersion } from './native-engine.js';
import { bookLanguage, chooseGuessedLanguage, type LanguageChoice, readLanguageChoice, writeLanguageChoice } from './ocr-language.js';
import type { OcrPool } from './ocr-pool.js';
import { type OcrEngineOptions, type ResolvedOcrOptions, resolveOcrOptions } from './options.js';

/** Options of the OCR stage: those of the engines (see {@link OcrEngineOptions}), and of the metadata reading. */
export interface OcrStageOptions extends OcrEngineOptions {
  /**
   * After the pages are read, the book's title, author, year, publisher, ISBN and language are read
   * from its first pages and the confident values written into metadata.json (never over a value the
   * user set). `false` skips it.
   * @default {} (the first 8 pages, values of confidence 0.7 and more written)
   */
  metadata?: BookMetadataOptions | false;
  /**
   * The model asked for the book's metadata (one text-only request per book), or `false` to read it
   * deterministically only. `{}` uses the configured provider and model. Not used for OCR itself.
   * @default `{}` when an LLM is configured (`hasLlm(config)`: an API key or BOOKPIPE_BASE_URL), else `false`
   */
  llm?: MetadataLlmOptions | false;
  /**
   * Engines shared with other OCR stages (several books in one process, `createOcrPool()`): the stage
   * borrows the pool's engine for its options instead of starting and stopping its own.
   * @default none: the stage starts its own engine and stops it when done
   */
  pool?: OcrPool;
}

/**
 * The "ocr" stage: reads `source/page_NNNN.png` and writes `ocr/page_NNNN.json` (core's `OcrPageSchema`):
 * blocks, paragraphs, lines and words with boxes in source-image pixels and confidences 0..1.
 *
 * Pages are read `maxWorkers` at a time by tesseract.js worker threads (default) or native tesseract
 * processes; each page is saved as soon as it is read, so a stopped run resumes with the missing pages.
 * A page detected as sideways or upside down is read upright: its `rotation` says by how many degrees
 * clockwise the source image was turned, and its boxes, width and height then refer to the turned image.
 *
 * @example
 * const pipeline = new Pipeline({ stages: [new SourceStage({ input: 'book.pdf' }), new OcrStage({ maxWorkers: 2 })] });
 */
export class OcrStage extends BaseStage<OcrPage, OcrPageMetrics> {
  readonly name = 'ocr';
  readonly dependencies = [SOURCE_STAGE] as const;
  override readonly outputSchema = OcrPageSchema;
  override readonly checkpointSchema = OcrPageMetricsSchema;
  override readonly reportSchema = OcrReportSchema;
  readonly #options: OcrStageOptions;
  /** An engine started by `warmUp()` for the next `run()`, with the options it was started with. */
  #warm: { options: ResolvedOcrOptions; engine: Promise<OcrEngine> } | undefined;

  constructor(options: OcrStageOptions = {}) {
    super();
    // Checked now so that a bad option fails at construction; maxWorkers is settled in run(), with the config.
    resolveOcrOptions(options);
    checkBookMetadataOptions(options.metadata);
    this.#options = { ...options };
  }

  /** Fails fast, before any page: no source pages, a missing language package or tesseract program. */
  override async before(ctx: StageContext<OcrPage, OcrPageMetrics>): Promise<void> {
    await super.before(ctx);
    const o = this.#resolve(ctx);
    resolveLanguageFiles(o.languages, o.model);
    if (o.detectOrientation) resolveOsdFile();
    if (o.engine === 'native') await nativeTesseractVersion(o.tesseractPath);
    // An LLM configuration that cannot work (no model to ask) fails now, not after the whole book.
    if (this.#options.metadata !== false) resolveLlm(ctx.config, this.#options.llm, this.name);
    // metadata.json remade since this stage completed (the source stage rewrote it): a complete stage
    // is skipped, so its after() would not write the fields it read from the pages again.
    if (this.#options.metadata !== false && (await ctx.output.checkpoint.isComplete())) {
      const restored = await restoreBookMetadata(ctx, this.#options.metadata ?? {});
      if (restored.length > 0) ctx.logger.info('book metadata: fields put back into metadata.json from ocr/book-metadata.json', { fields: restored });
    }
  }

  /**
   * Starts the engine now, for the next `run()`: call it when the pages are on their way (the default
   * pipeline calls it when the source stage starts), so that the workers' start-up (about 1 s each)
   * overlaps the source stage instead of delaying the first OCR page. At most `pages` workers start.
   * `run()` takes the engine if it was started with the options the run resolves (else it is destroyed
   * and a new one started); call `releaseWarm()` when no run will follow. A second call does nothing,
   * and so does a call on a stage given a `pool`.
   */
  warmUp(config: Config, pages: number): void {
    // A pool's engines are already shared and kept warm between books.
    if (this.#warm !== undefined || this.#options.pool) return;
    const o = this.#resolveWith(config);
    const options = { ...o, maxWorkers: Math.max(1, Math.min(o.maxWorkers, pages)) };
    const engine = startOcrEngine(options);
    engine.catch(() => {}); // run() starts its own engine then, and reports that error
    this.#warm = { options, engine };
  }

  /** Destroys an engine `warmUp()` started that no `run()` took (the pipeline stopped before OCR). */
  async releaseWarm(): Promise<void> {
    const warm = this.#warm;
    this.#warm = undefined;
    const engine = await warm?.engine.catch(() => undefined);
    await engine?.destroy();
  }

  /** The warm engine when it fits `wanted` (same settings; as many workers or fewer), else a new one. */
  async #startEngine(wanted: ResolvedOcrOptions): Promise<{ engine: OcrEngine; o: ResolvedOcrOptions; warm: boolean }> {
    const warm = this.#warm;
    this.#warm = undefined;
    if (warm !== undefined) {
      const same = JSON.stringify({ ...warm.options, maxWorkers: 0 }) === JSON.stringify({ ...wanted, maxWorkers: 0 });
      const engine = await warm.engine.catch(() => undefined);
      if (engine !== undefined && same && warm.options.maxWorkers <= wanted.maxWorkers) return { engine, o: warm.options, warm: true };
      await engine?.destroy();
    }
    return { engine: await this.#newEngine(wanted), o: wanted, warm: false };
  }

  override async run(ctx: StageContext<OcrPage, OcrPageMetrics>): Promise<StageStats> {
    // Never more workers than pages to read: each one costs a thread, a tesseract.js start (about 1 s)
    // and its memory, for nothing when a resumed run has one page left. A pool's engines are shared
    // across books, so they keep the configured count (it is part of the pool's engine key).
    const remaining = (await ctx.checkpoint.remainingPages(await ctx.scan.pageNumbers())).length;
    const workers = (o: ResolvedOcrOptions): ResolvedOcrOptions =>
      this.#options.pool ? o : { ...o, maxWorkers: Math.max(1, Math.min(o.maxWorkers, remaining)) };
    let { engine, o, warm } = await this.#startEngine(workers(this.#resolve(ctx)));
    const first = o;
    try {
      const choice = await this.#chooseLanguage(ctx, first, engine);
      if (choice.language !== first.language) {
        await engine.destroy();
        o = workers(resolveOcrOptions({ ...this.#options, language: choice.language }, ctx.config.ocr.maxWorkers));
        engine = await this.#newEngine(o);
        warm = false;
      }
    } catch (error) {
      await engine.destroy();
      throw error;
    }
    // On abort, stop the workers at once (pages in flight stay remaining) rather than after their page.
    const onAbort = () => void engine.destroy();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    try {
      ctx.logger.info('ocr engine ready', {
        stage: this.name,
        engine: `${engine.info.pageEngine.name} ${engine.info.pageEngine.version}`,
        model: o.model,
        language: o.language,
        psm: o.psm,
        workers: o.maxWorkers,
        detectOrientation: o.detectOrientation,
        // Started by warmUp() before the stage (while the source stage ran), not here.
        warm,
      });
      const images = new LocalImages(ctx.input(SOURCE_STAGE));
      try {
        return await processPages(ctx, {
          concurrency: o.maxWorkers,
          processPage: async (page, signal) => {
            try {
              const result = await images.with(page, (imagePath) => engine.recognize(imagePath, page, signal));
              return { data: result.page, metrics: pageMetrics(result, engine.info) };
            } catch (error) {
              if (BookpipeError.isInstance(error)) {
                // The engine names file and page; the scan is ours to add.
                throw new BookpipeError(error.code, `Scan "${ctx.scan.scanId}": ${error.message}`, {
                  details: { ...error.details, scanId: ctx.scan.scanId, stage: this.name },
                  cause: error,
                });
              }
              throw error;
            }
          },
        });
      } finally {
        await images.dispose();
      }
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      await engine.destroy();
    }
  }

  /**
   * Writes ocr/report.csv (BaseStage), then reads the book's metadata from its first pages into
   * metadata.json and `ocr/book-metadata.json` (see `OcrStageOptions.metadata`). Idempotent. The
   * metadata request's cost, if a model was asked, is added to `stats.totalCostUsd`.
   */
  override async after(ctx: StageContext<OcrPage, OcrPageMetrics>, stats: StageStats): Promise<void> {
    await super.after(ctx, stats);
    if (this.#options.metadata === false) return;
    const choice = await readLanguageChoice(ctx);
    const language = choice ? bookLanguage(choice) : this.#resolve(ctx).language;
    const { costUsd } = await readBookMetadata(ctx, this.#options.metadata ?? {}, this.#options.llm, language);
    // The model request is the stage's only cost: it goes into the stats the pipeline reports and journals.
    stats.totalCostUsd = stats.totalCostUsd === null || costUsd === null ? null : stats.totalCostUsd + costUsd;
  }

  /** The pool's engine when a pool was given (its `destroy()` only gives it back), else an engine of our own. */
  #newEngine(o: ResolvedOcrOptions): Promise<OcrEngine> {
    return this.#options.pool ? this.#options.pool.acquire(o) : startOcrEngine(o);
  }

  #resolve(ctx: StageContext): ResolvedOcrOptions {
    return this.#resolveWith(ctx.config);
  }

  #resolveWith(config: Config): ResolvedOcrOptions {
    const language = this.#options.language ?? config.ocr.languages;
    return resolveOcrOptions({ ...this.#options, ...(language === undefined ? {} : { language }) }, config.ocr.maxWorkers);
  }

  /**
   * The language of the book, written to `ocr/language.json` and logged: the `language` option, else
   * BOOKPIPE_OCR_LANG / `--lang`, else the one chosen before (a resumed run reads the same way), else
   * guessed from the first pages read with `eng` (`sampleEngine`), when that language's model is installed.
   */
  async #chooseLanguage(ctx: StageContext<OcrPage, OcrPageMetrics>, o: ResolvedOcrOptions, sampleEngine: OcrEngine): Promise<LanguageChoice> {
    const given = this.#options.language !== undefined ? 'option' : ctx.config.ocr.languages !== undefined ? 'config' : null;
    let choice: LanguageChoice | null = null;
    if (given) {
      choice = { language: o.language, source: given, reason: given === 'option' ? "the OCR stage's language option" : 'BOOKPIPE_OCR_LANG or --lang' };
    } else {
      const before = await readLanguageChoice(ctx);
      if (before && (before.source === 'guessed' || before.source === 'default')) return before;
      // A title page has few words: skip page 1 when there are others. Failing pages are left to the page loop.
      const pages = await ctx.scan.pageNumbers();
      const sample = (pages.length > 3 ? pages.slice(1, 4) : pages).slice(0, 3);
      const images = new LocalImages(ctx.input(SOURCE_STAGE));
      const read: Array<{ page: number; ocr: OcrPage }> = [];
      try {
        for (const page of sample) {
          try {
            read.push({ page, ocr: (await images.with(page, (path) => sampleEngine.recognize(path, page, ctx.signal))).page });
          } catch (error) {
            ctx.logger.debug('page left out of the language guess', { stage: this.name, page, error });
          }
        }
      } finally {
        await images.dispose();
      }
      choice = chooseGuessedLanguage(read, o.model);
    }
    await writeLanguageChoice(ctx, choice);
    ctx.logger.info(`ocr language: ${choice.language} (${choice.source}: ${choice.reason})`, {
      stage: this.name,
      language: choice.language,
      source: choice.source,
    });
    return choice;
  }
}
