import { describe, expect, it } from 'vitest';
import { startFakeProvider } from '../testing/fake-provider.js';
import { anthropic } from './anthropic.js';
import { sampleCall } from './conformance.js';
import { openaiCompatible } from './openai-compatible.js';
import { imageSlot, preparedJson, quotedBase64 } from './prepared-body.js';

const context = { signal: new AbortController().signal, timeoutMs: 5_000, now: () => Date.now() };

describe('prepared request bodies', () => {
  it('are byte for byte what JSON.stringify gives with the images in place, text around them escaped as usual', () => {
    const a = new Uint8Array([0, 1, 2, 250, 251, 252, 253]);
    const b = new Uint8Array([9, 8, 7]);
    const text = 'quotes " and \\ and \u2028, ümlauts, and a look-alike bookpipe-image-0 marker';
    const shape = (first: string, second: string) => ({ text, parts: [{ url: first }, { nested: { data: second } }], n: 1 });
    const expected = JSON.stringify(shape(`data:image/png;base64,${Buffer.from(a).toString('base64')}`, Buffer.from(b).toString('base64')));
    const prepared = preparedJson(shape(imageSlot(0), imageSlot(1)), [quotedBase64(a, 'data:image/png;base64,'), quotedBase64(b)]);
    expect(prepared.toString('utf8')).toBe(expected);
  });

  it('serialise an image once per byte array and prefix, and refuse a slot that is missing', () => {
    const image = new Uint8Array([1, 2, 3]);
    expect(quotedBase64(image)).toBe(quotedBase64(image));
    expect(quotedBase64(image, 'data:image/jpeg;base64,')).not.toBe(quotedBase64(image));
    expect(() => quotedBase64(image, 'a"b')).toThrow(/JSON escaping/);
    expect(() => preparedJson({ none: true }, [quotedBase64(image)])).toThrow(/image 0 has no place/);
  });

  it.each([
    ['openaiCompatible', (url: { openaiBaseURL: string; anthropicBaseURL: string }) => openaiCompatible({ baseURL: url.openaiBaseURL, apiKey: 'k' })],
    ['anthropic', (url: { openaiBaseURL: string; anthropicBaseURL: string }) => anthropic({ baseURL: url.anthropicBaseURL, apiKey: 'k' })],
  ])('%s sends the same bytes for the same call on every attempt (a retry, another stage)', async (_name, create) => {
    await using fake = await startFakeProvider();
    const provider = create(fake);
    await provider.send(sampleCall, context);
    await provider.send(sampleCall, context);
    const [first, second] = fake.requests;
    expect(first?.body).toEqual(second?.body);
    expect(first?.headers['content-type']).toMatch(/^application\/json/);
    expect(first?.images.map((i) => new Uint8Array(i.data))).toEqual(sampleCall.images.map((i) => i.data));
  });
});
