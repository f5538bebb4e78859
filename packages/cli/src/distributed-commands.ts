import { resolve } from 'node:path';
import { scanIdFromInput } from '@bookpipe/book-pipeline';
import { BookpipeError, createLogger, ErrorCode, loadConfig } from '@bookpipe/core';
import type { CliIo } from './cli-io.js';
import { ExitCode } from './exit-code.js';
import { decideLlm } from './llm-mode.js';
import { openScanAt } from './scan-root.js';
import { parseStageList } from './stage-plan.js';

// `bookpipe submit`, `worker` and `status --redis`: the distributed runner of @bookpipe/runner-bullmq,
// loaded here only, so that no other command loads bullmq and ioredis.

export interface DistributedFlags {
  redis: string;
  storage?: string;
}

export interface SubmitFlags extends DistributedFlags {
  scanId?: string;
  stages?: string;
  json?: boolean;
}

export interface WorkerFlags extends DistributedFlags {
  workers?: number;
  llmWorkers?: number;
}

function storageRoot(flags: DistributedFlags, io: CliIo): string {
  const root = flags.storage ?? loadConfig(io.env).root;
  if (!root.startsWith('s3://') && !root.startsWith('/')) {
    // Every worker must reach the same scan: a relative folder would be a different one on each machine.
    throw new BookpipeError(
      ErrorCode.CONFIG_INVALID,
      `--storage ${JSON.stringify(root)}: the distributed runner needs storage every worker reaches: s3://bucket/prefix (or an absolute path on a shared filesystem).`,
    );
  }
  return root;
}

/** `bookpipe submit <inputs...> --redis … --storage s3://…`: the source stage here, then the book queued. */
export async function submitCommand(inputs: readonly string[], flags: SubmitFlags, io: CliIo): Promise<number> {
  const { submitBook } = await import('@bookpipe/runner-bullmq');
  const root = storageRoot(flags, io);
  const scanId = flags.scanId ?? (inputs[0] === undefined ? undefined : scanIdFromInput(inputs[0]));
  if (scanId === undefined) {
    throw new BookpipeError(ErrorCode.CONFIG_INVALID, 'Give the PDF or folder of page images to submit, or --scan-id of a scan that has its pages.');
  }
  const config = { ...loadConfig(io.env), root };
  const hasModel = decideLlm(config).kind === 'llm';
  const stages = flags.stages === undefined ? undefined : parseStageList(flags.stages).filter((name) => name !== 'source');
  const result = await submitBook({
    redisUrl: flags.redis,
    root,
    scanId,
    openScan: (at, id) => openScanAt(at, id, io.env),
    inputs: inputs.map((input) => resolve(input)),
    config,
    llm: hasModel ? {} : false,
    hasModel,
    ...(stages === undefined ? {} : { stages: stages as never }),
  });
  if (flags.json) {
    io.stdout.write(`${JSON.stringify({ type: 'book:submitted', scanId, root, pages: result.pages, queued: result.queued, plan: result.plan })}\n`);
  } else {
    io.stderr.write(
      `bookpipe: scan "${scanId}" (${result.pages} pages) in ${root}: ${result.queued.length > 0 ? `queued ${result.queued.join(', ')}` : 'nothing left to queue'}; stages: ${result.plan.stages.join(', ')}${result.plan.llm ? ' (with a model)' : ''}.\nStart workers with \`bookpipe worker --redis ${flags.redis} --storage ${root}\`; follow with \`bookpipe status --redis ${flags.redis}\`.\n`,
    );
  }
  return ExitCode.OK;
}

/** `bookpipe worker --redis … --storage …`: takes jobs until SIGINT/SIGTERM, then lets the jobs in flight end. */
export async function workerCommand(flags: WorkerFlags, io: CliIo): Promise<number> {
  const { startWorker } = await import('@bookpipe/runner-bullmq');
  const root = storageRoot(flags, io);
  const config = loadConfig(io.env);
  const logger = createLogger({ destination: (line) => io.stderr.write(`${line}\n`), level: config.logLevel, bindings: { pid: process.pid } });
  const worker = await startWorker({
    redisUrl: flags.redis,
    root,
    openScan: (at, id) => openScanAt(at, id, io.env),
    config,
    logger,
    ...(flags.workers === undefined ? {} : { ocrConcurrency: flags.workers }),
    ...(flags.llmWorkers === undefined ? {} : { llmConcurrency: flags.llmWorkers }),
    ...(io.env.BOOKPIPE_JOB_LOCK_MS === undefined ? {} : { lockDurationMs: Number(io.env.BOOKPIPE_JOB_LOCK_MS) }),
    onJob: (event) => io.stderr.write(`${event.state} ${event.id}${event.error ? `: ${event.error}` : ''}\n`),
  });
  io.stderr.write(`bookpipe worker ${process.pid}: waiting for jobs on ${flags.redis} for ${root} (stop with Ctrl-C or SIGTERM: jobs in flight finish)\n`);
  await new Promise<void>((done) => {
    const stopListening = io.onInterrupt(() => {
      stopListening();
      io.stderr.write(`bookpipe worker ${process.pid}: stopping after the jobs in flight\n`);
      done();
    });
  });
  await worker.close();
  return ExitCode.OK;
}

/** `bookpipe status --redis …`: job counts of each queue and the latest failed jobs. */
export async function queueStatusCommand(flags: DistributedFlags & { json?: boolean }, io: CliIo): Promise<number> {
  const { formatQueueStatus, queueStatus } = await import('@bookpipe/runner-bullmq');
  const status = await queueStatus(flags.redis);
  io.stdout.write(flags.json ? `${JSON.stringify(status)}\n` : formatQueueStatus(status));
  return ExitCode.OK;
}
