import { type LabelPage, LabelPageSchema, labelPageSchemaFor, OCR_STAGE, type OcrPage, SOURCE_STAGE } from '@bookpipe/contracts';
import { BaseStage, describeError, processPages, type StageContext, type StageStats } from '@bookpipe/core';
import { checkPageImageOptions, type LlmPagePlan, llmPageImage, type ResolvedLlm, resolveLlm, runLlmPages, type StageLlmOptions } from '@bookpipe/kit';
import { type LabelOptions, labelDeterministic } from './deterministic-labeller.js';
import { furnitureCandidates } from './furniture-candidates.js';
import { type LabelAnswer, LabelAnswerSchema, labelPageFromAnswer, labelResponseSchemaFor } from './label-answer.js';
import { type LabelPageMetrics, LabelPageMetricsSchema, LabelReportSchema, labelQuality } from './label-metrics.js';
import { labelPromptJson } from './label-request.js';
import { writePageNumbers } from './page-numbers-file.js';
import { LABEL_SYSTEM_PROMPT, labelUserPrompt } from './prompts/label-prompt.js';
import type { ReconcileOptions } from './reconcile-page-numbers.js';

type LabelContext = StageContext<LabelPage, LabelPageMetrics>;

export interface LabelStageOptions {
  /**
   * The model that labels each page, or `false` for the deterministic layout labeller (no request
   * sent). `{}` uses the configured provider and model.
   * @default `{}` when an LLM is configured (`hasLlm(config)`: an API key or BOOKPIPE_BASE_URL), else `false`
   */
  llm?: StageLlmOptions | false;
  /**
   * Longest side in pixels of the page image sent with each request (downscaled with sharp, JPEG; encoded
   * once per run and shared with the correction stage through the client). @default the provider's size
   * (`imageSizeRule`: 1568 px long side for Anthropic, 768 px short side for OpenAI, else 1024 px)
   */
  imageMaxSide?: number;
  /** JPEG quality of the page image sent. @default 80 */
  imageQuality?: number;
  /** Upper bound on the tokens of one page's answer. @default min(8192, 512 + 40 per block + 25 per edge line offered) */
  maxOutputTokens?: number;
  /** Sampling temperature sent to the model; unset leaves the provider's default. @default undefined */
  temperature?: number;
  /**
   * Options of the deterministic labeller (`labelDeterministic`); its `reconcile` is ignored: the
   * page files hold what was read on each page, and the book-level reconciliation is `after()`'s.
   * @default {}
   */
  deterministic?: Omit<LabelOptions, 'reconcile'>;
  /** Options of the book-level page number reconciliation (`reconcilePageNumbers`). @default {} */
  reconcile?: ReconcileOptions;
}

/**
 * The "label" stage: reads `ocr/page_NNNN.json` (and, with a model, `source/page_NNNN.png`) and writes
 * `label/page_NNNN.json` (`LabelPageSchema`): a class for every OCR block (one of the 32 of
 * `BLOCK_CLASSES`), the printed page number as read on the page, its style and location, and the
 * page's region of the book.
 *
 * With a model, one structured request per page: the page image (downscaled) and the OCR blocks
 * (numbers, positions, line heights, text); the answer must label exactly the page's blocks (see
 * `labelResponseSchemaFor`). All pages go through one batch of the stage's `LlmBatchClient`, saved as
 * answers arrive; a failed page is recorded and the others go on; a rerun sends only pages not done.
 * Without a model, `labelDeterministic` labels the whole book from layout and repetition.
 *
 * `after()` writes `report.csv` and `page-numbers.json`: the printed numbers of all pages reconciled
 * into monotone arabic and roman runs (duplicates, gaps and misreads corrected and marked inferred).
 */
export class LabelStage extends BaseStage<LabelPage, LabelPageMetrics> {
  readonly name = 'label';
  /** The page image comes from "source", the blocks from "ocr". */
  readonly dependencies = [SOURCE_STAGE, OCR_STAGE] as const;
  override readonly outputSchema = LabelPageSchema;
  override readonly checkpointSchema = LabelPageMetricsSchema;
  override readonly reportSchema = LabelReportSchema;
  readonly #options: LabelStageOptions;

  constructor(options: LabelStageOptions = {}) {
    super();
    checkPageImageOptions('label', { maxSide: options.imageMaxSide, quality: options.imageQuality });
    if (options.maxOutputTokens !== undefined && !(Number.isInteger(options.maxOutputTokens) && options.maxOutputTokens >= 1)) {
      throw new TypeError(`[label] \`maxOutputTokens\` must be an integer >= 1, got ${options.maxOutputTokens}`);
    }
    this.#options = { ...options };
  }

  /** Fails fast on missing inputs and on an LLM configuration that cannot work (no model, no key). */
  override async before(ctx: LabelContext): Promise<void> {
    await super.before(ctx);
    resolveLlm(ctx.config, this.#options.llm, this.name);
  }

  override async run(ctx: LabelContext): Promise<StageStats> {
    const llm = resolveLlm(ctx.config, this.#options.llm, this.name);
    ctx.logger.info('label mode', llm ? { method: 'llm', model: llm.model, provider: llm.client.options.provider.name } : { method: 'deterministic' });
    return llm ? this.#runLlm(ctx, llm) : this.#runDeterministic(ctx);
  }

  /** `report.csv`, then `page-numbers.json` (the book-level reconciliation of printed page numbers). */
  override async after(ctx: LabelContext, stats: StageStats): Promise<void> {
    await super.after(ctx, stats);
    await writePageNumbers(ctx, this.#options.reconcile);
  }

  /**
   * The layout labeller needs the whole book (running heads repeat across pages): all OCR pages are
   * read and labelled once, when the first remaining page asks, and the remaining pages saved.
   */
  #runDeterministic(ctx: LabelContext): Promise<StageStats> {
    let book: Promise<{ labels: Map<number, LabelPage>; unreadable: Map<number, unknown>; secondsPerPage: number }> | undefined;
    const labelBook = async () => {
      const t0 = performance.now();
      const pages: OcrPage[] = [];
      const unreadable = new Map<number, unknown>();
      for (const page of await ctx.scan.pageNumbers()) {
        try {
          pages.push(await ctx.input(OCR_STAGE).load(page));
        } catch (error) {
          unreadable.set(page, error);
          ctx.logger.warn('OCR page unreadable: left out of the labelling', { page, error: describeError(error) });
        }
      }
      const labels = new Map<number, LabelPage>();
      for (const [index, label] of labelDeterministic(pages, { ...this.#options.deterministic, reconcile: false }).entries()) {
        labels.set((pages[index] as OcrPage).pageNumber, label);
      }
      return { labels, unreadable, secondsPerPage: (performance.now() - t0) / 1000 / Math.max(1, pages.length) };
    };
    return processPages(ctx, {
      concurrency: 4,
      processPage: async (page) => {
        book ??= labelBook();
        const { labels, unreadable, secondsPerPage } = await book;
        const label = labels.get(page);
        if (!label) throw unreadable.get(page) ?? new Error(`page ${page} has no OCR page to label`);
        return { data: label, metrics: { ...labelQuality(label, 'deterministic'), processingTimeSeconds: secondsPerPage, costUsd: 0 } };
      },
    });
  }

  #runLlm(ctx: LabelContext, llm: ResolvedLlm): Promise<StageStats> {
    const o = this.#options;
    return runLlmPages(ctx, {
      llm,
      prepare: async (page): Promise<LlmPagePlan<LabelAnswer, LabelPage, LabelPageMetrics>> => {
        const t0 = performance.now();
        const ocr = await ctx.input(OCR_STAGE).load(page);
        if (ocr.blocks.length === 0) {
          // Nothing OCR read (a blank page, a plate): no block to label; the reconciliation numbers it from its neighbours.
          const label: LabelPage = {
            printedPageNumber: null,
            numberingStyle: 'none',
            pageNumberLocation: 'none',
            pageNumberConfidence: 0.5,
            pageRegion: 'uncertain',
            pageRegionConfidence: 0.3,
            blocks: [],
          };
          return {
            direct: { data: label, metrics: { ...labelQuality(label, 'deterministic'), processingTimeSeconds: (performance.now() - t0) / 1000, costUsd: 0 } },
          };
        }
        const schema = labelPageSchemaFor(ocr);
        // The edge lines the model may mark as furniture: the same ids in the prompt, the schema and the answer's reading.
        const candidates = furnitureCandidates(ocr);
        return {
          llm: {
            request: {
              messages: [
                { role: 'system', content: LABEL_SYSTEM_PROMPT },
                { role: 'user', content: labelUserPrompt(labelPromptJson(ocr, candidates)) },
              ],
              images: [llmPageImage(llm, ctx.scan, page, { maxSide: o.imageMaxSide, quality: o.imageQuality, rotation: ocr.rotation ?? 0 })],
              responseSchema: labelResponseSchemaFor(ocr, candidates),
              maxTokens: o.maxOutputTokens ?? Math.min(8192, 512 + 40 * ocr.blocks.length + 25 * candidates.length),
              ...(o.temperature === undefined ? {} : { temperature: o.temperature }),
            },
            finish: (value) => {
              const label = schema.parse(labelPageFromAnswer(LabelAnswerSchema.parse(value), candidates));
              return { data: label, metrics: labelQuality(label, 'llm') };
            },
          },
        };
      },
    });
  }
}
