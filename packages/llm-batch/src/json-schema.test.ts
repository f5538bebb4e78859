import type { JsonSchemaNode } from '@bookpipe/testkit';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkResponseSchema, toStrictJsonSchema } from './json-schema.js';

describe('toStrictJsonSchema', () => {
  const Page = z.object({
    printedPageNumber: z.string().nullable(),
    blocks: z.array(z.object({ blockNum: z.int().min(1), classification: z.enum(['BODY', 'FOOTER']), confidence: z.number().min(0).max(1) })).min(1),
    notes: z.string().optional(),
    pair: z.tuple([z.string(), z.int()]),
    extra: z.object({ hint: z.string().optional() }).optional(),
    style: z.enum(['arabic', 'roman']).optional(),
    flag: z.boolean().default(false),
  });

  it('makes every property required, forbids others, and turns optional into nullable', () => {
    const schema = toStrictJsonSchema(Page) as JsonSchemaNode;
    expect(schema.$schema).toBeUndefined();
    expect(schema.type).toBe('object');
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['printedPageNumber', 'blocks', 'notes', 'pair', 'extra', 'style', 'flag']);
    expect(schema.properties?.notes).toEqual({ type: ['string', 'null'] });
    expect(schema.properties?.printedPageNumber).toEqual({ type: ['string', 'null'] });
    expect(schema.properties?.extra?.type).toEqual(['object', 'null']);
    expect(schema.properties?.extra?.required).toEqual(['hint']);
    expect(schema.properties?.extra?.additionalProperties).toBe(false);
    expect(schema.properties?.extra?.properties?.hint).toEqual({ type: ['string', 'null'] });
    // An enum cannot take a null type alongside: it is wrapped.
    expect(schema.properties?.style).toEqual({ anyOf: [{ type: 'string', enum: ['arabic', 'roman'] }, { type: 'null' }] });
    expect(schema.properties?.flag).toEqual({ type: 'boolean' });
    const items = schema.properties?.blocks?.items;
    expect(items?.additionalProperties).toBe(false);
    expect(items?.required).toEqual(['blockNum', 'classification', 'confidence']);
    expect(items?.properties?.blockNum).toEqual({ type: 'integer', minimum: 1 });
    expect(schema.properties?.pair?.prefixItems).toEqual([{ type: 'string' }, { type: 'integer' }]);
  });

  it('produces a schema that accepts the nulls a strict model sends and rejects what zod would reject', () => {
    const validate = new Ajv2020({ strict: false }).compile(toStrictJsonSchema(Page));
    const answer = {
      printedPageNumber: null,
      blocks: [{ blockNum: 1, classification: 'BODY', confidence: 0.9 }],
      notes: null,
      pair: ['a', 1],
      extra: null,
      style: null,
      flag: true,
    };
    expect(validate(answer)).toBe(true);
    expect(validate({ ...answer, blocks: [] })).toBe(false);
    expect(validate({ ...answer, surprise: 1 })).toBe(false);
    expect(validate({ ...answer, notes: undefined })).toBe(false);
  });

  it('throws on what JSON Schema cannot express', () => {
    expect(() => toStrictJsonSchema(z.object({ when: z.date() }))).toThrow();
  });
});

describe('checkResponseSchema', () => {
  it('accepts a named object schema', () => {
    expect(checkResponseSchema({ name: 'page_label-1', schema: { type: 'object' } })).toBeUndefined();
  });
  it.each([
    [undefined, /responseSchema is required/],
    [{ schema: { type: 'object' } }, /name must match/],
    [{ name: 'a'.repeat(65), schema: { type: 'object' } }, /name must match/],
    [{ name: 'ok' }, /must be a JSON Schema object/],
    [{ name: 'ok', schema: { type: 'array' } }, /type "object" at its root \(got "array"\)/],
  ])('refuses %o', (value, message) => {
    expect(checkResponseSchema(value)).toMatch(message);
  });
});
