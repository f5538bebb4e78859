import { loadConfig } from '@bookpipe/core';
import { describe, expect, it } from 'vitest';
import { decideLlm } from './llm-mode.js';

// The rules themselves are tested with @bookpipe/book-pipeline's decideLlm; here, the CLI's words.
describe('decideLlm (the CLI)', () => {
  it('runs without an LLM when no key and no base URL is set, and says why', () => {
    expect(decideLlm(loadConfig({}))).toEqual({
      kind: 'none',
      reason: 'no OPENAI_API_KEY, ANTHROPIC_API_KEY or OPENROUTER_API_KEY in the environment and no --base-url',
    });
  });

  it('picks the provider whose key is set, or a local server for a base URL alone', () => {
    expect(decideLlm(loadConfig({ OPENAI_API_KEY: 'sk-test-1234' }))).toMatchObject({ kind: 'llm', provider: 'openai', model: 'gpt-4o-mini' });
    expect(decideLlm(loadConfig({ BOOKPIPE_BASE_URL: 'http://localhost:11434/v1', BOOKPIPE_MODEL: 'llava' }))).toMatchObject({
      provider: 'ollama',
      baseURL: 'http://localhost:11434/v1',
    });
  });

  it('refuses a provider asked for without its key, naming the flags', () => {
    expect(() => decideLlm(loadConfig({ BOOKPIPE_PROVIDER: 'anthropic' }))).toThrow(/--provider anthropic needs ANTHROPIC_API_KEY in the environment/);
    expect(() => decideLlm(loadConfig({ BOOKPIPE_BASE_URL: 'http://localhost:11434/v1' }))).toThrow(
      /has no default model: give the vision model it serves with --model/,
    );
  });
});
