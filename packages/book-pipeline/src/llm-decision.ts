import { BookpipeError, type Config, ErrorCode, type ProviderName } from '@bookpipe/core';
import { API_KEY_VARIABLES, configuredProvider, DEFAULT_MODELS } from '@bookpipe/kit';

/** Whether the LLM stages can run, and against what. */
export type LlmDecision = { kind: 'llm'; provider: ProviderName; model: string; baseURL: string | undefined } | { kind: 'none'; reason: string };

/**
 * How the user sets each LLM setting, for the words of errors and notes: environment variables for a
 * library user, flags for the CLI (`{ provider: '--provider', model: '--model', baseURL: '--base-url' }`).
 */
export interface LlmSettingNames {
  provider: string;
  model: string;
  baseURL: string;
}

/** The BOOKPIPE_* variables `loadConfig()` reads. */
export const ENV_SETTING_NAMES: Readonly<LlmSettingNames> = Object.freeze({
  provider: 'BOOKPIPE_PROVIDER',
  model: 'BOOKPIPE_MODEL',
  baseURL: 'BOOKPIPE_BASE_URL',
});

/** "--provider anthropic" for a flag, "BOOKPIPE_PROVIDER=anthropic" for a variable. */
function setting(name: string, value: string): string {
  return name.startsWith('-') ? `${name} ${value}` : `${name}=${value}`;
}

/**
 * Decides from the configuration whether an LLM can be reached, with the rules the LLM stages apply
 * (`configuredProvider` of @bookpipe/kit): the provider asked for, else the one whose API key is
 * set (Anthropic, OpenRouter, OpenAI in that order), else an OpenAI-compatible local server when only a
 * base URL is given; the model asked for, else the provider's default (`DEFAULT_MODELS`). Keys come from
 * the environment only: never from arguments, which a scan's lock file records.
 * @param names how the user sets provider, model and base URL, for the messages. @default ENV_SETTING_NAMES
 * @throws BookpipeError CONFIG_INVALID when a provider is asked for without its key or a base URL, or
 *   when a local server is given no model.
 */
export function decideLlm(config: Config, names: LlmSettingNames = ENV_SETTING_NAMES): LlmDecision {
  const { provider, baseURL, apiKeys } = config.llm;
  // Checked before configuredProvider, which would say the same in the environment's words only.
  if (provider !== undefined && provider !== 'ollama' && apiKeys[provider] === undefined && baseURL === undefined) {
    throw new BookpipeError(
      ErrorCode.CONFIG_INVALID,
      `${setting(names.provider, provider)} needs ${API_KEY_VARIABLES[provider]} in the environment (API keys are never taken as arguments), or ${names.baseURL} for a local server.`,
      { details: { provider } },
    );
  }
  const name = configuredProvider(config);
  if (name === undefined) {
    return {
      kind: 'none',
      reason: `no ${Object.values(API_KEY_VARIABLES)
        .join(', ')
        .replace(/, (\w+)$/, ' or $1')} in the environment and no ${names.baseURL}`,
    };
  }
  const model = config.llm.model ?? DEFAULT_MODELS[name];
  if (model === undefined) {
    throw new BookpipeError(
      ErrorCode.CONFIG_INVALID,
      `A local server (${setting(names.baseURL, baseURL ?? '')}) has no default model: give the vision model it serves with ${names.model}.`,
      { details: { provider: name } },
    );
  }
  return { kind: 'llm', provider: name, model, baseURL };
}
