import { describe, expect, it } from 'vitest';
import { exampleFromSchema } from './example-from-schema.js';
import { startFakeProvider } from './fake-provider.js';
import { createVirtualClock } from './virtual-clock.js';

describe('exampleFromSchema', () => {
  it('builds a value that satisfies common structured-output schemas', () => {
    expect(
      exampleFromSchema({
        type: 'object',
        properties: {
          s: { type: 'string', minLength: 3 },
          n: { type: 'number', minimum: 0.5 },
          i: { type: 'integer', exclusiveMinimum: 4 },
          b: { type: 'boolean' },
          e: { enum: ['x', 'y'] },
          c: { const: 7 },
          nullable: { type: ['string', 'null'] },
          any: { anyOf: [{ type: 'null' }, { type: 'integer' }] },
          list: { type: 'array', items: { $ref: '#/$defs/item' }, minItems: 2 },
          tuple: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'integer' }] },
        },
        $defs: { item: { type: 'object', properties: { k: { type: 'string' } } } },
      }),
    ).toEqual({ s: 'xxx', n: 0.5, i: 5, b: false, e: 'x', c: 7, nullable: null, any: 0, list: [{ k: '' }, { k: '' }], tuple: ['', 0] });
  });
});

describe('startFakeProvider', () => {
  it('answers both wire formats, records requests, counts attempts by id header or body', async () => {
    await using fake = await startFakeProvider();
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${fake.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const openaiBody = {
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      response_format: { type: 'json_schema', json_schema: { name: 'n', schema: { type: 'object', properties: { a: { type: 'integer' } } } } },
    };
    const first = (await (await post('/v1/chat/completions', openaiBody)).json()) as { choices: { message: { content: string } }[] };
    await post('/v1/chat/completions', openaiBody);
    expect(first.choices[0]?.message.content).toBe('{"a":0}');
    const anthropicBody = {
      model: 'c',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'hi' }],
      tools: [{ name: 't', input_schema: { type: 'object' } }],
      tool_choice: { type: 'tool', name: 't' },
    };
    const message = (await (await post('/v1/messages', anthropicBody, { 'x-bookpipe-request-id': 'p1' })).json()) as { content: unknown[] };
    expect(message.content[0]).toMatchObject({ type: 'tool_use', name: 't', input: {} });
    expect(fake.requests.map((r) => [r.api, r.attempt])).toEqual([
      ['openai', 1],
      ['openai', 2],
      ['anthropic', 1],
    ]);
    expect(fake.requestsFor('p1')).toHaveLength(1);
    expect((await post('/v2/other', {})).status).toBe(404);
    const notJson = await fetch(`${fake.url}/v1/messages`, { method: 'POST', body: '{' });
    expect(notJson.status).toBe(400);
  });

  it('closes with hanging requests open', async () => {
    const fake = await startFakeProvider({ respond: () => ({ fault: 'hang' }) });
    const pending = fetch(`${fake.openaiBaseURL}/chat/completions`, { method: 'POST', body: '{}' }).catch((e: unknown) => e);
    while (fake.requests.length === 0) await new Promise((r) => setTimeout(r, 2));
    await fake.close();
    expect(await pending).toBeInstanceOf(Error);
  });
});

describe('createVirtualClock', () => {
  it('moves time only by sleeping, waking sleepers in time order', async () => {
    const clock = createVirtualClock(0);
    const woke: [string, number][] = [];
    await Promise.all([clock.sleep(300).then(() => woke.push(['late', clock.now()])), clock.sleep(100).then(() => woke.push(['early', clock.now()]))]);
    expect(woke).toEqual([
      ['early', 100],
      ['late', 300],
    ]);
    expect(clock.sleeps).toEqual([300, 100]);
  });

  it('rejects an aborted sleep and forgets it', async () => {
    const clock = createVirtualClock(0);
    const controller = new AbortController();
    const sleeping = clock.sleep(1000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(sleeping).rejects.toThrow('stop');
    await clock.sleep(10);
    expect(clock.now()).toBe(10);
  });
});
