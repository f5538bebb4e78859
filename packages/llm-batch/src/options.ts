import type { Clock } from './clock.js';
import type { PricingTable } from './pricing.js';
import type { LlmProvider } from './provider.js';

/**
 * The client's defaults. The rest of bookpipe passes its own values (BOOKPIPE_LLM_MAX_WORKERS
 * and friends) as options; a standalone user may rely on these.
 */
export const DEFAULT_BATCH_OPTIONS = Object.freeze({
  maxWorkers: 30,
  requestsPerMinute: 150,
  maxRetries: 3,
  retryJitter: 0.25,
  timeoutMs: 120_000,
  retryBaseDelayMs: 1_000,
  retryMaxDelayMs: 60_000,
  maxTokensCap: 16_384,
  batchPollIntervalMs: 30_000,
  batchPollMaxIntervalMs: 600_000,
});

export interface LlmBatchClientOptions {
  /** Where requests go: `openaiCompatible({...})`, `anthropic({...})`, or your own `LlmProvider`. */
  provider: LlmProvider;
  /**
   * Requests in flight at once. The client lowers it for a while after 429s.
   * @default 30
   */
  maxWorkers?: number;
  /**
   * Sends (retries included) allowed in any 60-second window; `Infinity` for no limit.
   * The client lowers it for a while after 429s.
   * @default 150, or no limit (`Infinity`) when the provider's `baseURL` is a loopback address
   * (`localhost`, `127.0.0.0/8`, `[::1]`): see `defaultRequestsPerMinute`.
   */
  requestsPerMinute?: number;
  /**
   * Retries after the first send, so a request is sent at most `1 + maxRetries` times.
   * @default 3
   */
  maxRetries?: number;
  /**
   * Share of each backoff delay that is random, in [0, 1]: 0.25 spreads a 4 s delay over 3..5 s.
   * A provider's Retry-After is never shortened: the jitter only adds to it.
   * @default 0.25
   */
  retryJitter?: number;
  /**
   * Time allowed for one send, response included; a send that takes longer is aborted and retried.
   * @default 120000
   */
  timeoutMs?: number;
  /**
   * Delay before the first retry when the provider gave no Retry-After; doubles each retry.
   * @default 1000
   */
  retryBaseDelayMs?: number;
  /**
   * Longest backoff delay, and the longest Retry-After the client waits for: a request asked to
   * wait longer fails with that reason rather than stall the batch.
   * @default 60000
   */
  retryMaxDelayMs?: number;
  /**
   * Highest output-token limit a retry may ask for. An answer cut off at its limit
   * (`finish_reason: length`, `stop_reason: max_tokens`) is retried with the limit doubled, from the
   * request's `maxTokens` (else the adapter's default, else 4096), up to this cap; a request already
   * at the cap fails with reason `truncated` instead of paying for the same cut-off answer again.
   * @default 16384
   */
  maxTokensCap?: number;
  /**
   * Folder for one JSON-lines log per batch (`llm-<ISO time>-<n>.jsonl`), one line per finished
   * request: id, model, status, attempts, timings, usage, cost, error. No keys, prompts or images.
   * @default undefined (no log)
   */
  logDir?: string;
  /**
   * Prices per million tokens, merged over `DEFAULT_PRICING` (yours win). Used when the provider
   * reports no cost; a model in neither table has an unknown (null) cost.
   * @default {}
   */
  pricing?: PricingTable;
  /**
   * Batch mode (`collectBatch`): wait before polling a provider batch again; grows by half each poll.
   * @default 30000
   */
  batchPollIntervalMs?: number;
  /** Batch mode: the longest wait between two polls. @default 600000 */
  batchPollMaxIntervalMs?: number;
  /** Uniform random numbers in [0, 1) for the jitter; inject a seeded one in tests. @default Math.random */
  random?: () => number;
  /** Time and sleeping for backoff, Retry-After, rate limits and timings; inject a virtual one in tests. @default the system clock */
  clock?: Clock;
}

export type ResolvedOptions = Required<Omit<LlmBatchClientOptions, 'logDir'>> & { logDir: string | undefined };

/** Defaults first, then every option checked, with the value in the message (p-queue's habit). */
export function resolveOptions(options: LlmBatchClientOptions, defaults: { random: () => number; clock: Clock }): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError(`[llm-batch] Expected an options object, got ${String(options)}`);
  const provider = options.provider;
  if (!provider || typeof provider.send !== 'function' || typeof provider.name !== 'string') {
    throw new TypeError('[llm-batch] Missing required option `provider`: pass openaiCompatible({...}), anthropic({...}) or an LlmProvider.');
  }
  const resolved: ResolvedOptions = {
    ...DEFAULT_BATCH_OPTIONS,
    requestsPerMinute: defaultRequestsPerMinute(provider),
    pricing: {},
    random: defaults.random,
    clock: defaults.clock,
    ...stripUndefined(options),
    provider,
    logDir: options.logDir,
  };
  const { maxWorkers, requestsPerMinute, maxRetries, retryJitter, timeoutMs, retryBaseDelayMs, retryMaxDelayMs, maxTokensCap } = resolved;
  if (!Number.isInteger(maxTokensCap) || maxTokensCap < 1) throw new TypeError(`[llm-batch] \`maxTokensCap\` must be an integer >= 1, got ${maxTokensCap}`);
  if (!Number.isInteger(maxWorkers) || maxWorkers < 1) throw new TypeError(`[llm-batch] \`maxWorkers\` must be an integer >= 1, got ${maxWorkers}`);
  if (!(requestsPerMinute === Number.POSITIVE_INFINITY || (Number.isInteger(requestsPerMinute) && requestsPerMinute >= 1))) {
    throw new TypeError(`[llm-batch] \`requestsPerMinute\` must be an integer >= 1 or Infinity, got ${requestsPerMinute}`);
  }
  if (!Number.isInteger(maxRetries) || maxRetries < 0) throw new TypeError(`[llm-batch] \`maxRetries\` must be an integer >= 0, got ${maxRetries}`);
  if (!(typeof retryJitter === 'number' && retryJitter >= 0 && retryJitter <= 1))
    throw new TypeError(`[llm-batch] \`retryJitter\` must be a number in [0, 1], got ${retryJitter}`);
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) throw new TypeError(`[llm-batch] \`timeoutMs\` must be a positive number, got ${timeoutMs}`);
  if (!(Number.isFinite(retryBaseDelayMs) && retryBaseDelayMs >= 0))
    throw new TypeError(`[llm-batch] \`retryBaseDelayMs\` must be a number >= 0, got ${retryBaseDelayMs}`);
  if (!(Number.isFinite(retryMaxDelayMs) && retryMaxDelayMs >= retryBaseDelayMs)) {
    throw new TypeError(`[llm-batch] \`retryMaxDelayMs\` must be a number >= retryBaseDelayMs (${retryBaseDelayMs}), got ${retryMaxDelayMs}`);
  }
  if (!(Number.isFinite(resolved.batchPollIntervalMs) && resolved.batchPollIntervalMs >= 0)) {
    throw new TypeError(`[llm-batch] \`batchPollIntervalMs\` must be a number >= 0, got ${resolved.batchPollIntervalMs}`);
  }
  if (!(Number.isFinite(resolved.batchPollMaxIntervalMs) && resolved.batchPollMaxIntervalMs >= resolved.batchPollIntervalMs)) {
    throw new TypeError(
      `[llm-batch] \`batchPollMaxIntervalMs\` must be a number >= batchPollIntervalMs (${resolved.batchPollIntervalMs}), got ${resolved.batchPollMaxIntervalMs}`,
    );
  }
  if (typeof resolved.random !== 'function') throw new TypeError('[llm-batch] `random` must be a function returning numbers in [0, 1)');
  if (typeof resolved.clock?.now !== 'function' || typeof resolved.clock.sleep !== 'function') {
    throw new TypeError('[llm-batch] `clock` must have now() and sleep(ms, signal)');
  }
  if (resolved.logDir !== undefined && (typeof resolved.logDir !== 'string' || resolved.logDir === '')) {
    throw new TypeError(`[llm-batch] \`logDir\` must be a folder path, got ${JSON.stringify(resolved.logDir)}`);
  }
  return resolved;
}

/**
 * The rate cap a client gets when none is given: 150 sends a minute for a hosted provider (a new
 * account's tier at the large providers, so a default run never meets a wall of 429s), and none for
 * a server on this machine (Ollama, LM Studio, vLLM on `localhost`). A local server has no account
 * whose quota the cap protects: what it can take is bounded by `maxWorkers`, and a cap of 150 would
 * hold a 120-page run (240 requests) to over a minute when the server answers in 50 ms. A server
 * elsewhere on the network keeps the cap (it may be shared); set `requestsPerMinute` to lift it.
 */
export function defaultRequestsPerMinute(provider: Pick<LlmProvider, 'baseURL'>): number {
  return isLoopbackURL(provider.baseURL) ? Number.POSITIVE_INFINITY : DEFAULT_BATCH_OPTIONS.requestsPerMinute;
}

/** Whether a URL's host is this machine by name or address: `localhost` (and `*.localhost`), 127.0.0.0/8, `[::1]`. */
export function isLoopbackURL(url: string | undefined): boolean {
  if (url === undefined) return false;
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  return host === 'localhost' || host.endsWith('.localhost') || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
