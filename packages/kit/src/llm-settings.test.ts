import { BookpipeError, loadConfig } from '@bookpipe/core';
import { LlmBatchClient, openaiCompatible } from '@bookpipe/llm-batch';
import { describe, expect, it } from 'vitest';
import { configuredProvider, createLlmClient, resolveLlm } from './llm-settings.js';

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return BookpipeError.isInstance(error) ? `${error.code}: ${error.message}` : String(error);
  }
  return 'no error';
};

describe('resolveLlm', () => {
  it('runs without a model when nothing is configured or llm is false', () => {
    expect(resolveLlm(loadConfig({}), undefined, 'correction')).toBeNull();
    expect(resolveLlm(loadConfig({ OPENAI_API_KEY: 'sk-test' }), false, 'correction')).toBeNull();
  });

  it('picks the provider from the keys (anthropic, openrouter, openai), a local server from a base URL alone', () => {
    expect(configuredProvider(loadConfig({ OPENAI_API_KEY: 'k' }))).toBe('openai');
    expect(configuredProvider(loadConfig({ OPENAI_API_KEY: 'k', ANTHROPIC_API_KEY: 'k' }))).toBe('anthropic');
    expect(configuredProvider(loadConfig({ OPENAI_API_KEY: 'k', OPENROUTER_API_KEY: 'k' }))).toBe('openrouter');
    expect(configuredProvider(loadConfig({ BOOKPIPE_BASE_URL: 'http://127.0.0.1:11434/v1' }))).toBe('ollama');
    expect(configuredProvider(loadConfig({ OPENAI_API_KEY: 'k', BOOKPIPE_PROVIDER: 'ollama' }))).toBe('ollama');
    expect(configuredProvider(loadConfig({}))).toBeUndefined();
  });

  it('builds the provider and defaults the model per provider; BOOKPIPE_MODEL and llm.model win', () => {
    const openai = resolveLlm(loadConfig({ OPENAI_API_KEY: 'k' }), undefined, 'correction')!;
    expect(openai.model).toBe('gpt-4o-mini');
    expect(openai.client.options.provider.name).toBe('openai');
    const openrouter = resolveLlm(loadConfig({ OPENROUTER_API_KEY: 'k' }), {}, 'label')!;
    expect([openrouter.client.options.provider.name, openrouter.model]).toEqual(['openrouter', 'openai/gpt-4o-mini']);
    const anthropic = resolveLlm(loadConfig({ ANTHROPIC_API_KEY: 'k', BOOKPIPE_MODEL: 'claude-sonnet-4-5' }), undefined, 'label')!;
    expect([anthropic.client.options.provider.name, anthropic.model]).toEqual(['anthropic', 'claude-sonnet-4-5']);
    expect(resolveLlm(loadConfig({ ANTHROPIC_API_KEY: 'k', BOOKPIPE_MODEL: 'x' }), { model: 'y' }, 'label')!.model).toBe('y');
  });

  it('refuses, naming the variable, a local server without a model and a provider without its key', () => {
    expect(code(() => resolveLlm(loadConfig({ BOOKPIPE_BASE_URL: 'http://127.0.0.1:11434/v1' }), undefined, 'correction'))).toMatch(
      /^CONFIG_INVALID: Stage "correction" has no model.*BOOKPIPE_MODEL/,
    );
    expect(code(() => resolveLlm(loadConfig({ BOOKPIPE_PROVIDER: 'anthropic', OPENAI_API_KEY: 'k' }), undefined, 'label'))).toMatch(
      /^CONFIG_INVALID: .*ANTHROPIC_API_KEY/,
    );
    expect(code(() => resolveLlm(loadConfig({}), { provider: openaiCompatible({}) }, 'label'))).toMatch(/^CONFIG_INVALID: .*no model/);
  });

  it('takes limits from the options, then the config', () => {
    const config = loadConfig({ OPENAI_API_KEY: 'k', BOOKPIPE_LLM_MAX_WORKERS: '7', BOOKPIPE_LLM_MAX_RETRIES: '5', BOOKPIPE_LLM_REQUESTS_PER_MINUTE: '60' });
    const fromConfig = resolveLlm(config, {}, 'correction')!.client.options;
    expect([fromConfig.maxWorkers, fromConfig.maxRetries, fromConfig.requestsPerMinute]).toEqual([7, 5, 60]);
    const fromOptions = resolveLlm(config, { maxWorkers: 3, maxRetries: 0 }, 'correction')!.client.options;
    expect([fromOptions.maxWorkers, fromOptions.maxRetries, fromOptions.requestsPerMinute]).toEqual([3, 0, 60]);
  });

  it('shares a client only when one is passed in: createLlmClient builds it once for several stages', () => {
    const config = loadConfig({ OPENAI_API_KEY: 'k', BOOKPIPE_LLM_MAX_WORKERS: '6' });
    // No hidden sharing: each stage given no client builds its own.
    expect(resolveLlm(config, {}, 'label')!.client).not.toBe(resolveLlm(config, undefined, 'correction')!.client);
    const client = createLlmClient(config);
    expect([client.options.provider.name, client.options.maxWorkers]).toEqual(['openai', 6]);
    expect(createLlmClient(config, { maxWorkers: 2 }).options.maxWorkers).toBe(2);
    const correction = resolveLlm(config, { client }, 'correction')!;
    const label = resolveLlm(config, { client }, 'label')!;
    expect([correction.client, label.client]).toEqual([client, client]);
    expect(correction.model).toBe('gpt-4o-mini');
    // A resolved setting is itself a valid `llm` option: resolve once, hand it to every LLM stage.
    const shared = resolveLlm(config, undefined, 'pipeline')!;
    expect(resolveLlm(config, shared, 'label')).toEqual(shared);
    expect(code(() => createLlmClient(loadConfig({})))).toMatch(/^CONFIG_INVALID: No LLM is configured/);
  });

  it('uses a given client as is, and refuses client settings next to it', () => {
    const client = new LlmBatchClient({ provider: openaiCompatible({}) });
    expect(resolveLlm(loadConfig({}), { client, model: 'm' }, 'label')).toEqual({ client, model: 'm' });
    expect(code(() => resolveLlm(loadConfig({}), { client, model: 'm', maxWorkers: 4 }, 'label'))).toMatch(
      /^CONFIG_INVALID: Stage "label": llm.client is given together with llm.maxWorkers/,
    );
  });
});
