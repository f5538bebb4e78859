// Throughput and client CPU of @bookpipe/llm-batch against the fake provider (built package).
//
//   pnpm --filter @bookpipe/llm-batch build && node --import tsx bench/llm-batch/run.ts
//   (or: pnpm bench llm-batch)
//
// 1. 2,000 requests, 50 ms server latency, 30 in flight, no binding rate limit: requests/s against
//    the ideal 30 / 0.05 s = 600/s, and CPU time per request in this process (the fake provider runs
//    in a child process). Measured for the LlmBatchClient, and as baselines in the same run: the
//    openai-compatible adapter's send() alone (the `openai` SDK call with request building and
//    answer mapping, no queue, rate limiter, validation or events), and bare node:http POSTs, the
//    floor for any HTTP client on this machine.
//    The adapters' send() alone again with a 150 KB page image (the same byte array every time, as
//    kit's page-image cache hands it to every stage and retry), for openaiCompatible and anthropic:
//    issue 18's target is < 0.5 ms CPU a request for the adapter path.
// 2. The client again with a 64 KB image per request (base64 and a larger body).
// 3. requestsPerMinute = 600 on a virtual clock, 2,000 requests: the busiest 60-second window of sends.
//
// Exits non-zero only when a run is wrong (a request not done, a window over the limit); the speed
// targets (>= 90% of ideal, < 0.5 ms CPU a request) are printed as MET / NOT MET, since they depend
// on how busy the machine is.
import { type ChildProcess, fork } from 'node:child_process';
import http from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { anthropic, LlmBatchClient, type LlmRequest, openaiCompatible } from '@bookpipe/llm-batch';
import { createVirtualClock } from '@bookpipe/llm-batch/testing';
import { busiestWindow } from '../support/busiest-window.js';

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
          properties: {
            blockNum: { type: 'integer', minimum: 1 },
            classification: { enum: ['BODY', 'HEADER', 'FOOTER'] },
            confidence: { type: 'number', minimum: 0, maximum: 1 },
          },
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

async function startServer(latencyMs: number): Promise<{ child: ChildProcess; openaiBaseURL: string; anthropicBaseURL: string }> {
  const child = fork(join(here, 'fake-server.mjs'), [String(latencyMs)], { stdio: 'inherit' });
  const { openaiBaseURL, anthropicBaseURL } = await new Promise<{ openaiBaseURL: string; anthropicBaseURL: string }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { openaiBaseURL: string; anthropicBaseURL: string }));
    child.once('exit', (code) => reject(new Error(`fake server exited with ${code}`)));
  });
  return { child, openaiBaseURL, anthropicBaseURL };
}

interface Measure {
  seconds: number;
  cpuMs: number;
  done: number;
}

/** Runs `work` once to warm up (JIT, sockets, compiled schema), then measures it. */
async function measure(work: (count: number, prefix: string) => Promise<number>): Promise<Measure> {
  await work(200, 'warm');
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  const done = await work(REQUESTS, 'r');
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  return { seconds, cpuMs: (cpu.user + cpu.system) / 1000, done };
}

function report(label: string, m: Measure): { share: number; cpuPerRequest: number; done: number } {
  const perSecond = REQUESTS / m.seconds;
  const share = perSecond / IDEAL_PER_SECOND;
  const cpuPerRequest = m.cpuMs / REQUESTS;
  console.log(
    `${label.padEnd(34)} ${perSecond.toFixed(0).padStart(4)} req/s = ${(share * 100).toFixed(1).padStart(5)}% of ideal ${IDEAL_PER_SECOND}/s, ` +
      `CPU ${cpuPerRequest.toFixed(3)} ms/request (${m.done}/${REQUESTS} done in ${m.seconds.toFixed(2)} s)`,
  );
  return { share, cpuPerRequest, done: m.done };
}

/** `count` calls with at most WORKERS in flight. */
async function pool(count: number, call: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      while (next < count) {
        const i = next++;
        await call(i);
        done++;
      }
    }),
  );
  return done;
}

function chatBody(i: number): Record<string, unknown> {
  const request = requests(1, 'x')[0] as LlmRequest;
  return {
    model: request.model,
    messages: [...request.messages.slice(0, 1), { role: 'user', content: `Page ${i + 1}: {"blocks":[{"blockNum":1,"text":"..."}]}` }],
    response_format: { type: 'json_schema', json_schema: { name: schema.name, schema: schema.schema, strict: true } },
  };
}

async function throughput(): Promise<boolean> {
  const server = await startServer(LATENCY_MS);
  try {
    // Floor: node:http with keep-alive, the same body, the answer read and parsed.
    const agent = new http.Agent({ keepAlive: true, maxSockets: WORKERS });
    const url = new URL(`${server.openaiBaseURL}/chat/completions`);
    const post = (body: string) =>
      new Promise<unknown>((resolve, reject) => {
        const req = http.request(
          url,
          { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    const floor = report('baseline: bare node:http', await measure((n) => pool(n, (i) => post(JSON.stringify(chatBody(i))))));

    // The adapter alone: the SDK call as the client makes it, without the batch machinery.
    const provider = openaiCompatible({ baseURL: server.openaiBaseURL, apiKey: 'bench' });
    const calls = requests(1, 'adapter');
    const context = { signal: new AbortController().signal, timeoutMs: 120_000, now: () => Date.now() };
    const adapterOnly = report(
      'baseline: adapter send() alone',
      await measure((n) => pool(n, (i) => provider.send({ ...(calls[0] as LlmRequest), id: `a${i}`, images: [] }, context))),
    );

    // A page image as the stages send it: ~150 KB of JPEG, one byte array per page reused by every send.
    const pageImage = new Uint8Array(150 * 1024).map((_, i) => (i * 31) & 0xff);
    const imageCall = { ...(calls[0] as LlmRequest), images: [{ mediaType: 'image/jpeg' as const, data: pageImage }] };
    const openaiImage = report(
      'adapter send(), 150 KB image: openai',
      await measure((n) => pool(n, (i) => provider.send({ ...imageCall, id: `i${i}` }, context))),
    );
    const claude = anthropic({ baseURL: server.anthropicBaseURL, apiKey: 'bench' });
    const anthropicImage = report(
      'adapter send(), 150 KB image: anthropic',
      await measure((n) => pool(n, (i) => claude.send({ ...imageCall, id: `c${i}` }, context))),
    );

    const client = new LlmBatchClient({
      provider: openaiCompatible({ baseURL: server.openaiBaseURL, apiKey: 'bench' }),
      maxWorkers: WORKERS,
      requestsPerMinute: Number.POSITIVE_INFINITY,
    });
    const full = report('LlmBatchClient', await measure(async (n, prefix) => (await client.processBatch(requests(n, prefix))).done));
    const images = report(
      'LlmBatchClient, 64 KB image each',
      await measure(async (n, prefix) => (await client.processBatch(requests(n, `img-${prefix}`, 64 * 1024))).done),
    );

    console.log(
      `batch machinery over the adapter alone: ${(full.cpuPerRequest - adapterOnly.cpuPerRequest).toFixed(3)} ms CPU/request; ` +
        `over bare node:http: ${(full.cpuPerRequest - floor.cpuPerRequest).toFixed(3)} ms`,
    );
    console.log(
      `target >= 90% of ideal: ${full.share >= 0.9 ? 'MET' : 'NOT MET'} (${(full.share * 100).toFixed(1)}%); target < 0.5 ms CPU/request: ${full.cpuPerRequest < 0.5 ? 'MET' : 'NOT MET'} (${full.cpuPerRequest.toFixed(3)} ms)`,
    );
    // Every request must be done; speed depends on the machine and is reported, not enforced.
    console.log(
      `target < 0.5 ms CPU/request for the adapter path (issue 18): no image ${adapterOnly.cpuPerRequest < 0.5 ? 'MET' : 'NOT MET'} (${adapterOnly.cpuPerRequest.toFixed(3)} ms), ` +
        `150 KB image openai ${openaiImage.cpuPerRequest.toFixed(3)} ms, anthropic ${anthropicImage.cpuPerRequest.toFixed(3)} ms`,
    );
    return [floor, adapterOnly, openaiImage, anthropicImage, full, images].every((r) => r.done === REQUESTS);
  } finally {
    server.child.send('close');
  }
}

async function rateWindow(): Promise<boolean> {
  const rpm = 600;
  const server = await startServer(0);
  try {
    const clock = createVirtualClock();
    const client = new LlmBatchClient({
      provider: openaiCompatible({ baseURL: server.openaiBaseURL, apiKey: 'bench' }),
      maxWorkers: WORKERS,
      requestsPerMinute: rpm,
      clock,
    });
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

const outcomes = [await throughput(), await rateWindow()];
process.exit(outcomes.every(Boolean) ? 0 : 1);
