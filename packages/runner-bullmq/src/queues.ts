import { type ConnectionOptions, FlowProducer, Queue } from 'bullmq';
import { QUEUES, type QueueKind } from './jobs.js';

export interface BookQueues {
  queues: Record<QueueKind, Queue>;
  flow: FlowProducer;
  close(): Promise<void>;
}

/** The three queues and the flow producer on one Redis. */
export function openQueues(connection: ConnectionOptions): BookQueues {
  const queues = {
    ocr: new Queue(QUEUES.ocr, { connection }),
    llm: new Queue(QUEUES.llm, { connection }),
    book: new Queue(QUEUES.book, { connection }),
  };
  const flow = new FlowProducer({ connection });
  return {
    queues,
    flow,
    async close() {
      await Promise.all([...Object.values(queues).map((queue) => queue.close()), flow.close()]);
    },
  };
}
