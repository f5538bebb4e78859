import { BookpipeError, type Config, ErrorCode, hasLlm, type ProviderName } from '@bookpipe/core';
import { anthropic, LlmBatchClient, type LlmProvider, openaiCompatible } from '@bookpipe/llm-batch';

/**
 * How an LLM stage reaches its model. Every field falls back to the configuration (`loadConfig()`,
 * i.e. the BOOKPIPE_* environment variables), so `{}` means "the configured provider and model".
 */
export interface StageLlmOptions {
  /**
   * A batch client to use as is, e.g. one shared by the correction and label stages so that one
   * concurrency budget and one rate limit cover both. When set, `provider`, `maxWorkers`,
   * `requestsPerMinute`, `maxRetries` and `timeoutMs` are the client's business and must not be given.
   * @default a client of the stage's own, built from the other options (see `createLlmClient`)
   */
  client?: LlmBatchClient;
  /**
   * Where requests go: `openaiCompatible({...})`, `anthropic({...})` or your own `LlmProvider`.
   * @default chosen from the config by {@link providerFromConfig}
   */
  provider?: LlmProvider;
  /**
   * Model name sent to the provider; it must accept images.
   * @default config.llm.model (BOOKPIPE_MODEL), else {@link DEFAULT_MODELS} for the provider
   */
  model?: string;
  /** Requests in flight at once. @default config.llm.maxWorkers (BOOKPIPE_LLM_MAX_WORKERS), else 30 (@bookpipe/llm-batch) */
  maxWorkers?: number;
  /** Requests started per minute. @default config.llm.requestsPerMinute, else 150 (@bookpipe/llm-batch) */
  requestsPerMinute?: number;
  /** Retries after a failed attempt. @default config.llm.maxRetries (BOOKPIPE_LLM_MAX_RETRIES), else 3 (@bookpipe/llm-batch) */
  maxRetries?: number;
  /** Timeout of one attempt in ms. @default config.llm.timeoutMs, else 120000 (@bookpipe/llm-batch) */
  timeoutMs?: number;
  /** Batch mode: first wait between two polls of a provider batch, in ms. @default 30000 (@bookpipe/llm-batch) */
  batchPollIntervalMs?: number;
  /**
   * Send the stage's pages as one provider batch (OpenAI Batch API, Anthropic Message Batches: half
   * the price, answered within 24 hours), journaled so that a rerun collects it (see `runLlmPages`).
   * @default undefined (live requests)
   */
  batch?: LlmBatchMode;
}

/** How an LLM stage runs in batch mode. */
export interface LlmBatchMode {
  /**
   * Wait for the batch to end and save its pages. `false`: submit (or look once at a batch already
   * submitted, and save its pages if it has ended) and return; pages still in a batch stay remaining.
   * @default true
   */
  wait?: boolean;
  /** Pages the batch did not answer that are sent again live, at most. @default every one */
  maxLiveFallback?: number;
}

/** An LLM stage's settings once resolved: the client to send through and the model to ask. */
export interface ResolvedLlm {
  client: LlmBatchClient;
  model: string;
  /** Set in batch mode. */
  batch?: LlmBatchMode;
}

/**
 * Model used when neither the options nor BOOKPIPE_MODEL name one: a cheap vision model of each
 * hosted provider. A local server (ollama) has no default: its models are whatever was pulled.
 */
export const DEFAULT_MODELS: Readonly<Partial<Record<ProviderName, string>>> = Object.freeze({
  openai: 'gpt-4o-mini',
  openrouter: 'openai/gpt-4o-mini',
  anthropic: 'claude-haiku-4-5',
});

/** Base URLs used when BOOKPIPE_BASE_URL is unset (plain strings: nothing is contacted until a request). */
export const DEFAULT_BASE_URLS = Object.freeze({
  openrouter: 'https://openrouter.ai/api/v1',
  ollama: 'http://localhost:11434/v1',
});

/** The environment variable holding each provider's API key (a local server needs none). */
export const API_KEY_VARIABLES: Readonly<Record<Exclude<ProviderName, 'ollama'>, string>> = Object.freeze({
  openai: 'OPENAI_API_KEY',
  anthropic: 'ANTHROPIC_API_KEY',
  openrouter: 'OPENROUTER_API_KEY',
});

/**
 * The provider the configuration points at: BOOKPIPE_PROVIDER when set, else the one whose API key
 * is set (Anthropic, OpenRouter, OpenAI, in that order), else an OpenAI-compatible local server
 * ("ollama") when only BOOKPIPE_BASE_URL is set. Undefined when no LLM is configured.
 * @throws BookpipeError CONFIG_INVALID when a provider is asked for without its API key or a base URL.
 */
export function configuredProvider(config: Config): ProviderName | undefined {
  const { provider, baseURL, apiKeys } = config.llm;
  if (provider !== undefined) {
    if (provider !== 'ollama' && apiKeys[provider] === undefined && baseURL === undefined) {
      throw new BookpipeError(
        ErrorCode.CONFIG_INVALID,
        `BOOKPIPE_PROVIDER=${provider} needs ${API_KEY_VARIABLES[provider as keyof typeof API_KEY_VARIABLES]} in the environment, or BOOKPIPE_BASE_URL for a local server. Set one of them, or unset BOOKPIPE_PROVIDER.`,
        { details: { provider } },
      );
    }
    return provider;
  }
  const keyed = (['anthropic', 'openrouter', 'openai'] as const).find((name) => apiKeys[name] !== undefined);
  if (keyed) return keyed;
  return baseURL !== undefined ? 'ollama' : undefined;
}

/**
 * Builds the provider adapter the configuration describes (see {@link configuredProvider}):
 * OpenAI, OpenRouter and local servers through `openaiCompatible`, Anthropic through `anthropic`.
 * BOOKPIPE_BASE_URL, when set, replaces the provider's default URL.
 * @throws BookpipeError CONFIG_INVALID when no LLM is configured.
 */
export function providerFromConfig(config: Config): LlmProvider {
  const name = configuredProvider(config);
  const { baseURL, apiKeys } = config.llm;
  switch (name) {
    case 'openai':
      // BOOKPIPE_PROVIDER=openai says the server speaks OpenAI's API, its Batch API included (a proxy, a
      // test server): batch mode may use it. OpenRouter and local servers have none.
      return openaiCompatible({ apiKey: apiKeys.openai, apiKeyVariable: API_KEY_VARIABLES.openai, batchApi: true, ...(baseURL ? { baseURL } : {}) });
    case 'openrouter':
      return openaiCompatible({
        apiKey: apiKeys.openrouter,
        apiKeyVariable: API_KEY_VARIABLES.openrouter,
        baseURL: baseURL ?? DEFAULT_BASE_URLS.openrouter,
        name: 'openrouter',
      });
    case 'anthropic':
      // configuredProvider guarantees a key or a base URL; a local Anthropic-compatible proxy may need no key.
      return anthropic({ apiKey: apiKeys.anthropic ?? 'no-key', apiKeyVariable: API_KEY_VARIABLES.anthropic, ...(baseURL ? { baseURL } : {}) });
    case 'ollama':
      return openaiCompatible({ baseURL: baseURL ?? DEFAULT_BASE_URLS.ollama, name: 'ollama' });
    case undefined:
      throw new BookpipeError(
        ErrorCode.CONFIG_INVALID,
        'No LLM is configured: set OPENAI_API_KEY, ANTHROPIC_API_KEY or OPENROUTER_API_KEY, or BOOKPIPE_BASE_URL for a local OpenAI-compatible server, or pass `llm: { provider }` to the stage.',
      );
  }
}

/** Settings of a client built from the configuration: `StageLlmOptions` without `client` and `model`. */
export type LlmClientOptions = Pick<StageLlmOptions, 'provider' | 'maxWorkers' | 'requestsPerMinute' | 'maxRetries' | 'timeoutMs' | 'batchPollIntervalMs'>;

/**
 * A batch client built from the options, then the configuration: the provider (see
 * {@link providerFromConfig}) and its limits. Build one and pass it as `llm: { client }` to every LLM
 * stage of a pipeline so that one concurrency budget and one rate limit cover them all; a stage given
 * no client builds its own.
 * @throws BookpipeError CONFIG_INVALID when no provider is given and none is configured.
 */
export function createLlmClient(config: Config, options: LlmClientOptions = {}): LlmBatchClient {
  const limits = {
    maxWorkers: options.maxWorkers ?? config.llm.maxWorkers,
    requestsPerMinute: options.requestsPerMinute ?? config.llm.requestsPerMinute,
    maxRetries: options.maxRetries ?? config.llm.maxRetries,
    retryJitter: config.llm.retryJitter,
    timeoutMs: options.timeoutMs ?? config.llm.timeoutMs,
    batchPollIntervalMs: options.batchPollIntervalMs,
  };
  return new LlmBatchClient({ provider: options.provider ?? providerFromConfig(config), ...stripUndefined(limits) });
}

/**
 * Resolves an LLM stage's `llm` option against the configuration. Returns null when the stage runs
 * without a model: `llm: false`, or no `llm` option and no LLM configured (`hasLlm(config)` false).
 *
 * The batch client is `options.client` when given; otherwise a new one is built from the provider
 * and the limits (options first, then config) by {@link createLlmClient}. Stages that should share
 * one budget are given one client: the result of this function is itself a valid `llm` option.
 *
 * @param stage the calling stage's name, for error messages
 * @throws BookpipeError CONFIG_INVALID when the model is unknown (a local server has no default model),
 *   the provider lacks its key, or `client` is combined with client settings.
 */
export function resolveLlm(config: Config, options: StageLlmOptions | false | undefined, stage: string): ResolvedLlm | null {
  if (options === false) return null;
  if (options === undefined && !hasLlm(config)) return null;
  const o = options ?? {};
  if (o.client !== undefined) {
    const conflicting = (['provider', 'maxWorkers', 'requestsPerMinute', 'maxRetries', 'timeoutMs', 'batchPollIntervalMs'] as const).filter(
      (key) => o[key] !== undefined,
    );
    if (conflicting.length > 0) {
      throw new BookpipeError(
        ErrorCode.CONFIG_INVALID,
        `Stage "${stage}": llm.client is given together with ${conflicting.map((k) => `llm.${k}`).join(', ')}, which only apply to a client the stage builds. Set them on the LlmBatchClient instead.`,
        { details: { stage, options: conflicting } },
      );
    }
  }
  // The default model is the provider's: the configured one, or the one a given client was built for
  // (createLlmClient's); a provider object given alone names no model of its own.
  const providerName = o.client ? o.client.options.provider.name : o.provider ? undefined : (configuredProvider(config) ?? 'ollama');
  const model =
    o.model ?? config.llm.model ?? (providerName === undefined ? undefined : (DEFAULT_MODELS as Readonly<Record<string, string | undefined>>)[providerName]);
  if (model === undefined) {
    throw new BookpipeError(
      ErrorCode.CONFIG_INVALID,
      `Stage "${stage}" has no model to ask: set BOOKPIPE_MODEL (a vision model your provider serves) or pass \`llm: { model }\` to the stage.`,
      { details: { stage } },
    );
  }
  return { client: o.client ?? createLlmClient(config, o), model, ...(o.batch ? { batch: o.batch } : {}) };
}

function stripUndefined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
