// A distributed bookpipe runner on BullMQ over Redis: `submitBook` runs the source stage and queues the
// book; `startWorker` (any number, any machines) takes one job per stage and page; `queueStatus` counts.
// A tool-level package on book-pipeline: no stage imports it.
export { type BookSteps, enqueueReady, type OpenScan, runAfterJob, runPageJob, runWholeJob } from './book-steps.js';
export { type BookJobData, type BookPlan, jobIds, type PageJobData, QUEUES, type QueuedStage, type QueueKind, stageShape, upstreamOf } from './jobs.js';
export { formatQueueStatus, type QueueCounts, type QueueStatus, queueStatus } from './queue-status.js';
export { type BookQueues, openQueues } from './queues.js';
export { connectRedis, redactRedisUrl } from './redis.js';
export { scopeToPages } from './scope.js';
export { type SubmitOptions, type SubmitResult, submitBook } from './submit.js';
export { type RunningWorker, startWorker, type WorkerRunnerOptions } from './worker.js';
