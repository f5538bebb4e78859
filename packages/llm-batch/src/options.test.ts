import { describe, expect, it } from 'vitest';
import { LlmBatchClient } from './client.js';
import { DEFAULT_BATCH_OPTIONS, isLoopbackURL } from './options.js';
import { anthropic } from './providers/anthropic.js';
import { openaiCompatible } from './providers/openai-compatible.js';

describe('the default rate cap', () => {
  it('is 150 a minute for a hosted provider and none for a server on this machine', () => {
    const rpm = (baseURL?: string) => new LlmBatchClient({ provider: openaiCompatible(baseURL ? { baseURL } : {}) }).options.requestsPerMinute;
    expect(rpm()).toBe(DEFAULT_BATCH_OPTIONS.requestsPerMinute);
    expect(rpm('https://openrouter.ai/api/v1')).toBe(150);
    expect(rpm('http://192.168.1.20:8000/v1')).toBe(150);
    expect(rpm('http://localhost:11434/v1')).toBe(Number.POSITIVE_INFINITY);
    expect(rpm('http://127.0.0.1:1234/v1')).toBe(Number.POSITIVE_INFINITY);
    expect(rpm('http://[::1]:8000/v1')).toBe(Number.POSITIVE_INFINITY);
    expect(new LlmBatchClient({ provider: anthropic({ apiKey: 'k' }) }).options.requestsPerMinute).toBe(150);
  });

  it('is only a default: a given limit holds for a local server too', () => {
    const client = new LlmBatchClient({ provider: openaiCompatible({ baseURL: 'http://localhost:11434/v1' }), requestsPerMinute: 30 });
    expect(client.options.requestsPerMinute).toBe(30);
  });

  it('reads loopback hosts by name and address, not by a look-alike name', () => {
    expect(isLoopbackURL('http://app.localhost:3000')).toBe(true);
    expect(isLoopbackURL('http://127.5.6.7')).toBe(true);
    expect(isLoopbackURL('http://localhost.example.com')).toBe(false);
    expect(isLoopbackURL('http://127.0.0.1.nip.io')).toBe(false);
    expect(isLoopbackURL('not a url')).toBe(false);
    expect(isLoopbackURL(undefined)).toBe(false);
  });
});
