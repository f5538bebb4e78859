// The LLM batch client under a provider that says 429 (issue 14, item 2): how long the recovery
// takes, and whether the requests-per-minute limit holds when images take time to load.
//
//   pnpm turbo run build --filter=@bookpipe/llm-batch && pnpm bench llm-429
//   LLM_BATCH_ENTRY=/path/to/an/older/packages/llm-batch/dist/index.js pnpm bench llm-429   (the "before" figures)
//
// 1. 40 requests, each refused once with a 429 (Retry-After: 1 s), 30 workers, 150/min: wall time.
//    Ideal: about 1 s of Retry-After plus two round trips.
// 2. 20 requests going 503 -> 429 (Retry-After: 1 s) -> ok: wall time. Ideal: about 2 s of backoff.
// 3. requestsPerMinute = 12, 40 requests whose image takes 0-600 ms to load (virtual clock): the
//    busiest 60-second window of sends, which must not exceed 12.
//
// Cases 1 and 2 run in real time against the loopback fake provider; a run is stopped after 150 s.
// Exits non-zero when a request is not done or a window holds more than the limit.
import type { LlmBatchClient as Client, LlmBatchClientOptions, LlmRequest } from '@bookpipe/llm-batch';
import { createVirtualClock, type FakeReply, startFakeProvider } from '@bookpipe/llm-batch/testing';
import { busiestWindow } from '../support/busiest-window.js';

const entry = process.env.LLM_BATCH_ENTRY ?? '@bookpipe/llm-batch';
const { LlmBatchClient, openaiCompatible } = (await import(entry)) as typeof import('@bookpipe/llm-batch');
const STOP_AFTER_MS = 150_000;

const schema = {
  name: 'page_blocks',
  schema: {
    type: 'object',
    properties: { blocks: { type: 'array', items: { type: 'string' }, minItems: 1 } },
    required: ['blocks'],
    additionalProperties: false,
  },
};

function requests(count: number, image?: () => Promise<Uint8Array>): LlmRequest[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `r${i}`,
    model: 'gpt-4o-mini',
    messages: [{ role: 'user' as const, content: `Page ${i + 1}` }],
    responseSchema: schema,
    ...(image ? { images: [{ mediaType: 'image/png' as const, load: image }] } : {}),
  }));
}

async function timed(
  label: string,
  count: number,
  respond: (attempt: number) => FakeReply | undefined,
  options: Partial<LlmBatchClientOptions>,
): Promise<boolean> {
  await using fake = await startFakeProvider({ respond: ({ attempt }) => respond(attempt), latencyMs: 20 });
  const client: Client = new LlmBatchClient({ provider: openaiCompatible({ baseURL: fake.openaiBaseURL, apiKey: 'bench' }), ...options });
  const signal = AbortSignal.timeout(STOP_AFTER_MS);
  const start = performance.now();
  const summary = await client.processBatch(requests(count), { signal });
  const seconds = (performance.now() - start) / 1000;
  const ok = summary.done === count;
  console.log(
    `${label.padEnd(44)} ${summary.aborted ? `> ${STOP_AFTER_MS / 1000} s (stopped)` : `${seconds.toFixed(1)} s`}, ` +
      `${summary.done}/${count} done, ${summary.attempts} sends, ${fake.requests.length} at the server ${ok ? 'PASS' : 'FAIL'}`,
  );
  return ok;
}

async function rateWindow(): Promise<boolean> {
  const limit = 12;
  const clock = createVirtualClock();
  await using fake = await startFakeProvider();
  const client: Client = new LlmBatchClient({
    provider: openaiCompatible({ baseURL: fake.openaiBaseURL, apiKey: 'bench' }),
    requestsPerMinute: limit,
    maxWorkers: 30,
    clock,
  });
  let seed = 7;
  const random = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  const load = async () => {
    await clock.sleep(Math.floor(random() * 600));
    return new Uint8Array([1, 2, 3]);
  };
  // A send's time is when the client hands it to the SDK (its `started` event), on the client's clock.
  const starts: number[] = [];
  const summary = await client.processBatch(requests(40, load), { onEvent: (e) => void (e.type === 'started' && starts.push(clock.now())) });
  const busiest = busiestWindow(starts);
  const ok = summary.done === 40 && busiest <= limit;
  console.log(`requestsPerMinute=${limit}, image loads 0-600 ms (virtual clock): busiest 60 s window ${busiest} sends ${ok ? 'PASS' : 'FAIL'}`);
  return ok;
}

console.log(`client: ${entry}`);
const outcomes = [
  await timed('40 requests x one 429 (Retry-After 1 s)', 40, (attempt) => (attempt === 1 ? { fault: 'rateLimit', retryAfterSeconds: 1 } : undefined), {
    maxWorkers: 30,
    requestsPerMinute: 150,
  }),
  await timed(
    '20 requests 503 -> 429 (Retry-After 1 s) -> ok',
    20,
    (attempt) => (attempt === 1 ? { fault: 'serverError', status: 503 } : attempt === 2 ? { fault: 'rateLimit', retryAfterSeconds: 1 } : undefined),
    { maxWorkers: 30, requestsPerMinute: 150 },
  ),
  await rateWindow(),
];
process.exit(outcomes.every(Boolean) ? 0 : 1);
