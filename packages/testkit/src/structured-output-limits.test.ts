import { describe, expect, it } from 'vitest';
import { anthropicToolProblems, openaiStrictProblems, schemaFigures } from './structured-output-limits.js';

const strictObject = (properties: Record<string, unknown>) => ({ type: 'object', properties, required: Object.keys(properties), additionalProperties: false });

describe('schemaFigures', () => {
  it('counts properties, nesting, enum values and name/value characters; definitions once, depth through $ref', () => {
    const schema = {
      ...strictObject({ blocks: { type: 'array', items: strictObject({ cls: { $ref: '#/$defs/Cls' }, n: { const: 'ab' } }) } }),
      $defs: { Cls: { type: 'string', enum: ['A', 'BB'] } },
    };
    expect(schemaFigures(schema)).toMatchObject({
      properties: 3,
      depth: 2,
      enumValues: 2,
      // "blocks" + "cls" + "n" + "ab" + "A" + "BB" + "Cls"
      stringLength: 6 + 3 + 1 + 2 + 1 + 2 + 3,
      largeEnumStringLength: 0,
      bytes: JSON.stringify(schema).length,
    });
  });
});

describe('openaiStrictProblems', () => {
  it('passes a strict schema; names each broken rule', () => {
    expect(openaiStrictProblems({ name: 'page_label', schema: strictObject({ a: { type: 'string' } }) })).toEqual([]);
    expect(openaiStrictProblems({ name: 'bad name', schema: { type: 'object', properties: { a: { type: 'string' } } } })).toEqual([
      'name "bad name" must match /^[a-zA-Z0-9_-]{1,64}$/',
      'an object (properties a) lacks additionalProperties: false',
      'an object does not require a (strict mode needs every property required)',
    ]);
  });

  it('refuses more than 1,000 enum values, as a 32-class enum repeated for 32 blocks has', () => {
    const classes = Array.from({ length: 32 }, (_, i) => `CLASS_${i}`);
    const block = strictObject({ cls: { type: 'string', enum: classes } });
    const schema = strictObject({ blocks: { type: 'array', items: block, prefixItems: Array.from({ length: 31 }, () => block) } });
    expect(openaiStrictProblems({ name: 'x', schema })).toEqual(['1024 enum values, more than 1000']);
  });

  it('refuses nesting deeper than 10 levels, more than 5,000 properties, and a long large enum', () => {
    let deep: Record<string, unknown> = strictObject({ leaf: { type: 'string' } });
    for (let i = 0; i < 10; i++) deep = strictObject({ next: deep });
    expect(openaiStrictProblems({ name: 'x', schema: deep })).toEqual(['11 levels of nesting, more than 10']);
    const wide = strictObject(Object.fromEntries(Array.from({ length: 5001 }, (_, i) => [`p${i}`, { type: 'string' }])));
    expect(openaiStrictProblems({ name: 'x', schema: wide })).toEqual(['5001 object properties, more than 5000']);
    const values = Array.from({ length: 300 }, (_, i) => `${'v'.repeat(50)}${i}`);
    expect(openaiStrictProblems({ name: 'x', schema: strictObject({ e: { type: 'string', enum: values } }) })).toEqual([
      expect.stringMatching(/^an enum of more than 250 values holds \d+ characters, more than 15000$/),
    ]);
  });
});

describe('anthropicToolProblems', () => {
  it('wants an object root, a valid tool name, and local, non-recursive references', () => {
    expect(anthropicToolProblems({ name: 'page_label', schema: { ...strictObject({ a: { $ref: '#/$defs/A' } }), $defs: { A: { type: 'string' } } } })).toEqual(
      [],
    );
    expect(anthropicToolProblems({ name: 'x'.repeat(65), schema: { type: 'array' } })).toEqual([
      `tool name "${'x'.repeat(65)}" must match /^[a-zA-Z0-9_-]{1,64}$/`,
      'input_schema must have type "object" at its root, got "array"',
    ]);
    const recursive = { ...strictObject({ node: { $ref: '#/$defs/Node' } }), $defs: { Node: strictObject({ child: { $ref: '#/$defs/Node' } }) } };
    expect(anthropicToolProblems({ name: 'tree', schema: recursive })).toEqual(['a $ref cycle (recursive schema)']);
    expect(anthropicToolProblems({ name: 'x', schema: strictObject({ a: { $ref: 'https://example.com/s.json' } }) })).toEqual([
      '$ref "https://example.com/s.json" does not point inside the schema',
    ]);
  });
});
