import { DEFAULT_MODELS, KEY_VARIABLES, configuredProvider } from '@bookpipe/stage-kit';
import { BookpipeError, ErrorCode, type Config, type ProviderName } from '@bookpipe/core';

/** Whether the LLM stages can run, and against what. */
export type LlmMode =
  | { kind: 'llm'; provider: ProviderName; model: string; baseURL: string | undefined }
  | { kind: 'none'; reason: string };

/**
 * Decides from the configuration (environment, then flags) whether an LLM can be reached, with the
 * rules the LLM stages apply (`configuredProvider` of @bookpipe/stage-correction): the provider asked
 * for, else the one whose API key is set (Anthropic, OpenRouter, OpenAI in that order), else an
 * OpenAI-compatible local server when only a base URL is given. Keys come from the environment only:
 * never from arguments, which the scan's lock file records.
 * @throws BookpipeError CONFIG_INVALID when a provider is asked for without its key or a base URL, or
 *   when a local server is given no model.
 */
export function decideLlm(config: Config): LlmMode {
  const { provider, baseURL, apiKeys } = config.llm;
  if (provider !== undefined && provider !== 'ollama' && apiKeys[provider] === undefined && baseURL === undefined) {
    throw new BookpipeError(
      ErrorCode.CONFIG_INVALID,
      `--provider ${provider} needs ${KEY_VARIABLES[provider]} in the environment (API keys are never taken as arguments), or --base-url for a local server.`,
      { details: { provider } },
    );
  }
  const name = configuredProvider(config);
  if (name === undefined) {
    return { kind: 'none', reason: 'no OPENAI_API_KEY, ANTHROPIC_API_KEY or OPENROUTER_API_KEY in the environment and no --base-url' };
  }
  const model = config.llm.model ?? DEFAULT_MODELS[name];
  if (model === undefined) {
    throw new BookpipeError(ErrorCode.CONFIG_INVALID, `A local server (--base-url ${baseURL ?? ''}) has no default model: give the vision model it serves with --model.`, {
      details: { provider: name },
    });
  }
  return { kind: 'llm', provider: name, model, baseURL };
}
