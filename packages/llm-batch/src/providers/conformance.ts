// The suite every provider adapter must pass, run once per adapter against the fake provider
// through the adapter's real SDK (see openai-compatible.test.ts, anthropic.test.ts). Not shipped.
import { describe, expect, it } from 'vitest';
import { ApiCallError } from '../api-call-error.js';
import type { LlmProvider, ProviderCall, SendContext } from '../provider.js';
import { type FakeResponder, startFakeProvider } from '../testing/fake-provider.js';

export interface ConformanceTarget {
  /** Which wire format the adapter speaks, to start the fake provider on the right route. */
  api: 'openai' | 'anthropic';
  create(fake: { openaiBaseURL: string; anthropicBaseURL: string }, apiKey: string): LlmProvider;
}

const KEY = 'sk-conformance-0123456789abcdef';
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 255]);
const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 9, 8, 7]);
const schema = {
  type: 'object',
  properties: { blocks: { type: 'array', items: { type: 'string' }, minItems: 2 } },
  required: ['blocks'],
  additionalProperties: false,
};

export const sampleCall: ProviderCall = Object.freeze<ProviderCall>({
  id: 'page_0001',
  model: 'test-model',
  messages: [
    { role: 'system', content: 'You read scanned pages.' },
    { role: 'user', content: 'Read this page.' },
  ],
  images: [
    { mediaType: 'image/png', data: PNG },
    { mediaType: 'image/jpeg', data: JPEG },
  ],
  responseSchema: { name: 'page_blocks', schema },
});

const context = (timeoutMs = 5_000): SendContext => ({ signal: new AbortController().signal, timeoutMs, now: () => Date.now() });

async function sendWith(target: ConformanceTarget, respond: FakeResponder, timeoutMs?: number) {
  await using fake = await startFakeProvider({ respond });
  const provider = target.create(fake, KEY);
  try {
    const response = await provider.send(sampleCall, context(timeoutMs));
    return { response, error: undefined, requests: fake.requests };
  } catch (error) {
    return { response: undefined, error, requests: fake.requests };
  }
}

async function errorOf(target: ConformanceTarget, respond: FakeResponder, timeoutMs?: number): Promise<ApiCallError> {
  const { error, requests } = await sendWith(target, respond, timeoutMs);
  expect(ApiCallError.isInstance(error), `expected an ApiCallError, got ${String(error)}`).toBe(true);
  // The SDK's own retries are off: the client alone decides how often to send.
  expect(requests).toHaveLength(1);
  return error as ApiCallError;
}

export function testProviderConformance(name: string, target: ConformanceTarget): void {
  describe(`${name}: provider conformance`, () => {
    it('sends the images as the wire format expects, byte for byte, with the prompt text', async () => {
      const { requests } = await sendWith(target, () => undefined);
      const [request] = requests;
      expect(request?.api).toBe(target.api);
      expect(request?.images.map((i) => i.mediaType)).toEqual(['image/png', 'image/jpeg']);
      expect(request?.images.map((i) => new Uint8Array(i.data))).toEqual([PNG, JPEG]);
      expect(request?.text).toContain('You read scanned pages.');
      expect(request?.text).toContain('Read this page.');
      expect(request?.model).toBe('test-model');
    });

    it("sends the exact response schema, under its name, in the provider's structured-output form", async () => {
      const { requests } = await sendWith(target, () => undefined);
      expect(requests[0]?.schema).toEqual(schema);
      expect(requests[0]?.schemaName).toBe('page_blocks');
    });

    it('sends the request id header and the key only as a credential', async () => {
      const { requests } = await sendWith(target, () => undefined);
      const headers = requests[0]?.headers ?? {};
      expect(headers['x-bookpipe-request-id']).toBe('page_0001');
      expect(JSON.stringify(headers)).toContain(KEY);
      expect(JSON.stringify(requests[0]?.body)).not.toContain(KEY);
    });

    it('returns the structured output and parses usage', async () => {
      const { response } = await sendWith(target, () => ({ json: { blocks: ['a', 'b'] }, usage: { promptTokens: 1234, completionTokens: 56 } }));
      const output = response?.output;
      const value = output && 'text' in output ? JSON.parse(output.text) : output && 'value' in output ? output.value : undefined;
      expect(value).toEqual({ blocks: ['a', 'b'] });
      expect(response?.usage).toEqual({ promptTokens: 1234, completionTokens: 56, totalTokens: 1290 });
    });

    it('hands back cut-off JSON output as it is, for the client to reject', async () => {
      const { response } = await sendWith(target, () => ({ fault: 'truncatedJson' }));
      expect(response?.output).toEqual({ text: expect.any(String) });
    });

    it.each([
      [408, true],
      [409, true],
      [500, true],
      [502, true],
      [503, true],
      [400, false],
      [401, false],
      [403, false],
      [404, false],
      [422, false],
    ])('maps HTTP %i to ApiCallError with retryable=%s', async (status, retryable) => {
      const error = await errorOf(target, () => ({ fault: 'httpError', status }));
      expect(error.status).toBe(status);
      expect(error.retryable).toBe(retryable);
      expect(error.provider).toBe(target.create({ openaiBaseURL: 'http://127.0.0.1:9/v1', anthropicBaseURL: 'http://127.0.0.1:9' }, KEY).name);
    });

    it('maps 429 with Retry-After seconds, retry-after-ms and an HTTP date', async () => {
      const seconds = await errorOf(target, () => ({ fault: 'rateLimit', retryAfterSeconds: 7 }));
      expect(seconds).toMatchObject({ status: 429, retryable: true, retryAfterMs: 7_000 });
      const ms = await errorOf(target, () => ({ fault: 'rateLimit', retryAfterMs: 1_500 }));
      expect(ms.retryAfterMs).toBe(1_500);
      const date = await errorOf(target, () => ({ fault: 'rateLimit', retryAfterDate: new Date(Date.now() + 60_000) }));
      expect(date.retryAfterMs).toBeGreaterThan(55_000);
      expect(date.retryAfterMs).toBeLessThanOrEqual(60_000);
    });

    it('lets x-should-retry overrule the status', async () => {
      const error = await errorOf(target, () => ({ fault: 'httpError', status: 503, headers: { 'x-should-retry': 'false' } }));
      expect(error).toMatchObject({ status: 503, retryable: false });
    });

    it('maps a reset connection, a cut-off body and a timeout to retryable errors without a status', async () => {
      for (const fault of ['reset', 'truncatedBody'] as const) {
        const error = await errorOf(target, () => ({ fault }));
        expect(error).toMatchObject({ status: undefined, retryable: true });
      }
      const timeout = await errorOf(target, () => ({ fault: 'hang' }), 150);
      expect(timeout).toMatchObject({ status: undefined, retryable: true });
      expect(timeout.message).toContain('timed out after 150 ms');
    });

    it('removes its key from error text the provider echoed back', async () => {
      const error = await errorOf(target, ({ headers }) => ({
        fault: 'httpError',
        status: 401,
        message: `Invalid key ${String(headers.authorization ?? headers['x-api-key'])} (key ${KEY})`,
      }));
      expect(error.retryable).toBe(false);
      expect(error.message).not.toContain(KEY);
      expect(error.message).toContain('[REDACTED]');
    });

    it('turns an abort into a non-retryable ApiCallError', async () => {
      await using fake = await startFakeProvider({ respond: () => ({ fault: 'hang' }) });
      const provider = target.create(fake, KEY);
      const controller = new AbortController();
      const sending = provider.send(sampleCall, { signal: controller.signal, timeoutMs: 10_000, now: () => Date.now() });
      while (fake.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
      controller.abort();
      const error = await sending.catch((e: unknown) => e);
      expect(ApiCallError.isInstance(error)).toBe(true);
      expect((error as ApiCallError).retryable).toBe(false);
    });
  });
}
