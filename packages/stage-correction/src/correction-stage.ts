import { type CorrectionPage, CorrectionPageSchema, OCR_STAGE, type OcrPage, SOURCE_STAGE } from '@bookpipe/contracts';
import { BaseStage, describeError, processPages, type StageContext, type StageStats } from '@bookpipe/core';
import {
  bookVocabulary,
  checkPageImageOptions,
  type LlmPagePlan,
  type LlmPageSplit,
  llmPageImage,
  type ResolvedLlm,
  resolveLlm,
  runLlmPages,
  type StageLlmOptions,
} from '@bookpipe/kit';
import { dehyphenate, englishLexicon, type Lexicon } from '@bookpipe/text';
import { checkAnswerCheckOptions, DEFAULT_MAX_CHANGE_SHARE } from './answer-check.js';
import { type CorrectionAnswer, CorrectionAnswerSchema, correctionResponseSchemaFor } from './correction-answer.js';
import { type CorrectionPageMetrics, CorrectionPageMetricsSchema, CorrectionReportSchema } from './correction-metrics.js';
import {
  answerRejections,
  buildCorrectionPage,
  correctionPromptJson,
  editRejections,
  joinCorrectionAnswers,
  ocrPageWith,
  type PreparedParagraph,
  prepareParagraphs,
} from './correction-page-builder.js';
import { type BookFacts, CORRECTION_SYSTEM_PROMPT, correctionRetryPrompt, correctionUserPrompt } from './prompts/correction-prompt.js';

type CorrectionContext = StageContext<CorrectionPage, CorrectionPageMetrics>;

export interface CorrectionStageOptions {
  /**
   * The model that proofreads each page, or `false` for the deterministic pass alone (line-end
   * de-hyphenation with the word list, no request sent). `{}` uses the configured provider and model.
   * @default `{}` when an LLM is configured (`hasLlm(config)`: an API key or BOOKPIPE_BASE_URL), else `false`
   */
  llm?: StageLlmOptions | false;
  /**
   * Longest side in pixels of the page image sent with each request (downscaled with sharp, JPEG; encoded
   * once per run and shared by retries and by the label stage through the client).
   * @default the provider's size (`imageSizeRule`: 1568 px long side for Anthropic, 768 px short side for OpenAI, else 1024 px)
   */
  imageMaxSide?: number;
  /** JPEG quality of the page image sent. @default 80 */
  imageQuality?: number;
  /**
   * Upper bound on the tokens of one page's answer. The answer holds edits (the spans to change), not
   * whole paragraphs, but a badly read page has many: the default still grows with the page's text.
   * @default min(8192, 1024 + characters of the page's text / 2)
   */
  maxOutputTokens?: number;
  /** Sampling temperature sent to the model; unset leaves the provider's default (some models accept no other). @default undefined */
  temperature?: number;
  /** Word list of the de-hyphenation pass. @default englishLexicon() (SCOWL, every English dialect) */
  lexicon?: Lexicon;
  /**
   * Largest share of a paragraph's characters the model may change (edit distance over the length of
   * the text it was given). A page whose answer changes more, or empties a paragraph, is asked once
   * more with the reasons; a paragraph still refused keeps its OCR text and the page is flagged
   * (`flags` in the page file, `rejectedParagraphs` and `flag` in report.csv).
   * @default 0.15
   */
  maxChangeShare?: number;
  /** Characters any paragraph may have changed whatever its length, so short lines can be fixed. @default 3 */
  minChangeAllowed?: number;
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
    checkAnswerCheckOptions('correction', options);
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

  async #runLlm(
    ctx: CorrectionContext,
    llm: ResolvedLlm,
    prepare: (page: number) => Promise<{ ocr: OcrPage; paragraphs: ReturnType<typeof prepareParagraphs> }>,
  ): Promise<StageStats> {
    const o = this.#options;
    const check = { maxChangeShare: o.maxChangeShare, minChangeAllowed: o.minChangeAllowed };
    const book = await bookFacts(ctx);
    // Counted across pages, so the stage warns once rather than once a page.
    const flagged = { pages: 0, paragraphs: 0 };
    const stats = await runLlmPages(ctx, {
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
        const system = { role: 'system' as const, content: CORRECTION_SYSTEM_PROMPT };
        // One image for the page and all its parts: encoded once, whatever is asked of it.
        const images = [llmPageImage(llm, ctx.scan, page, { maxSide: o.imageMaxSide, quality: o.imageQuality, rotation: ocr.rotation ?? 0 })];
        const requestFor = (part: readonly PreparedParagraph[], json: string, partNote?: string) => {
          const characters = part.reduce((sum, paragraph) => sum + paragraph.text.length, 0);
          return {
            messages: [system, { role: 'user' as const, content: correctionUserPrompt(json, book, partNote) }],
            images,
            responseSchema: correctionResponseSchemaFor(part.length === paragraphs.length ? ocr : ocrPageWith(ocr, part)),
            maxTokens: o.maxOutputTokens ?? Math.min(8192, 1024 + Math.ceil(characters / 2)),
            ...(o.temperature === undefined ? {} : { temperature: o.temperature }),
          };
        };
        const request = requestFor(paragraphs, pageJson);
        // An answer still cut off at the token cap: the page's paragraphs in two halves, each its own request.
        const splitOf = (part: readonly PreparedParagraph[]): LlmPageSplit<CorrectionAnswer> | undefined => {
          if (part.length < 2) return undefined;
          const half = Math.ceil(part.length / 2);
          const halves = [part.slice(0, half), part.slice(half)];
          return {
            parts: halves.map((paragraphsOfPart) => {
              const json = correctionPromptJson(ocrPageWith(ocr, paragraphsOfPart), paragraphsOfPart);
              const note = `This is a part of the page (${paragraphsOfPart.length} of its ${paragraphs.length} paragraphs): answer for these paragraphs only.`;
              return { request: requestFor(paragraphsOfPart, json, note), split: () => splitOf(paragraphsOfPart) };
            }),
            join: joinCorrectionAnswers,
          };
        };
        return {
          llm: {
            request,
            split: () => splitOf(paragraphs),
            review: (value) => {
              const answer = CorrectionAnswerSchema.parse(value);
              // An edit that cannot be placed is a correction the model meant and we dropped: worth the one retry too.
              const refused = [...answerRejections(paragraphs, answer, check), ...editRejections(paragraphs, answer)];
              if (refused.length === 0) return undefined;
              return { ...request, messages: [system, { role: 'user' as const, content: correctionRetryPrompt(pageJson, book, refused) }] };
            },
            finish: (value, result, previous) => {
              const built = buildCorrectionPage(
                page,
                paragraphs,
                {
                  answer: CorrectionAnswerSchema.parse(value),
                  ...(previous === undefined ? {} : { previous: CorrectionAnswerSchema.parse(previous) }),
                  model: result.model,
                },
                new Date(),
                check,
              );
              if (built.data.flags.length > 0) {
                flagged.pages += 1;
                flagged.paragraphs += built.data.flags.length;
              }
              return { data: built.data, metrics: built.metrics };
            },
          },
        };
      },
    });
    if (flagged.pages > 0) {
      const message = `on ${flagged.pages} page(s) the model emptied or rewrote ${flagged.paragraphs} paragraph(s) twice; they keep their OCR text. See the "flag" column of correction/report.csv, or raise maxChangeShare if the scan needs heavier correction.`;
      ctx.logger.warn(`correction: ${message}`, {
        pages: flagged.pages,
        paragraphs: flagged.paragraphs,
        maxChangeShare: o.maxChangeShare ?? DEFAULT_MAX_CHANGE_SHARE,
      });
      // The CLI prints a stage event of type "<stage>:warning" with a message, once.
      ctx.emit({ type: 'stage:event', stage: this.name, event: { type: 'correction:warning', message, pages: flagged.pages, paragraphs: flagged.paragraphs } });
    }
    return stats;
  }
}

/** Title, author, year and language from the scan's metadata.json, when known; nothing when it cannot be read. */
async function bookFacts(ctx: CorrectionContext): Promise<BookFacts> {
  try {
    const { title, author, year, language } = await ctx.scan.readMetadata();
    return { title, author, year, language };
  } catch (error) {
    ctx.logger.warn('correction: metadata.json unreadable; the prompt names no book', { error: describeError(error) });
    return {};
  }
}
