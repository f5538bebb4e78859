// Throughput and client CPU of @bookpipe/llm-batch against the fake provider (built package).
//
//   pnpm --filter @bookpipe/llm-batch build && node --import tsx bench/llm-batch/run.ts
//   (or: pnpm bench llm-batch)
//
// 1. 2,000 requests, 50 ms server latency, 30 workers, no binding rate limit:
//    requests/s against the ideal 30 / 0.05 s = 600/s, and the client's CPU time per request.
// 2. requestsPerMinute = 600 on a virtual clock, 2,000 requests: the busiest 60-second window of sends.
import { fork, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LlmBatchClient, openaiCompatible, type LlmRequest } from '@bookpipe/llm-batch';
import { createVirtualClock } from '@bookpipe/llm-batch/testing';

const here = dirname(fileURLToPath(import.meta.url));
const REQUESTS = 2_000;
const WORKERS = 30;
const LATENCY_MS = 50;
const IDEAL_PER_SECOND = WORKERS / (LATENCY_MS / 1000);

const schema = {
  name: 'page_label',
  schema: {
    type: 'object',
    properties: {
      printedPageNumber: { type: ['string', 'null'] },
      blocks: {
        type: 'array',
        minItems: 3,
        items: {
          type: 'object',
          properties: { blockNum: { type: 'integer', minimum: 1 }, classification: { enum: ['BODY', 'HEADER', 'FOOTER'] }, confidence: { type: 'number', minimum: 0, maximum: 1 } },
          required: ['blockNum', 'classification', 'confidence'],
          additionalProperties: false,
        },
      },
    },
    required: ['printedPageNumber', 'blocks'],
    additionalProperties: false,
  },
};

function requests(count: number, prefix: string, imageBytes = 0): LlmRequest[] {
  const image = new Uint8Array(imageBytes).fill(7);
  return Array.from({ length: count }, (_, i) => ({
    id: `${prefix}${i}`,
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'Classify every OCR block of the page.' },
      { role: 'user', content: `Page ${i + 1}: {"blocks":[{"blockNum":1,"text":"..."}]}` },
    ],
    ...(imageBytes > 0 ? { images: [{ mediaType: 'image/jpeg' as const, load: async () => image }] } : {}),
    responseSchema: schema,
  }));
}

async function startServer(latencyMs: number): Promise<{ child: ChildProcess; openaiBaseURL: string }> {
  const child = fork(join(here, 'fake-server.mjs'), [String(latencyMs)], { stdio: 'inherit' });
  const { openaiBaseURL } = await new Promise<{ openaiBaseURL: string }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { openaiBaseURL: string }));
    child.once('exit', (code) => reject(new Error(`fake server exited with ${code}`)));
  });
  return { child, openaiBaseURL };
}

async function throughput(label: string, imageBytes: number): Promise<boolean> {
  const server = await startServer(LATENCY_MS);
  try {
    const client = new LlmBatchClient({
      provider: openaiCompatible({ baseURL: server.openaiBaseURL, apiKey: 'bench' }),
      maxWorkers: WORKERS,
      requestsPerMinute: Number.POSITIVE_INFINITY,
    });
    // Warm up: JIT, keep-alive connections, schema compiled.
    await client.processBatch(requests(200, 'warm', imageBytes));
    const cpuBefore = process.cpuUsage();
    const start = performance.now();
    let results = 0;
    const summary = await client.processBatch(requests(REQUESTS, 'r', imageBytes), { onResult: () => void results++ });
    const seconds = (performance.now() - start) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const perSecond = REQUESTS / seconds;
    const cpuMsPerRequest = (cpu.user + cpu.system) / 1000 / REQUESTS;
    const share = perSecond / IDEAL_PER_SECOND;
    const ok = summary.done === REQUESTS && results === REQUESTS && share >= 0.9 && cpuMsPerRequest < 0.5;
    console.log(
      `${label}: ${REQUESTS} requests in ${seconds.toFixed(2)} s = ${perSecond.toFixed(0)} req/s, ` +
        `${(share * 100).toFixed(1)}% of ideal ${IDEAL_PER_SECOND}/s (target >= 90%); ` +
        `client CPU ${cpuMsPerRequest.toFixed(3)} ms/request (user ${(cpu.user / 1000).toFixed(0)} ms, system ${(cpu.system / 1000).toFixed(0)} ms; target < 0.5) ` +
        `done=${summary.done} failed=${summary.failed} ${ok ? 'PASS' : 'FAIL'}`,
    );
    return ok;
  } finally {
    server.child.send('close');
  }
}

/** The most sends found in any window of `windowMs`. */
function busiestWindow(times: number[], windowMs = 60_000): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, head = 0; i < sorted.length; i++) {
    while ((sorted[i] as number) - (sorted[head] as number) >= windowMs) head++;
    best = Math.max(best, i - head + 1);
  }
  return best;
}

async function rateWindow(): Promise<boolean> {
  const rpm = 600;
  const server = await startServer(0);
  try {
    const clock = createVirtualClock();
    const client = new LlmBatchClient({ provider: openaiCompatible({ baseURL: server.openaiBaseURL, apiKey: 'bench' }), maxWorkers: WORKERS, requestsPerMinute: rpm, clock });
    const starts: number[] = [];
    const summary = await client.processBatch(requests(REQUESTS, 'w'), { onEvent: (e) => void (e.type === 'started' && starts.push(clock.now())) });
    const busiest = busiestWindow(starts);
    const spanMinutes = (Math.max(...starts) - Math.min(...starts)) / 60_000;
    const ok = summary.done === REQUESTS && busiest <= rpm;
    console.log(
      `requestsPerMinute=${rpm} (virtual clock): ${starts.length} sends over ${spanMinutes.toFixed(2)} virtual minutes, ` +
        `busiest 60 s window ${busiest} sends (limit ${rpm}) ${ok ? 'PASS' : 'FAIL'}`,
    );
    return ok;
  } finally {
    server.child.send('close');
  }
}

const outcomes = [await throughput('no images', 0), await throughput('64 KB image per request', 64 * 1024), await rateWindow()];
process.exit(outcomes.every(Boolean) ? 0 : 1);
