import { describe, expect, it } from 'vitest';
import { startFakeProvider } from '../testing/fake-provider.js';
import { sampleCall, testProviderConformance } from './conformance.js';
import { openaiCompatible } from './openai-compatible.js';

testProviderConformance('openaiCompatible', {
  api: 'openai',
  create: (fake, apiKey) => openaiCompatible({ baseURL: fake.openaiBaseURL, apiKey }),
});

// The same suite over the global fetch, the other transport.
testProviderConformance("openaiCompatible with transport: 'fetch'", {
  api: 'openai',
  create: (fake, apiKey) => openaiCompatible({ baseURL: fake.openaiBaseURL, apiKey, transport: 'fetch' }),
});

const context = { signal: new AbortController().signal, timeoutMs: 5_000, now: () => Date.now() };

describe('openaiCompatible', () => {
  it('asks for strict json_schema output and sends images as data URLs after the text', async () => {
    await using fake = await startFakeProvider();
    await openaiCompatible({ baseURL: fake.openaiBaseURL, apiKey: 'k', imageDetail: 'high' }).send(sampleCall, context);
    const body = fake.requests[0]?.body as {
      response_format: unknown;
      messages: [unknown, { content: [unknown, { type: string; image_url: { url: string; detail: string } }] }];
    };
    expect(body.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'page_blocks', schema: sampleCall.responseSchema.schema, strict: true },
    });
    expect(body.messages[0]).toEqual({ role: 'system', content: 'You read scanned pages.' });
    const parts = body.messages[1].content;
    expect(parts[0]).toEqual({ type: 'text', text: 'Read this page.' });
    expect(parts[1].type).toBe('image_url');
    expect(parts[1].image_url.url).toMatch(/^data:image\/png;base64,/);
    expect(parts[1].image_url.detail).toBe('high');
  });

  it("reads OpenRouter's reported cost", async () => {
    await using fake = await startFakeProvider({ respond: () => ({ json: { blocks: ['a', 'b'] }, costUsd: 0.00123 }) });
    const response = await openaiCompatible({ baseURL: fake.openaiBaseURL, apiKey: 'k' }).send(sampleCall, context);
    expect(response.costUsd).toBe(0.00123);
  });

  it('sends custom headers, and names itself after the URL unless told', async () => {
    await using fake = await startFakeProvider();
    const provider = openaiCompatible({ baseURL: fake.openaiBaseURL, apiKey: 'k', headers: { 'X-Title': 'bookpipe' } });
    await provider.send(sampleCall, context);
    expect(fake.requests[0]?.headers['x-title']).toBe('bookpipe');
    expect(provider.name).toBe('openai-compatible');
    expect(openaiCompatible({ baseURL: 'https://openrouter.ai/api/v1', apiKey: 'k' }).name).toBe('openrouter');
    expect(openaiCompatible({ apiKey: 'k' }).name).toBe('openai');
    expect(openaiCompatible({ apiKey: 'k', name: 'vllm' }).name).toBe('vllm');
  });

  it('reports a refusal as a missing answer', async () => {
    await using fake = await startFakeProvider({ respond: () => ({ content: '' }) });
    const response = await openaiCompatible({ baseURL: fake.openaiBaseURL, apiKey: 'k' }).send(sampleCall, context);
    expect(response.output).toEqual({ missing: expect.stringContaining('empty answer') });
  });
});
