import { loadConfig } from '@bookpipe/core';
import { describe, expect, it } from 'vitest';
import { decideLlm } from './llm-decision.js';

const CLI_NAMES = { provider: '--provider', model: '--model', baseURL: '--base-url' };

describe('decideLlm', () => {
  it('runs without an LLM when no key and no base URL is set, and says why in the words of the settings', () => {
    expect(decideLlm(loadConfig({}))).toEqual({
      kind: 'none',
      reason: 'no OPENAI_API_KEY, ANTHROPIC_API_KEY or OPENROUTER_API_KEY in the environment and no BOOKPIPE_BASE_URL',
    });
    expect(decideLlm(loadConfig({}), CLI_NAMES)).toEqual({ kind: 'none', reason: expect.stringMatching(/and no --base-url$/) });
  });

  it('picks the provider whose key is set, or a local server for a base URL alone', () => {
    expect(decideLlm(loadConfig({ OPENAI_API_KEY: 'sk-test-1234' }))).toEqual({ kind: 'llm', provider: 'openai', model: 'gpt-4o-mini', baseURL: undefined });
    expect(decideLlm(loadConfig({ OPENAI_API_KEY: 'sk-1234', ANTHROPIC_API_KEY: 'sk-ant-1234' }))).toMatchObject({
      provider: 'anthropic',
      model: 'claude-haiku-4-5',
    });
    expect(decideLlm(loadConfig({ OPENROUTER_API_KEY: 'sk-or-1234', BOOKPIPE_MODEL: 'x/y' }))).toMatchObject({ provider: 'openrouter', model: 'x/y' });
    expect(decideLlm(loadConfig({ BOOKPIPE_BASE_URL: 'http://localhost:11434/v1', BOOKPIPE_MODEL: 'llava' }))).toMatchObject({
      provider: 'ollama',
      baseURL: 'http://localhost:11434/v1',
    });
  });

  it('refuses a provider asked for without its key, and a local server without a model, naming the setting to change', () => {
    expect(() => decideLlm(loadConfig({ BOOKPIPE_PROVIDER: 'anthropic' }))).toThrow(
      'BOOKPIPE_PROVIDER=anthropic needs ANTHROPIC_API_KEY in the environment (API keys are never taken as arguments), or BOOKPIPE_BASE_URL for a local server.',
    );
    expect(() => decideLlm(loadConfig({ BOOKPIPE_PROVIDER: 'anthropic' }), CLI_NAMES)).toThrow(
      /^--provider anthropic needs ANTHROPIC_API_KEY .* or --base-url for a local server\.$/,
    );
    expect(() => decideLlm(loadConfig({ BOOKPIPE_BASE_URL: 'http://localhost:11434/v1' }))).toThrow(
      'A local server (BOOKPIPE_BASE_URL=http://localhost:11434/v1) has no default model: give the vision model it serves with BOOKPIPE_MODEL.',
    );
  });
});
