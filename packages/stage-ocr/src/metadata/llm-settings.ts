/**
 * How the metadata reader reaches a model: the same rules as the LLM stages (`resolveLlm` in
 * @bookpipe/stage-correction's llm-settings.ts), written again here because stage-correction
 * depends on stage-ocr (its tests run the OCR stage), so importing it back would make a cycle.
 * Both follow the configuration the same way: BOOKPIPE_PROVIDER, else the provider whose API key is
 * set (Anthropic, OpenRouter, OpenAI), else an OpenAI-compatible server at BOOKPIPE_BASE_URL.
 */
import { BookpipeError, ErrorCode, hasLlm, type Config, type ProviderName } from '@bookpipe/core';
import { LlmBatchClient, anthropic, openaiCompatible, type LlmProvider } from '@bookpipe/llm-batch';

/**
 * The model the OCR stage asks for the book's metadata. Every field falls back to the configuration
 * (`loadConfig()`, the BOOKPIPE_* variables), so `{}` means "the configured provider and model".
 */
export interface MetadataLlmOptions {
  /**
   * A batch client to use as is (for instance one shared with the correction stage). When set,
   * `provider`, `maxRetries` and `timeoutMs` are the client's business and must not be given.
   * @default a client built from the other options and the config
   */
  client?: LlmBatchClient;
  /**
   * Where the request goes: `openaiCompatible({...})`, `anthropic({...})` or your own `LlmProvider`.
   * @default the provider the config names (see the module comment)
   */
  provider?: LlmProvider;
  /** Model name sent to the provider (text only: no image is sent). @default config.llm.model (BOOKPIPE_MODEL), else a cheap model of the provider */
  model?: string;
  /** Retries after a failed attempt. @default config.llm.maxRetries, else 3 (@bookpipe/llm-batch) */
  maxRetries?: number;
  /** Timeout of one attempt in ms. @default config.llm.timeoutMs, else 120000 (@bookpipe/llm-batch) */
  timeoutMs?: number;
}

export interface ResolvedMetadataLlm {
  client: LlmBatchClient;
  model: string;
}

/** The same defaults as the LLM stages' `DEFAULT_MODELS`; a local server has none. */
const DEFAULT_MODELS: Readonly<Partial<Record<ProviderName, string>>> = { openai: 'gpt-4o-mini', openrouter: 'openai/gpt-4o-mini', anthropic: 'claude-haiku-4-5' };
const DEFAULT_BASE_URLS = { openrouter: 'https://openrouter.ai/api/v1', ollama: 'http://localhost:11434/v1' };

function configuredProvider(config: Config): ProviderName | undefined {
  const { provider, baseURL, apiKeys } = config.llm;
  if (provider !== undefined) return provider;
  return (['anthropic', 'openrouter', 'openai'] as const).find((name) => apiKeys[name] !== undefined) ?? (baseURL !== undefined ? 'ollama' : undefined);
}

function providerFromConfig(config: Config, name: ProviderName): LlmProvider {
  const { baseURL, apiKeys } = config.llm;
  switch (name) {
    case 'openai':
      return openaiCompatible({ apiKey: apiKeys.openai, ...(baseURL ? { baseURL } : {}) });
    case 'openrouter':
      return openaiCompatible({ apiKey: apiKeys.openrouter, baseURL: baseURL ?? DEFAULT_BASE_URLS.openrouter, name: 'openrouter' });
    case 'anthropic':
      return anthropic({ apiKey: apiKeys.anthropic ?? 'no-key', ...(baseURL ? { baseURL } : {}) });
    case 'ollama':
      return openaiCompatible({ baseURL: baseURL ?? DEFAULT_BASE_URLS.ollama, name: 'ollama' });
  }
}

/**
 * Resolves the `llm` option of the OCR stage. Null when the metadata is read without a model:
 * `llm: false`, or no option and no LLM configured (`hasLlm(config)` false).
 * @throws BookpipeError CONFIG_INVALID when there is no model to ask or `client` comes with client settings.
 */
export function resolveMetadataLlm(config: Config, options: MetadataLlmOptions | false | undefined): ResolvedMetadataLlm | null {
  if (options === false) return null;
  if (options === undefined && !hasLlm(config)) return null;
  const o = options ?? {};
  const invalid = (message: string) => new BookpipeError(ErrorCode.CONFIG_INVALID, `[stage-ocr] ${message}`, { details: { stage: 'ocr', option: 'llm' } });
  if (o.client !== undefined) {
    const conflicting = (['provider', 'maxRetries', 'timeoutMs'] as const).filter((key) => o[key] !== undefined);
    if (conflicting.length > 0) throw invalid(`llm.client is given together with ${conflicting.map((k) => `llm.${k}`).join(', ')}, which only apply to a client the stage builds. Set them on the LlmBatchClient instead.`);
  }
  const name = o.provider || o.client ? undefined : configuredProvider(config);
  if (!o.provider && !o.client && name === undefined) {
    throw invalid('No LLM is configured for reading the book metadata: set an API key or BOOKPIPE_BASE_URL, pass `llm: { provider }`, or `llm: false`.');
  }
  const model = o.model ?? config.llm.model ?? (name ? DEFAULT_MODELS[name] : undefined);
  if (model === undefined) throw invalid('The book metadata has no model to ask: set BOOKPIPE_MODEL or pass `llm: { model }` to the OCR stage.');
  if (o.client) return { client: o.client, model };
  const limits = { maxRetries: o.maxRetries ?? config.llm.maxRetries, timeoutMs: o.timeoutMs ?? config.llm.timeoutMs, retryJitter: config.llm.retryJitter };
  const client = new LlmBatchClient({
    provider: o.provider ?? providerFromConfig(config, name!),
    maxWorkers: 1,
    ...Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined)),
  });
  return { client, model };
}
