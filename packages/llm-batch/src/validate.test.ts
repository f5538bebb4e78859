import { describe, expect, it } from 'vitest';
import { ResponseValidator } from './validate.js';

describe('ResponseValidator', () => {
  const validator = new ResponseValidator();
  const schema = {
    type: 'object',
    properties: {
      blocks: { type: 'array', minItems: 7, maxItems: 7, items: { type: 'integer' } },
      row: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }], items: false },
      email: { type: 'string', format: 'email' },
    },
    required: ['blocks'],
  };

  const compile = (s: Record<string, unknown>) => {
    const v = validator.compile(s);
    if (typeof v === 'string') throw new Error(v);
    return v;
  };

  it('enforces what providers ignore: exact item counts, tuples, formats', () => {
    const v = compile(schema);
    expect(validator.check(v, { value: { blocks: [1, 2, 3, 4, 5, 6, 7] } })).toEqual({ ok: true, value: { blocks: [1, 2, 3, 4, 5, 6, 7] } });
    expect(validator.check(v, { value: { blocks: [1, 2, 3] } })).toEqual({
      ok: false,
      code: 'schema_violation',
      reason: 'response violates schema: /blocks must NOT have fewer than 7 items',
    });
    expect(validator.check(v, { value: { blocks: [1, 2, 3, 4, 5, 6, 7], row: ['a', 'b'] } })).toMatchObject({
      ok: false,
      reason: expect.stringContaining('/row/1 must be number'),
    });
    expect(validator.check(v, { value: { blocks: [1, 2, 3, 4, 5, 6, 7], row: ['a', 1, 2] } })).toMatchObject({ ok: false });
    expect(validator.check(v, { value: { blocks: [1, 2, 3, 4, 5, 6, 7], email: 'nope' } })).toMatchObject({
      ok: false,
      reason: expect.stringContaining('must match format "email"'),
    });
  });

  it('parses JSON text and says why it cannot, without quoting the answer', () => {
    const v = compile(schema);
    expect(validator.check(v, { text: '{"blocks":[1,2,3,4,5,6,7]}' })).toMatchObject({ ok: true });
    const cut = validator.check(v, { text: '{"blocks":[1,2' });
    expect(cut).toMatchObject({ ok: false, code: 'invalid_json', reason: expect.stringMatching(/^response is not valid JSON: .* \(14 chars\)$/) });
    const prose = validator.check(v, { text: 'Sure! Here is the secret page text you asked for' });
    expect(prose.ok).toBe(false);
    if (!prose.ok) expect(prose.reason).not.toContain('Sure! Here');
  });

  it('compiles a schema once, by identity or by equal text', () => {
    const a = compile(schema);
    expect(compile(schema)).toBe(a);
    expect(compile(JSON.parse(JSON.stringify(schema)))).toBe(a);
    // Another client's validator (a later run in the same process) reuses the compiled function.
    expect(new ResponseValidator().compile(JSON.parse(JSON.stringify(schema)))).toBe(a);
  });

  it('reports an invalid schema instead of throwing', () => {
    expect(validator.compile({ type: 'object', properties: { a: { type: 'integer', minimum: 'zero' } } })).toMatch(/not a valid JSON Schema/);
  });

  it('keeps its cache bounded with many distinct schemas', () => {
    const fresh = new ResponseValidator();
    for (let i = 0; i < 600; i++) {
      const v = fresh.compile({ type: 'object', properties: { blocks: { type: 'array', minItems: i } } });
      expect(typeof v).toBe('function');
    }
  });

  it('shares one ajv between validators without letting one schema change another', () => {
    // Two clients (two validators) compile schemas that share an $id: each keeps its own meaning.
    const a = new ResponseValidator().compile({ $id: 'urn:bookpipe:page', type: 'object', required: ['a'] });
    const b = new ResponseValidator().compile({ $id: 'urn:bookpipe:page', type: 'object', required: ['b'] });
    if (typeof a === 'string' || typeof b === 'string') throw new Error(`schema refused: ${a} ${b}`);
    expect([a({ a: 1 }), a({ b: 1 }), b({ a: 1 }), b({ b: 1 })]).toEqual([true, false, false, true]);
  });

  it('still checks schemas against the meta-schema after a schema named like it', () => {
    const fresh = new ResponseValidator();
    const metaNamed = fresh.compile({ $id: 'https://json-schema.org/draft/2020-12/schema', type: 'object' });
    expect(typeof metaNamed).toBe('function');
    expect(new ResponseValidator().compile({ type: 'object', properties: { a: { type: 'integer', minimum: 'zero' } } })).toMatch(/not a valid JSON Schema/);
  });
});
