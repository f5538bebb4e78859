import { type BookPipelineLlm, createBookPipeline } from '@bookpipe/book-pipeline';
import {
  type AnyStage,
  BookpipeError,
  type BookStorage,
  type Config,
  createStageContext,
  ErrorCode,
  type Logger,
  Pipeline,
  type StageContext,
  type StageStats,
} from '@bookpipe/core';
import type { OcrPool } from '@bookpipe/stage-ocr';
import type { FlowProducer, JobsOptions, Queue } from 'bullmq';
import { type BookPlan, jobIds, QUEUES, type QueuedStage, type QueueKind, stageShape, upstreamOf } from './jobs.js';
import { scopeToPages } from './scope.js';

/** Opens a scan of a storage root: `openS3Scan` of @bookpipe/storage-s3, or `openScan` of @bookpipe/storage. */
export type OpenScan = (root: string, scanId: string) => Promise<BookStorage>;

/** What every job of a book needs: how to open its scan, build its stages, and where to queue more. */
export interface BookSteps {
  openScan: OpenScan;
  config: Config;
  logger: Logger;
  /** The model the LLM stages share (one client per process), or false; must agree with `plan.llm`. */
  llm: BookPipelineLlm;
  /** One OCR pool for every OCR job of the process: its tesseract workers start once, not per page. */
  ocrPool?: OcrPool;
  queues: Record<QueueKind, Queue>;
  flow: FlowProducer;
}

/**
 * Retries: a job thrown out by a storage or network error is tried again (a page already saved is then
 * skipped). Completed jobs are kept a day, so that a stage enqueued twice (two upstream stages finishing
 * at once, a book submitted again) meets its own id and is added once; failed ones a week, for `status`.
 */
const JOB_OPTIONS: JobsOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 2_000 },
  removeOnComplete: { age: 24 * 3600 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

/** A stage instance for the plan, built by `createBookPipeline` (the one place that assembles stages). */
async function buildStage(steps: BookSteps, plan: BookPlan, scan: BookStorage, name: QueuedStage): Promise<AnyStage> {
  const built = await createBookPipeline({
    scan,
    stages: [name],
    config: steps.config,
    llm: plan.llm ? steps.llm : false,
    logger: steps.logger,
    ...(steps.ocrPool ? { ocrPool: steps.ocrPool } : {}),
  });
  if (plan.llm && name !== 'merge' && built.llm.kind !== 'llm') {
    throw new BookpipeError(
      ErrorCode.CONFIG_INVALID,
      `Book "${plan.scanId}" was submitted with a model, but this worker has none (${built.llm.reason}): give the worker the same BOOKPIPE_PROVIDER/BOOKPIPE_MODEL and API key as the submitter.`,
    );
  }
  return built.stages[0]!;
}

async function openStage(steps: BookSteps, plan: BookPlan, name: QueuedStage): Promise<{ scan: BookStorage; stage: AnyStage; ctx: StageContext }> {
  const scan = await steps.openScan(plan.root, plan.scanId);
  const stage = await buildStage(steps, plan, scan, name);
  const ctx = await createStageContext(stage, { scan, config: steps.config, logger: steps.logger.child({ scanId: plan.scanId, stage: name }) });
  return { scan, stage, ctx };
}

/**
 * One page of a page stage: the stage's own `run()` narrowed to the page (see `scopeToPages`), so the page
 * is made exactly as a local run makes it. A page that fails is journalled as failed by the page loop and
 * the job completes (a failed page is the book's result, as in a local run); a storage or service error
 * throws, and BullMQ tries the job again.
 */
export async function runPageJob(steps: BookSteps, plan: BookPlan, name: QueuedStage, page: number): Promise<StageStats> {
  const { stage, ctx } = await openStage(steps, plan, name);
  return stage.run(scopeToPages(ctx, [page]));
}

/** A stage whose page jobs have all ended: its `after()` once, its completion record, then what it unblocks. */
export async function runAfterJob(steps: BookSteps, plan: BookPlan, name: QueuedStage): Promise<StageStats> {
  const { scan, stage, ctx } = await openStage(steps, plan, name);
  const status = await ctx.checkpoint.status();
  const failed = new Set(status.failedPages.map((failure) => failure.page));
  const unfinished = (await ctx.checkpoint.remainingPages()).filter((page) => !failed.has(page));
  if (unfinished.length > 0) {
    // Their jobs failed after every retry (a storage or service error): nothing journalled, nothing to merge.
    throw new BookpipeError(
      ErrorCode.STAGE_FAILED,
      `Stage "${name}" of scan "${plan.scanId}" has pages with neither a page nor a failure record (${unfinished.join(', ')}): their jobs failed. See \`bookpipe status --redis …\` for why, fix it, and submit the book again.`,
      { details: { scanId: plan.scanId, stage: name, pages: unfinished } },
    );
  }
  const metrics = await ctx.checkpoint.metrics();
  let totalCostUsd: number | null = 0;
  for (const m of metrics.values()) {
    const cost = m.costUsd;
    totalCostUsd = totalCostUsd === null || cost === null ? null : totalCostUsd + (typeof cost === 'number' ? cost : 0);
  }
  const stats: StageStats = {
    stage: name,
    pagesProcessed: status.completedPages.length,
    pagesFailed: status.failedPages.length,
    pagesSkipped: 0,
    totalCostUsd,
    durationSeconds: [...metrics.values()].reduce((sum, m) => sum + (typeof m.processingTimeSeconds === 'number' ? m.processingTimeSeconds : 0), 0),
    failures: status.failedPages.map((failure) => ({ page: failure.page, error: failure.error })),
    aborted: false,
  };
  await stage.after(ctx, stats);
  await ctx.checkpoint.markStageComplete({ ...stats });
  await enqueueReady(steps, plan, scan);
  return stats;
}

/** A stage run whole in one job (merge; correction and label without a model), as the local pipeline runs it. */
export async function runWholeJob(steps: BookSteps, plan: BookPlan, name: QueuedStage): Promise<void> {
  const scan = await steps.openScan(plan.root, plan.scanId);
  const stage = await buildStage(steps, plan, scan, name);
  // No scan lock: many workers work on the book at once, and the queue (its fixed job ids) is what keeps
  // a stage from running twice.
  const result = await new Pipeline({ scan, config: steps.config, stages: [stage], logger: steps.logger, lock: false }).run();
  const outcome = result.stages[name];
  if (outcome?.status === 'failed') {
    throw new BookpipeError(ErrorCode.STAGE_FAILED, `Stage "${name}" of scan "${plan.scanId}" failed: ${outcome.error}`, {
      details: { scanId: plan.scanId, stage: name },
    });
  }
  await enqueueReady(steps, plan, scan);
}

/** True when a stage has ended in the scan: its completion record is there (failed pages or not). */
async function ended(scan: BookStorage, stage: string): Promise<boolean> {
  const checkpoint = scan.stage(stage).checkpoint;
  if (await checkpoint.isComplete()) return true;
  return (await checkpoint.status()).lastStats !== undefined;
}

/**
 * Queues every stage of the plan that has not ended and whose upstream stages all have: its page jobs as
 * a BullMQ flow whose parent is the stage's `after` job (BullMQ starts a parent once all its children have
 * ended), or one whole-stage job. Each stage's `before()` runs here first, once, so that a stage that cannot
 * work (no model, no language data) fails before its pages are queued. Called by `submitBook` after the
 * source stage and by the last job of each stage.
 */
export async function enqueueReady(steps: BookSteps, plan: BookPlan, scan: BookStorage): Promise<QueuedStage[]> {
  const queued: QueuedStage[] = [];
  for (const name of plan.stages) {
    if (await ended(scan, name)) continue;
    let ready = true;
    for (const up of upstreamOf(name, plan)) if (!(await ended(scan, up))) ready = false;
    if (!ready) continue;
    const shape = stageShape(name, plan);
    if (shape.kind === 'whole') {
      await steps.queues.book.add(`${name}:whole`, { plan, stage: name, step: 'whole' }, { ...JOB_OPTIONS, jobId: jobIds.whole(plan.scanId, name) });
    } else {
      const afterId = jobIds.after(plan.scanId, name);
      if (await steps.queues.book.getJob(afterId)) continue; // queued already (by the other upstream stage, or an earlier submit)
      const stage = await buildStage(steps, plan, scan, name);
      await stage.before(await createStageContext(stage, { scan, config: steps.config, logger: steps.logger }));
      const pages = await scan.stage(name).checkpoint.remainingPages(await scan.pageNumbers());
      await steps.flow.add({
        name: `${name}:after`,
        queueName: QUEUES.book,
        data: { plan, stage: name, step: 'after' },
        opts: { ...JOB_OPTIONS, jobId: afterId },
        children: pages.map((page) => ({
          name: `${name}:page`,
          queueName: QUEUES[shape.queue],
          data: { plan, stage: name, page },
          // A page whose job fails for good must not hold its stage forever: the after job then says which.
          opts: { ...JOB_OPTIONS, jobId: jobIds.page(plan.scanId, name, page), ignoreDependencyOnFailure: true },
        })),
      });
    }
    queued.push(name);
  }
  return queued;
}
