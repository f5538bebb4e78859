/**
 * The OCR stage's book-level step, run by `OcrStage.after()`: read the metadata from the first OCR
 * pages (deterministically, and through one model request when an LLM is configured), keep the full
 * reading in `ocr/book-metadata.json`, and write the confident values into metadata.json.
 */
import { type OcrPage, OcrPageSchema } from '@bookpipe/contracts';
import { describeError, type StageContext } from '@bookpipe/core';
import { resolveLlm, type StageLlmOptions } from '@bookpipe/kit';
import { z } from 'zod';
import { type BookMetadataReading, DEFAULT_MIN_METADATA_CONFIDENCE } from './book-metadata.js';
import { combineReadings, MetadataLlmError, readMetadataWithLlm } from './llm-metadata.js';
import { readMetadata } from './read-metadata.js';
import { type MetadataDecision, updateScanMetadata } from './update-metadata.js';

/** How the OCR stage reads the book's metadata. */
export interface BookMetadataOptions {
  /**
   * How many of the book's first pages are read: enough to get past covers, endpapers and a
   * frontispiece to the title and copyright pages.
   * @default 8
   */
  pages?: number;
  /**
   * Confidence (0..1) from which a value read from the pages is written into metadata.json; values
   * under it are kept only in `ocr/book-metadata.json`.
   * @default 0.7 (DEFAULT_MIN_METADATA_CONFIDENCE)
   */
  minConfidence?: number;
}

export const DEFAULT_METADATA_PAGES = 8;

/** The file, in the OCR stage's folder, holding everything read (confident or not) and what was written. */
export const BOOK_METADATA_FILE = 'book-metadata.json';

/** Checks the options at construction. @throws TypeError naming the option and the value. */
export function checkBookMetadataOptions(options: BookMetadataOptions | false | undefined): void {
  if (options === false || options === undefined) return;
  if (options.pages !== undefined && !(Number.isInteger(options.pages) && options.pages >= 1)) {
    throw new TypeError(`[stage-ocr] \`metadata.pages\` must be an integer >= 1, got ${options.pages}`);
  }
  if (options.minConfidence !== undefined && !(options.minConfidence >= 0 && options.minConfidence <= 1)) {
    throw new TypeError(`[stage-ocr] \`metadata.minConfidence\` must be a number from 0 to 1, got ${options.minConfidence}`);
  }
}

export interface BookMetadataOutcome {
  reading: BookMetadataReading;
  decisions: MetadataDecision[];
  method: 'deterministic' | 'deterministic+llm';
  llmError?: string;
  /** What the model request cost (USD; null when its price is unknown; 0 without a request). */
  costUsd: number | null;
}

/**
 * The model asked for the book's metadata: the LLM stages' settings (@bookpipe/kit, the same
 * provider, model and key rules), less the concurrency limits of a stage that sends one request per book.
 */
export type MetadataLlmOptions = Omit<StageLlmOptions, 'maxWorkers' | 'requestsPerMinute'>;

/**
 * Reads the first pages' metadata and updates metadata.json. A model that fails (HTTP errors after
 * retries, an answer that breaks the schema) is logged as a warning and the deterministic reading is
 * used: the OCR of the book is done and must not be lost to it. Running it again on the same pages
 * changes nothing.
 */
export async function readBookMetadata(
  ctx: StageContext,
  options: BookMetadataOptions,
  llmOptions: MetadataLlmOptions | false | undefined,
  ocrLanguage: string,
): Promise<BookMetadataOutcome> {
  const stage = ctx.output.stageName;
  const count = options.pages ?? DEFAULT_METADATA_PAGES;
  const minConfidence = options.minConfidence ?? DEFAULT_MIN_METADATA_CONFIDENCE;
  const available = new Set(await ctx.output.listPages());
  const first = (await ctx.scan.pageNumbers()).slice(0, count).filter((p) => available.has(p));
  const pages: OcrPage[] = [];
  for (const page of first) {
    try {
      pages.push(await ctx.output.loadPage(page, OcrPageSchema));
    } catch (error) {
      ctx.logger.warn('book metadata: page skipped', { stage, page, error: describeError(error) });
    }
  }

  const deterministic = readMetadata(pages, { ocrLanguage });
  let reading = deterministic;
  let llmReading: BookMetadataReading | undefined;
  let llmError: string | undefined;
  let costUsd: number | null = 0;
  const llm = resolveLlm(ctx.config, llmOptions, stage);
  if (llm && pages.length > 0) {
    try {
      const { reading: fromModel, result } = await readMetadataWithLlm(pages, llm, { signal: ctx.signal });
      llmReading = fromModel;
      costUsd = result.costUsd;
      reading = combineReadings(deterministic, fromModel);
      ctx.logger.info('book metadata: llm request', {
        stage,
        model: result.model,
        provider: result.provider,
        attempts: result.attempts,
        costUsd: result.costUsd,
        usage: result.usage,
      });
    } catch (error) {
      llmError = describeError(error);
      if (error instanceof MetadataLlmError) costUsd = error.costUsd;
      ctx.logger.warn('book metadata: the model gave no usable answer; the deterministic reading is used', { stage, model: llm.model, error: llmError });
      ctx.emit({ type: 'stage:event', stage, event: { type: 'metadataLlmFailed', model: llm.model, reason: llmError } });
    }
  }

  const decisions = await updateScanMetadata(ctx.scan, reading, minConfidence);
  const outcome: BookMetadataOutcome = { reading, decisions, method: llm ? 'deterministic+llm' : 'deterministic', costUsd, ...(llmError ? { llmError } : {}) };
  // No timestamp: the same pages give the same file, so a rerun rewrites it identically.
  await ctx.output.writeFile(
    BOOK_METADATA_FILE,
    `${JSON.stringify({ pages: pages.map((p) => p.pageNumber), minConfidence, method: outcome.method, chosen: reading, deterministic, ...(llmReading ? { llm: llmReading } : {}), ...(llmError ? { llmError } : {}), decisions }, null, 2)}\n`,
  );
  ctx.logger.info('book metadata', {
    stage,
    pages: pages.map((p) => p.pageNumber),
    written: decisions.filter((d) => d.action === 'written').map((d) => d.field),
    decisions,
  });
  return outcome;
}

/** What `restoreBookMetadata` trusts of `ocr/book-metadata.json`: its chosen reading, field by field. */
const RecordedReadingSchema = z.object({
  minConfidence: z.number().min(0).max(1).optional(),
  chosen: z.record(
    z.string(),
    z
      .object({
        value: z.union([z.string(), z.number()]),
        confidence: z.number().min(0).max(1),
        evidence: z.object({ page: z.number(), line: z.string() }),
        method: z.enum(['deterministic', 'llm']),
      })
      .loose(),
  ),
});

/**
 * Puts back into metadata.json what this stage read from the pages, from its own record
 * (`ocr/book-metadata.json`), when metadata.json was remade since (deleted and rewritten by the source
 * stage, e.g. `--stages source --clean` after a corrupt file): a complete OCR stage is skipped, so its
 * `after()` would never write them again. Same rules as the first time (confident values only, never
 * over a user's value); writes nothing when metadata.json already holds them. Returns the fields
 * written. A missing or unreadable record restores nothing (the next full OCR run writes one).
 */
export async function restoreBookMetadata(ctx: StageContext, options: BookMetadataOptions): Promise<string[]> {
  let text: string;
  try {
    text = await ctx.output.readFile(BOOK_METADATA_FILE);
  } catch {
    return [];
  }
  let parsed: z.infer<typeof RecordedReadingSchema>;
  try {
    parsed = RecordedReadingSchema.parse(JSON.parse(text));
  } catch (error) {
    ctx.logger.warn(`book metadata: ${ctx.output.filePath(BOOK_METADATA_FILE)} is unreadable; nothing restored from it`, { error: describeError(error) });
    return [];
  }
  const minConfidence = options.minConfidence ?? parsed.minConfidence ?? DEFAULT_MIN_METADATA_CONFIDENCE;
  const decisions = await updateScanMetadata(ctx.scan, parsed.chosen as BookMetadataReading, minConfidence);
  return decisions.filter((d) => d.action === 'written').map((d) => d.field);
}
