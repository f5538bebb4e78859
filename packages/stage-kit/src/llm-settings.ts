import { BookpipeError, ErrorCode, hasLlm, type Config, type ProviderName } from '@bookpipe/core';
import { LlmBatchClient, anthropic, openaiCompatible, type LlmProvider } from '@bookpipe/llm-batch';

/**
 * How an LLM stage reaches its model. Every field falls back to the configuration (`loadConfig()`,
 * i.e. the BOOKPIPE_* environment variables), so `{}` means "the configured provider and model".
 */
export interface StageLlmOptions {
  /**
   * A batch client to use as is, e.g. one shared by the correction and label stages so that one
   * concurrency budget and one rate limit cover both. When set, `provider`, `maxWorkers`,
   * `requestsPerMinute`, `maxRetries` and `timeoutMs` are the client's business and must not be given.
   * @default a client built from the other options; stages given the same `Config` object and the
   *   same settings share it
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
}

/** An LLM stage's settings once resolved: the client to send through and the model to ask. */
export interface ResolvedLlm {
  client: LlmBatchClient;
  model: string;
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
      return openaiCompatible({ apiKey: apiKeys.openai, ...(baseURL ? { baseURL } : {}) });
    case 'openrouter':
      return openaiCompatible({ apiKey: apiKeys.openrouter, baseURL: baseURL ?? DEFAULT_BASE_URLS.openrouter, name: 'openrouter' });
    case 'anthropic':
      // configuredProvider guarantees a key or a base URL; a local Anthropic-compatible proxy may need no key.
      return anthropic({ apiKey: apiKeys.anthropic ?? 'no-key', ...(baseURL ? { baseURL } : {}) });
    case 'ollama':
      return openaiCompatible({ baseURL: baseURL ?? DEFAULT_BASE_URLS.ollama, name: 'ollama' });
    case undefined:
      throw new BookpipeError(
        ErrorCode.CONFIG_INVALID,
        'No LLM is configured: set OPENAI_API_KEY, ANTHROPIC_API_KEY or OPENROUTER_API_KEY, or BOOKPIPE_BASE_URL for a local OpenAI-compatible server, or pass `llm: { provider }` to the stage.',
      );
  }
}

// Clients built from settings, per Config object (or per provider object given in the options):
// stages of one pipeline receive the same Config, so correction and label share one client, one
// concurrency budget and one rate limit, without the user wiring it.
const sharedClients = new WeakMap<object, Map<string, LlmBatchClient>>();

/**
 * Resolves an LLM stage's `llm` option against the configuration. Returns null when the stage runs
 * without a model: `llm: false`, or no `llm` option and no LLM configured (`hasLlm(config)` false).
 *
 * The batch client is `options.client` when given; otherwise one is built from the provider and the
 * limits (options first, then config) and shared by every caller passing the same `Config` object
 * (or the same `provider` object) with the same limits.
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
    const conflicting = (['provider', 'maxWorkers', 'requestsPerMinute', 'maxRetries', 'timeoutMs'] as const).filter((key) => o[key] !== undefined);
    if (conflicting.length > 0) {
      throw new BookpipeError(
        ErrorCode.CONFIG_INVALID,
        `Stage "${stage}": llm.client is given together with ${conflicting.map((k) => `llm.${k}`).join(', ')}, which only apply to a client the stage builds. Set them on the LlmBatchClient instead.`,
        { details: { stage, options: conflicting } },
      );
    }
  }
  const model = o.model ?? config.llm.model ?? (o.provider || o.client ? undefined : DEFAULT_MODELS[configuredProvider(config) ?? 'ollama']);
  if (model === undefined) {
    throw new BookpipeError(
      ErrorCode.CONFIG_INVALID,
      `Stage "${stage}" has no model to ask: set BOOKPIPE_MODEL (a vision model your provider serves) or pass \`llm: { model }\` to the stage.`,
      { details: { stage } },
    );
  }
  if (o.client) return { client: o.client, model };

  const limits = {
    maxWorkers: o.maxWorkers ?? config.llm.maxWorkers,
    requestsPerMinute: o.requestsPerMinute ?? config.llm.requestsPerMinute,
    maxRetries: o.maxRetries ?? config.llm.maxRetries,
    retryJitter: config.llm.retryJitter,
    timeoutMs: o.timeoutMs ?? config.llm.timeoutMs,
  };
  const owner: object = o.provider ?? config;
  // A provider built from the config is a fresh object each time: key it by what built it.
  const key = JSON.stringify({ provider: o.provider ? 'given' : [configuredProvider(config), config.llm.baseURL], ...limits });
  let clients = sharedClients.get(owner);
  if (!clients) sharedClients.set(owner, (clients = new Map()));
  let client = clients.get(key);
  if (!client) {
    client = new LlmBatchClient({ provider: o.provider ?? providerFromConfig(config), ...stripUndefined(limits) });
    clients.set(key, client);
  }
  return { client, model };
}

function stripUndefined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
