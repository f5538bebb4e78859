import { describe, expect, it } from 'vitest';
import { startFakeProvider } from '../testing/fake-provider.js';
import { anthropic } from './anthropic.js';
import { sampleCall, testProviderConformance } from './conformance.js';

testProviderConformance('anthropic', {
  api: 'anthropic',
  create: (fake, apiKey) => anthropic({ baseURL: fake.anthropicBaseURL, apiKey }),
});

// The same suite over the global fetch, the other transport.
testProviderConformance("anthropic with transport: 'fetch'", {
  api: 'anthropic',
  create: (fake, apiKey) => anthropic({ baseURL: fake.anthropicBaseURL, apiKey, transport: 'fetch' }),
});

const context = { signal: new AbortController().signal, timeoutMs: 5_000, now: () => Date.now() };

describe('anthropic', () => {
  it('forces one tool call whose input_schema is the response schema; images as base64 blocks before the text', async () => {
    await using fake = await startFakeProvider();
    await anthropic({ baseURL: fake.anthropicBaseURL, apiKey: 'k' }).send(sampleCall, context);
    const body = fake.requests[0]?.body as { tool_choice: unknown; tools: unknown; system: unknown; max_tokens: unknown; messages: [{ content: unknown[] }] };
    expect(body.tool_choice).toEqual({ type: 'tool', name: 'page_blocks', disable_parallel_tool_use: true });
    expect(body.tools).toEqual([{ name: 'page_blocks', description: expect.any(String), input_schema: sampleCall.responseSchema.schema }]);
    expect(body.system).toBe('You read scanned pages.');
    expect(body.max_tokens).toBe(4096);
    const blocks = body.messages[0].content;
    expect(blocks[0]).toEqual({
      type: 'image',
      source: { type: 'base64', media_type: 'image/png', data: Buffer.from(sampleCall.images[0]!.data).toString('base64') },
    });
    expect(blocks[2]).toEqual({ type: 'text', text: 'Read this page.' });
  });

  it('uses the request maxTokens over its default', async () => {
    await using fake = await startFakeProvider();
    await anthropic({ baseURL: fake.anthropicBaseURL, apiKey: 'k', maxTokens: 1000 }).send({ ...sampleCall, maxTokens: 77 }, context);
    expect(fake.requests[0]?.body.max_tokens).toBe(77);
  });

  it('refuses to start without an apiKey', () => {
    expect(() => anthropic({ apiKey: '' })).toThrow(/Missing required option `apiKey`/);
  });
});
