import { type ConnectionOptions, Queue } from 'bullmq';
import { QUEUES, type QueueKind } from './jobs.js';
import { connectRedis } from './redis.js';

export interface QueueCounts {
  queue: string;
  waiting: number;
  /** Waiting for their children: a stage's `after` job while its pages run. */
  waitingChildren: number;
  active: number;
  delayed: number;
  completed: number;
  failed: number;
}

export interface QueueStatus {
  queues: QueueCounts[];
  /** The latest failed jobs (at most 10 a queue), with BullMQ's reason: their id names book, stage and page. */
  failed: Array<{ queue: string; id: string; reason: string; attempts: number }>;
}

/** Job counts of each bookpipe queue and the latest failures. @throws BookpipeError CONFIG_INVALID when Redis is unreachable. */
export async function queueStatus(redisUrl: string): Promise<QueueStatus> {
  const connection: ConnectionOptions = await connectRedis(redisUrl);
  const queues = (Object.keys(QUEUES) as QueueKind[]).map((kind) => new Queue(QUEUES[kind], { connection }));
  try {
    const result: QueueStatus = { queues: [], failed: [] };
    for (const queue of queues) {
      const c = await queue.getJobCounts('waiting', 'waiting-children', 'active', 'delayed', 'completed', 'failed', 'prioritized');
      result.queues.push({
        queue: queue.name,
        waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
        waitingChildren: c['waiting-children'] ?? 0,
        active: c.active ?? 0,
        delayed: c.delayed ?? 0,
        completed: c.completed ?? 0,
        failed: c.failed ?? 0,
      });
      for (const job of await queue.getFailed(0, 9)) {
        result.failed.push({ queue: queue.name, id: String(job.id), reason: job.failedReason ?? '', attempts: job.attemptsMade });
      }
    }
    return result;
  } finally {
    await Promise.all(queues.map((queue) => queue.close()));
  }
}

/** The status as a table for a terminal. */
export function formatQueueStatus(status: QueueStatus): string {
  const header = ['queue', 'waiting', 'waiting-children', 'active', 'delayed', 'completed', 'failed'];
  const rows = status.queues.map((q) => [q.queue, q.waiting, q.waitingChildren, q.active, q.delayed, q.completed, q.failed].map(String));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  const out = [line(header), ...rows.map(line)];
  if (status.failed.length > 0) {
    out.push('', 'failed jobs (id = scan/stage/page):');
    for (const f of status.failed) out.push(`  ${f.queue} ${f.id} after ${f.attempts} attempt(s): ${f.reason}`);
  }
  return `${out.join('\n')}\n`;
}
