import { decideLlm as decideLlmFromConfig, type LlmDecision, type LlmSettingNames } from '@bookpipe/book-pipeline';
import type { Config } from '@bookpipe/core';

/** Whether the LLM stages can run, and against what (@bookpipe/book-pipeline's `LlmDecision`). */
export type LlmMode = LlmDecision;

/** The flags of `bookpipe run` that set the LLM (the environment variables stay valid under them). */
export const CLI_LLM_SETTINGS: Readonly<LlmSettingNames> = Object.freeze({ provider: '--provider', model: '--model', baseURL: '--base-url' });

/**
 * Decides from the configuration (environment, then flags) whether an LLM can be reached: `decideLlm`
 * of @bookpipe/book-pipeline, which `createBookPipeline` applies, with errors that name the flags.
 * Keys come from the environment only: never from arguments, which the scan's lock file records.
 * @throws BookpipeError CONFIG_INVALID when a provider is asked for without its key or a base URL, or
 *   when a local server is given no model.
 */
export function decideLlm(config: Config): LlmMode {
  return decideLlmFromConfig(config, CLI_LLM_SETTINGS);
}
