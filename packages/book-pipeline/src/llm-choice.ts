import { BookpipeError, type Config, ErrorCode } from '@bookpipe/core';
import { createLlmClient } from '@bookpipe/kit';
import type { LlmBatchClient } from '@bookpipe/llm-batch';
import type { BookPipelineLlm } from './book-pipeline.js';
import { decideLlm, type LlmSettingNames } from './llm-decision.js';

/** The model of a run and the one client every LLM stage of it shares, or why it has none. */
export type LlmChoice =
  | {
      kind: 'llm';
      /** The provider's name as the user knows it: the config's (`openai`, `ollama`...) or the adapter's. */
      provider: string;
      model: string;
      /** The server's address when the config gives one (BOOKPIPE_BASE_URL). */
      baseURL: string | undefined;
      client: LlmBatchClient;
    }
  | { kind: 'none'; reason: string };

/**
 * Settles the `llm` option of `createBookPipeline` against the config, building the one client the
 * stages share. The client is built here and handed to each stage (`llm: { client, model }`), never
 * looked up by the stages, so that sharing it is visible in the code that builds the pipeline.
 * @throws BookpipeError CONFIG_INVALID as {@link decideLlm} does, or for `provider` given without a model.
 */
export function chooseLlm(config: Config, option: BookPipelineLlm | undefined, names: LlmSettingNames): LlmChoice {
  if (option === false) return { kind: 'none', reason: 'turned off with `llm: false`' };
  if (option !== undefined && 'client' in option) {
    return { kind: 'llm', provider: option.client.options.provider.name, model: option.model, baseURL: undefined, client: option.client };
  }
  const settings = option ?? {};
  let provider: string;
  let model: string | undefined;
  let baseURL: string | undefined;
  if (settings.provider) {
    provider = settings.provider.name;
    model = settings.model ?? config.llm.model;
    if (model === undefined) {
      throw new BookpipeError(
        ErrorCode.CONFIG_INVALID,
        `\`llm.provider\` (${provider}) is given without a model: pass \`llm.model\`, a vision model the provider serves, or set ${names.model}.`,
        {
          details: { provider },
        },
      );
    }
  } else {
    // The model given here counts as if configured: a local server then needs no BOOKPIPE_MODEL.
    const decision = decideLlm(settings.model === undefined ? config : { ...config, llm: { ...config.llm, model: settings.model } }, names);
    if (decision.kind === 'none') {
      // `llm: {}` or settings asked for a model explicitly: no model is an error, not a quiet fallback.
      if (option !== undefined) {
        throw new BookpipeError(
          ErrorCode.CONFIG_INVALID,
          `LLM settings are given (\`llm\`) but no LLM is configured (${decision.reason}): set an API key, pass \`llm.provider\`, or \`llm: false\`.`,
        );
      }
      return decision;
    }
    ({ provider, model, baseURL } = decision);
  }
  // One client for every stage of the run: one concurrency budget, one rate limit. Unset limits fall back
  // to the config, then to @bookpipe/llm-batch's own defaults.
  const { model: _model, ...clientOptions } = settings;
  const client = createLlmClient(config, clientOptions);
  return { kind: 'llm', provider, model, baseURL, client };
}
