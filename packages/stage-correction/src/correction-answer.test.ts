import type { JsonSchemaNode } from '@bookpipe/testkit';
import { smallPage } from '@bookpipe/testkit';
import { describe, expect, it } from 'vitest';
import { correctionResponseSchemaFor, EDIT_REF } from './correction-answer.js';

/** Every object schema in a JSON Schema tree. */
function objects(node: unknown, out: JsonSchemaNode[] = []): JsonSchemaNode[] {
  if (Array.isArray(node)) {
    for (const n of node) objects(n, out);
  } else if (node && typeof node === 'object') {
    if ((node as JsonSchemaNode).type === 'object') out.push(node as JsonSchemaNode);
    for (const v of Object.values(node)) objects(v, out);
  }
  return out;
}

describe('correctionResponseSchemaFor', () => {
  const page = smallPage(7, [[['Title']], [['first paragraph', 'goes on'], ['second one']], [['note']]]);
  const { name, schema } = correctionResponseSchemaFor(page);

  it('pins the number of blocks and of paragraphs per block, and their numbers', () => {
    expect(name).toBe('page_correction');
    const blocks = schema.properties as Record<string, JsonSchemaNode>;
    expect(blocks.blocks).toMatchObject({ type: 'array', minItems: 3, maxItems: 3 });
    const items = blocks.blocks!.prefixItems!;
    expect(items.map((b) => b.properties?.blockNum?.const)).toEqual([1, 2, 3]);
    expect(items.map((b) => [b.properties?.paragraphs?.minItems, b.properties?.paragraphs?.maxItems])).toEqual([
      [1, 1],
      [2, 2],
      [1, 1],
    ]);
    expect(items[1]!.properties?.paragraphs?.prefixItems?.map((p) => p.properties?.parNum?.const)).toEqual([1, 2]);
  });

  it('is strict-mode compatible: every object closed with all its properties required; arrays keep an items schema', () => {
    for (const object of objects(schema)) {
      expect(object.additionalProperties).toBe(false);
      expect([...object.required!].sort()).toEqual(Object.keys(object.properties!).sort());
    }
    const blocks = (schema.properties as Record<string, JsonSchemaNode>).blocks!;
    expect(blocks.items).toMatchObject({ type: 'object' });
    expect(JSON.stringify(schema)).not.toContain('"items":false');
    // The model answers edits, not text: [] means unchanged; the edit object is defined once, in $defs.
    const paragraph = blocks.prefixItems![0]!.properties!.paragraphs!.prefixItems![0]!;
    expect(paragraph.properties?.text).toBeUndefined();
    expect(paragraph.properties?.edits).toMatchObject({ type: 'array', items: { $ref: EDIT_REF } });
    expect((schema.$defs as Record<string, JsonSchemaNode>).Edit).toMatchObject({ type: 'object', required: ['find', 'replace'] });
    // Descriptions once, in the generic items schema, not in every block's and paragraph's copy.
    expect(JSON.stringify(blocks.items)).toContain('"description"');
    expect(JSON.stringify(blocks.prefixItems)).not.toContain('"description"');
  });
});
