import { type CorrectionPage, CorrectionPageSchema, OCR_STAGE, type OcrPage, SOURCE_STAGE } from '@bookpipe/contracts';
import { BaseStage, processPages, type StageContext, type StageStats } from '@bookpipe/core';
import {
  bookVocabulary,
  checkPageImageOptions,
  type LlmPagePlan,
  pageImage,
  type ResolvedLlm,
  resolveLlm,
  runLlmPages,
  type StageLlmOptions,
} from '@bookpipe/stage-kit';
import { dehyphenate, englishLexicon, type Lexicon } from '@bookpipe/text';
import { type CorrectionAnswer, CorrectionAnswerSchema, correctionResponseSchemaFor } from './correction-answer.js';
import { type CorrectionPageMetrics, CorrectionPageMetricsSchema, CorrectionReportSchema } from './correction-metrics.js';
import { buildCorrectionPage, correctionPromptJson, prepareParagraphs } from './correction-page-builder.js';
import { CORRECTION_SYSTEM_PROMPT, correctionUserPrompt } from './prompts/correction-prompt.js';

type CorrectionContext = StageContext<CorrectionPage, CorrectionPageMetrics>;

export interface CorrectionStageOptions {
  /**
   * The model that proofreads each page, or `false` for the deterministic pass alone (line-end
   * de-hyphenation with the word list, no request sent). `{}` uses the configured provider and model.
   * @default `{}` when an LLM is configured (`hasLlm(config)`: an API key or BOOKPIPE_BASE_URL), else `false`
   */
  llm?: StageLlmOptions | false;
  /**
   * Longest side in pixels of the page image sent with each request (downscaled with sharp, JPEG).
   * @default 1024
   */
  imageMaxSide?: number;
  /** JPEG quality of the page image sent. @default 80 */
  imageQuality?: number;
  /**
   * Upper bound on the tokens of one page's answer. The answer holds the full text of every
   * corrected paragraph, so the default grows with the page's text.
   * @default min(8192, 1024 + characters of the page's text / 2)
   */
  maxOutputTokens?: number;
  /** Sampling temperature sent to the model; unset leaves the provider's default (some models accept no other). @default undefined */
  temperature?: number;
  /** Word list of the de-hyphenation pass. @default englishLexicon() (SCOWL, every English dialect) */
  lexicon?: Lexicon;
  /** Pages de-hyphenated at once in deterministic mode (CPU only, no I/O wait worth more). @default 4 */
  concurrency?: number;
}

/**
 * The "correction" stage: reads `ocr/page_NNNN.json` (and, with a model, `source/page_NNNN.png`)
 * and writes `correction/page_NNNN.json` (`CorrectionPageSchema`): per OCR paragraph, the corrected
 * text or null when unchanged, notes and a confidence.
 *
 * First, always, a deterministic pass joins words broken by line-end hyphens ("cam-" / "paign"),
 * keeping compounds ("well-known"), with the book's own vocabulary and a word list. Without a model
 * that is the whole stage (`method: "deterministic"`). With one, each page is then proofread in one
 * structured request: the page image (downscaled) and the de-hyphenated OCR page as numbered JSON;
 * the answer must have exactly the page's blocks and paragraphs (see `correctionResponseSchemaFor`).
 * All pages go through one batch of the stage's `LlmBatchClient`; each page is saved as its answer
 * arrives, a failed page is recorded and the others go on, and a rerun sends only the pages not done.
 *
 * @example
 * new Pipeline({ scan, stages: [new SourceStage({ inputs }), new OcrStage(), new CorrectionStage({ llm: { model: 'gpt-4o-mini' } })] })
 */
export class CorrectionStage extends BaseStage<CorrectionPage, CorrectionPageMetrics> {
  readonly name = 'correction';
  /** The page image comes from "source", the text from "ocr". */
  readonly dependencies = [SOURCE_STAGE, OCR_STAGE] as const;
  override readonly outputSchema = CorrectionPageSchema;
  override readonly checkpointSchema = CorrectionPageMetricsSchema;
  override readonly reportSchema = CorrectionReportSchema;
  readonly #options: CorrectionStageOptions;

  constructor(options: CorrectionStageOptions = {}) {
    super();
    checkPageImageOptions('correction', { maxSide: options.imageMaxSide, quality: options.imageQuality });
    if (options.maxOutputTokens !== undefined && !(Number.isInteger(options.maxOutputTokens) && options.maxOutputTokens >= 1)) {
      throw new TypeError(`[correction] \`maxOutputTokens\` must be an integer >= 1, got ${options.maxOutputTokens}`);
    }
    if (options.concurrency !== undefined && !(Number.isInteger(options.concurrency) && options.concurrency >= 1)) {
      throw new TypeError(`[correction] \`concurrency\` must be an integer >= 1, got ${options.concurrency}`);
    }
    this.#options = { ...options };
  }

  /** Fails fast on missing inputs and on an LLM configuration that cannot work (no model, no key). */
  override async before(ctx: CorrectionContext): Promise<void> {
    await super.before(ctx);
    resolveLlm(ctx.config, this.#options.llm, this.name);
  }

  override async run(ctx: CorrectionContext): Promise<StageStats> {
    const llm = resolveLlm(ctx.config, this.#options.llm, this.name);
    const lexicon = this.#options.lexicon ?? englishLexicon();
    const vocabulary = await bookVocabulary(ctx);
    ctx.logger.info('correction mode', llm ? { method: 'llm', model: llm.model, provider: llm.client.options.provider.name } : { method: 'deterministic' });

    const prepare = async (page: number) => {
      const ocr = await ctx.input(OCR_STAGE).load(page);
      return { ocr, paragraphs: prepareParagraphs(ocr, dehyphenate(ocr, { lexicon, vocabulary })) };
    };
    if (!llm) {
      return processPages(ctx, {
        concurrency: this.#options.concurrency ?? 4,
        processPage: async (page) => {
          const { paragraphs } = await prepare(page);
          // processPages adds the time taken and a zero cost.
          return buildCorrectionPage(page, paragraphs, null);
        },
      });
    }
    return this.#runLlm(ctx, llm, prepare);
  }

  #runLlm(
    ctx: CorrectionContext,
    llm: ResolvedLlm,
    prepare: (page: number) => Promise<{ ocr: OcrPage; paragraphs: ReturnType<typeof prepareParagraphs> }>,
  ): Promise<StageStats> {
    const o = this.#options;
    return runLlmPages(ctx, {
      llm,
      prepare: async (page): Promise<LlmPagePlan<CorrectionAnswer, CorrectionPage, CorrectionPageMetrics>> => {
        const t0 = performance.now();
        const { ocr, paragraphs } = await prepare(page);
        if (paragraphs.length === 0) {
          // Nothing printed that OCR read: nothing to proofread, nothing worth paying for.
          const built = buildCorrectionPage(page, paragraphs, null);
          return { direct: { data: built.data, metrics: { ...built.metrics, processingTimeSeconds: (performance.now() - t0) / 1000, costUsd: 0 } } };
        }
        const pageJson = correctionPromptJson(ocr, paragraphs);
        const characters = paragraphs.reduce((sum, paragraph) => sum + paragraph.text.length, 0);
        return {
          llm: {
            request: {
              messages: [
                { role: 'system', content: CORRECTION_SYSTEM_PROMPT },
                { role: 'user', content: correctionUserPrompt(pageJson) },
              ],
              images: [pageImage(ctx.scan, page, { maxSide: o.imageMaxSide, quality: o.imageQuality, rotation: ocr.rotation ?? 0 })],
              responseSchema: correctionResponseSchemaFor(ocr),
              maxTokens: o.maxOutputTokens ?? Math.min(8192, 1024 + Math.ceil(characters / 2)),
              ...(o.temperature === undefined ? {} : { temperature: o.temperature }),
            },
            finish: (value, result) => {
              const built = buildCorrectionPage(page, paragraphs, { answer: CorrectionAnswerSchema.parse(value), model: result.model });
              return { data: built.data, metrics: built.metrics };
            },
          },
        };
      },
    });
  }
}
