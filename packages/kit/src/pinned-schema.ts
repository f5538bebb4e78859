import type { JsonSchema } from '@bookpipe/llm-batch';

/**
 * Tools to make a page-specific response schema out of a generic one (built from zod with
 * `toStrictJsonSchema`): "exactly these 7 blocks, numbered 1..7, the third with 2 paragraphs".
 *
 * The pinned array keeps its generic `items` next to `prefixItems`: strict structured-output modes
 * that ignore `prefixItems` still get a valid element schema (zod's tuple output, `items: false`,
 * is refused by some), while the batch client's local validation (ajv, 2020-12) enforces the
 * positions and `minItems = maxItems` whatever the provider did.
 */

type Node = { [keyword: string]: unknown };

const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `array` (an array schema) with exactly `items.length` items, the i-th matching `items[i]`. */
export function pinItems(array: JsonSchema, items: readonly JsonSchema[]): JsonSchema {
  if (array.type !== 'array') throw new TypeError(`pinItems: expected an array schema, got type ${JSON.stringify(array.type)}`);
  return { ...array, prefixItems: [...items], minItems: items.length, maxItems: items.length };
}

/** `object` (an object schema) whose `property` must equal `value`. */
export function pinProperty(object: JsonSchema, property: string, value: string | number | boolean | null): JsonSchema {
  return replaceProperty(object, property, (schema) => ({ ...schema, const: value }));
}

/** `object` with its `property` schema replaced by `replace(current)`. */
export function replaceProperty(object: JsonSchema, property: string, replace: (current: JsonSchema) => JsonSchema): JsonSchema {
  const properties = object.properties;
  const current = isNode(properties) ? properties[property] : undefined;
  if (!isNode(properties) || !isNode(current)) {
    throw new TypeError(`replaceProperty: the schema has no property "${property}"`);
  }
  return { ...object, properties: { ...properties, [property]: replace(current) } };
}

/** The element schema of an array property (`items`), to pin it per position. */
export function itemsOf(object: JsonSchema, property: string): JsonSchema {
  const properties = object.properties;
  const array = isNode(properties) ? properties[property] : undefined;
  const items = isNode(array) ? array.items : undefined;
  if (!isNode(items)) throw new TypeError(`itemsOf: property "${property}" is not an array with an items schema`);
  return items;
}

/**
 * `schema` without its `description`s, at every depth. For the per-position copies of `pinItems`:
 * the generic `items` next to them keeps the descriptions, so the model reads each once, not once a
 * block or paragraph (the schema is sent, and on Anthropic billed, with every request).
 */
export function withoutDescriptions(schema: JsonSchema): JsonSchema {
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(strip);
    if (!isNode(value)) return value;
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key, v]) => !(key === 'description' && typeof v === 'string'))
        .map(([key, v]) => [
          key,
          key === 'properties' && isNode(v) ? Object.fromEntries(Object.entries(v).map(([name, sub]) => [name, strip(sub)])) : strip(v),
        ]),
    );
  };
  return strip(schema) as JsonSchema;
}
