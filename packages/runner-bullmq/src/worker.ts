import { availableParallelism } from 'node:os';
import { type BookPipelineLlm, chooseLlm, ENV_SETTING_NAMES } from '@bookpipe/book-pipeline';
import { type Config, type Logger, silentLogger } from '@bookpipe/core';
import type { OcrPool } from '@bookpipe/stage-ocr';
import { type Job, UnrecoverableError, Worker, type WorkerOptions } from 'bullmq';
import { type BookSteps, type OpenScan, runAfterJob, runPageJob, runWholeJob } from './book-steps.js';
import { type BookJobData, type PageJobData, QUEUES, type QueueKind } from './jobs.js';
import { openQueues } from './queues.js';
import { connectRedis } from './redis.js';

export interface WorkerRunnerOptions {
  redisUrl: string;
  /** The storage root this worker serves; a job of another root is refused (not retried). */
  root: string;
  openScan: OpenScan;
  config: Config;
  logger?: Logger;
  /** OCR pages at once: the worker's OCR threads. @default config.ocr.maxWorkers, else the number of CPUs */
  ocrConcurrency?: number;
  /** LLM pages at once on this worker. @default config.llm.maxWorkers, else 4 */
  llmConcurrency?: number;
  /**
   * How long a job's lock holds without renewal: a worker killed mid-page has its job taken by another
   * after this (BullMQ's stalled-job check). @default 30_000 (BullMQ's)
   */
  lockDurationMs?: number;
  /** Called when a job ends, for progress lines. */
  onJob?: (event: { queue: QueueKind; name: string; id: string; state: 'completed' | 'failed'; error?: string }) => void;
}

export interface RunningWorker {
  /** Stops taking jobs, lets the jobs in flight finish, then closes the queues and the OCR pool. */
  close(): Promise<void>;
}

/**
 * A bookpipe worker: takes page jobs and book jobs of every submitted book from Redis until closed.
 * Run any number of them, on any machines that reach the Redis and the storage. One OCR pool and one
 * LLM client serve every job of the process. LLM page jobs are rate limited by BullMQ's queue limiter
 * (kept in Redis, so it holds across all workers) at BOOKPIPE_LLM_REQUESTS_PER_MINUTE pages a minute.
 */
export async function startWorker(options: WorkerRunnerOptions): Promise<RunningWorker> {
  const connection = await connectRedis(options.redisUrl);
  const { config } = options;
  const logger = options.logger ?? silentLogger;
  const choice = chooseLlm(config, undefined, ENV_SETTING_NAMES);
  const llm: BookPipelineLlm = choice.kind === 'llm' ? { client: choice.client, model: choice.model } : false;
  // Imported here: a worker that never sees an OCR job still starts no tesseract worker (the pool is lazy).
  const ocrPool: OcrPool = (await import('@bookpipe/stage-ocr')).createOcrPool();
  const queues = openQueues(connection);
  const steps: BookSteps = { ...queues, openScan: options.openScan, config, logger, llm, ocrPool };

  const checkRoot = (job: Job<PageJobData | BookJobData>) => {
    if (job.data.plan.root !== options.root) {
      throw new UnrecoverableError(
        `Job ${job.id} belongs to storage ${job.data.plan.root}, but this worker serves ${options.root}: start a worker with --storage ${job.data.plan.root}.`,
      );
    }
  };
  // OCR and LLM page jobs differ only in their queue's concurrency and limiter.
  const pageJob = async (job: Job<PageJobData>) => {
    checkRoot(job);
    await runPageJob(steps, job.data.plan, job.data.stage, job.data.page);
  };
  const base: WorkerOptions = {
    connection,
    ...(options.lockDurationMs === undefined ? {} : { lockDuration: options.lockDurationMs, stalledInterval: options.lockDurationMs }),
  };
  const rpm = config.llm.requestsPerMinute;
  const workers: Array<{ kind: QueueKind; worker: Worker }> = [
    {
      kind: 'ocr',
      worker: new Worker<PageJobData>(QUEUES.ocr, pageJob, { ...base, concurrency: options.ocrConcurrency ?? config.ocr.maxWorkers ?? availableParallelism() }),
    },
    {
      kind: 'llm',
      worker: new Worker<PageJobData>(QUEUES.llm, pageJob, {
        ...base,
        concurrency: options.llmConcurrency ?? config.llm.maxWorkers ?? 4,
        ...(rpm === undefined ? {} : { limiter: { max: rpm, duration: 60_000 } }),
      }),
    },
    {
      kind: 'book',
      worker: new Worker<BookJobData>(
        QUEUES.book,
        async (job) => {
          checkRoot(job);
          if (job.data.step === 'after') await runAfterJob(steps, job.data.plan, job.data.stage);
          else await runWholeJob(steps, job.data.plan, job.data.stage);
        },
        { ...base, concurrency: 2 },
      ),
    },
  ];
  for (const { kind, worker } of workers) {
    worker.on('completed', (job) => options.onJob?.({ queue: kind, name: job.name, id: String(job.id), state: 'completed' }));
    worker.on('failed', (job, error) => {
      logger.error('job failed', { queue: kind, job: job?.id, error });
      if (job) options.onJob?.({ queue: kind, name: job.name, id: String(job.id), state: 'failed', error: error.message });
    });
    worker.on('error', (error) => logger.error('worker error', { queue: kind, error }));
  }
  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= (async () => {
        await Promise.all(workers.map(({ worker }) => worker.close()));
        await queues.close();
        await ocrPool.destroy();
      })();
      return closing;
    },
  };
}
