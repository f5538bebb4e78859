import { type BookPipelineLlm, createBookPipeline } from '@bookpipe/book-pipeline';
import { SOURCE_STAGE } from '@bookpipe/contracts';
import { BookpipeError, type Config, type EmitFn, ErrorCode, type Logger, silentLogger } from '@bookpipe/core';
import { enqueueReady, type OpenScan } from './book-steps.js';
import type { BookPlan, QueuedStage } from './jobs.js';
import { openQueues } from './queues.js';
import { connectRedis } from './redis.js';

export interface SubmitOptions {
  redisUrl: string;
  /** The storage root every worker reaches: `s3://bucket/prefix`. */
  root: string;
  scanId: string;
  openScan: OpenScan;
  /** The book's PDFs or page images: read here by the source stage (they are local files). Empty: the scan has its pages. */
  inputs: readonly string[];
  /** Stages after source. @default ocr, correction, label, merge */
  stages?: readonly QueuedStage[];
  config: Config;
  /** The model (decided here, so every job of the book asks the same), or false. */
  llm: BookPipelineLlm;
  /** True when `llm` resolves to a model: correction and label then run a job per page. */
  hasModel: boolean;
  logger?: Logger;
  onEvent?: EmitFn;
}

export interface SubmitResult {
  plan: BookPlan;
  /** The stages queued now (the others follow as their upstream stages end). */
  queued: QueuedStage[];
  pages: number;
}

/**
 * Submits a book: the source stage runs here, since it reads the user's local files, and writes the page
 * images into the shared storage; then the stages it unblocks (OCR) are queued, one job per page. The
 * rest is the workers': each stage's last job queues the next. Submitting again resumes (pages and jobs
 * already there are kept).
 * @throws BookpipeError CONFIG_INVALID when Redis is unreachable (naming the URL), STAGE_FAILED when the source stage fails.
 */
export async function submitBook(options: SubmitOptions): Promise<SubmitResult> {
  const connection = await connectRedis(options.redisUrl);
  const logger = options.logger ?? silentLogger;
  const scan = await options.openScan(options.root, options.scanId);
  const plan: BookPlan = {
    root: options.root,
    scanId: options.scanId,
    stages: [...(options.stages ?? (['ocr', 'correction', 'label', 'merge'] as const))],
    llm: options.hasModel,
  };
  if (options.inputs.length > 0 || !(await scan.stage(SOURCE_STAGE).checkpoint.isComplete())) {
    const source = await createBookPipeline({
      scan,
      inputs: options.inputs,
      stages: [SOURCE_STAGE],
      config: options.config,
      llm: false,
      logger,
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    });
    const result = await source.pipeline.run();
    if (!result.ok) {
      const outcome = result.stages[SOURCE_STAGE];
      throw new BookpipeError(
        ErrorCode.STAGE_FAILED,
        `The source stage of scan "${options.scanId}" did not finish (${outcome?.status === 'failed' ? outcome.error : `${result.failedPages.length} page(s) failed`}): nothing was queued. Fix the input and submit again.`,
        { details: { scanId: options.scanId } },
      );
    }
  }
  const queues = openQueues(connection);
  try {
    const queued = await enqueueReady({ ...queues, openScan: options.openScan, config: options.config, logger, llm: options.llm }, plan, scan);
    return { plan, queued, pages: (await scan.pageNumbers()).length };
  } finally {
    await queues.close();
  }
}
