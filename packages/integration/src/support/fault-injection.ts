/**
 * Test support: the faults of the fake provider (@bookpipe/llm-batch/testing) as a catalogue, and
 * schedules that decide which requests get one: a seeded 10% of requests, or an outage of the first
 * N requests after which the server recovers. A `FaultInjector` wraps a scripted model and records,
 * per request, whether it was faulted, so tests can count what the server did.
 */
import type { FakeReply, FakeRequest, FakeResponder } from '@bookpipe/llm-batch/testing';
import { seededRandom } from '@bookpipe/testkit';

export { seededRandom };

export interface FaultCase {
  /** Short name, used in test titles. */
  name: string;
  /** What the fake provider does instead of answering. */
  reply: FakeReply;
  /** What a page's failure reason must say for this fault (the reason text the client records). */
  reason: RegExp;
}

/**
 * Every fault the fake provider can inject. The 429 asks for 2 s (Retry-After in seconds, as
 * providers send it), which a virtual clock makes free and the client must honour.
 */
export const FAULTS: readonly FaultCase[] = [
  { name: '429 with Retry-After', reply: { fault: 'rateLimit', retryAfterSeconds: 2 }, reason: /HTTP 429/ },
  { name: 'HTTP 500', reply: { fault: 'serverError', status: 500 }, reason: /HTTP 500/ },
  { name: 'HTTP 502', reply: { fault: 'serverError', status: 502 }, reason: /HTTP 502/ },
  { name: 'HTTP 503', reply: { fault: 'serverError', status: 503 }, reason: /HTTP 503/ },
  { name: 'connection reset', reply: { fault: 'reset' }, reason: /connection error/i },
  { name: 'hang (timeout)', reply: { fault: 'hang' }, reason: /timed out after \d+ ms/ },
  { name: 'truncated HTTP body', reply: { fault: 'truncatedBody' }, reason: /unreadable response/ },
  { name: 'truncated JSON output', reply: { fault: 'truncatedJson' }, reason: /not valid JSON/ },
  { name: 'schema-violating JSON', reply: { fault: 'schemaViolation' }, reason: /violates schema/ },
  // Issue 14: the retry of a cut-off answer doubles the token limit; an HTML 200 is named and tried twice at most.
  { name: 'answer cut off at the token limit', reply: { fault: 'truncated' }, reason: /cut off at the output-token limit/ },
  { name: 'HTML page with status 200', reply: { fault: 'html200' }, reason: /HTTP 200 with an HTML page/ },
];

/** Decides, from a request's position among all requests the server received, whether it is faulted. */
export type FaultSchedule = (request: FakeRequest) => boolean;

/**
 * Exactly one request in each run of 10 consecutive arrivals, at a seeded position within the run:
 * 10% of requests, never none in a batch of 10 or more (a plain `random() < 0.1` would leave a
 * small batch untouched about a third of the time, and the case would prove nothing).
 */
export function tenPercent(seed: number): FaultSchedule {
  const random = seededRandom(seed);
  const positions: number[] = [];
  return ({ callIndex }) => {
    const run = Math.floor(callIndex / 10);
    while (positions.length <= run) positions.push(Math.floor(random() * 10));
    return callIndex % 10 === positions[run];
  };
}

/**
 * Every request until `requests` have been faulted, then none: an outage the server recovers from.
 * With `keyOf`, the count is kept per key (e.g. per schema, i.e. per stage), so that how two stages
 * running at once interleave their requests does not decide which of them the outage hits.
 */
export function outage(requests: number, keyOf: (request: FakeRequest) => string = () => ''): FaultSchedule {
  const seen = new Map<string, number>();
  return (request) => {
    const key = keyOf(request);
    const count = seen.get(key) ?? 0;
    seen.set(key, count + 1);
    return count < requests;
  };
}

/** A scripted model's answer to a request (the fault-free behaviour). */
export type ScriptedModel = (request: FakeRequest) => FakeReply;

export interface FaultInjector {
  /** For `startFakeProvider({ respond })`. */
  respond: FakeResponder;
  /** Call indexes of the requests that got the fault. */
  readonly faulted: Set<number>;
  /** Stops injecting (what a server that recovered does). */
  stop(): void;
}

/** Answers with `model`, except for the requests `schedule` picks, which get `fault`. */
export function injectFaults(model: ScriptedModel, fault: FakeReply, schedule: FaultSchedule): FaultInjector {
  const faulted = new Set<number>();
  let stopped = false;
  return {
    faulted,
    stop: () => {
      stopped = true;
    },
    respond: (request) => {
      if (!stopped && schedule(request)) {
        faulted.add(request.callIndex);
        return fault;
      }
      return model(request);
    },
  };
}
