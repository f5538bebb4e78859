import { z } from 'zod';
import type { JsonSchema } from './types.js';

type Node = { [keyword: string]: unknown };

const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Keywords whose value is one subschema. */
const SINGLE = ['items', 'additionalProperties', 'not', 'contains', 'if', 'then', 'else', 'propertyNames', 'unevaluatedItems', 'unevaluatedProperties'];
/** Keywords whose value is a list of subschemas. */
const LIST = ['anyOf', 'oneOf', 'allOf', 'prefixItems'];
/** Keywords whose value maps names to subschemas. */
const MAP = ['properties', '$defs', 'definitions', 'patternProperties', 'dependentSchemas'];

/**
 * Turns a zod 4 schema into a JSON Schema that strict structured-output modes accept
 * (OpenAI `strict: true`, Anthropic strict tools): every object lists all its properties as
 * required and forbids others, and a property that was optional becomes nullable instead, since
 * strict modes have no optional properties. The model then answers `null` where zod had
 * `undefined`: use `.nullish()` (or map nulls away) when parsing the answer with the same zod schema.
 *
 * Also drops what strict modes reject or what only adds noise: `$schema`, `default`, and the
 * ±2^53 bounds zod puts on every `z.int()`.
 */
export function toStrictJsonSchema(schema: z.ZodType): JsonSchema {
  const raw = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'output', unrepresentable: 'throw' }) as Node;
  const strict = strictify(raw);
  delete strict.$schema;
  return strict;
}

function strictify(node: Node): Node {
  const out: Node = {};
  for (const [keyword, value] of Object.entries(node)) {
    if (keyword === 'default') continue;
    if ((keyword === 'minimum' && value === Number.MIN_SAFE_INTEGER) || (keyword === 'maximum' && value === Number.MAX_SAFE_INTEGER)) continue;
    if (SINGLE.includes(keyword) && isNode(value)) out[keyword] = strictify(value);
    else if (LIST.includes(keyword) && Array.isArray(value)) out[keyword] = value.map((v) => (isNode(v) ? strictify(v) : v));
    else if (MAP.includes(keyword) && isNode(value)) {
      out[keyword] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, isNode(v) ? strictify(v) : v]));
    } else out[keyword] = value;
  }
  if (isNode(out.properties)) {
    const properties = out.properties;
    const required = new Set(Array.isArray(out.required) ? (out.required as string[]) : []);
    for (const key of Object.keys(properties)) {
      if (!required.has(key)) properties[key] = nullable(properties[key] as Node);
    }
    out.required = Object.keys(properties);
    out.additionalProperties = false;
  }
  return out;
}

/** Adds `null` to what a subschema accepts, as simply as its shape allows. */
function nullable(node: Node): Node {
  const type = node.type;
  if (typeof type === 'string' && !('enum' in node) && !('const' in node)) {
    return type === 'null' ? node : { ...node, type: [type, 'null'] };
  }
  if (Array.isArray(type) && !('enum' in node) && !('const' in node)) {
    return type.includes('null') ? node : { ...node, type: [...type, 'null'] };
  }
  if (Array.isArray(node.anyOf)) {
    const options = node.anyOf as Node[];
    return options.some((o) => o.type === 'null') ? node : { ...node, anyOf: [...options, { type: 'null' }] };
  }
  return { anyOf: [node, { type: 'null' }] };
}

const NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/**
 * Why a request's responseSchema cannot be sent, or undefined when it can. Both providers need a
 * name they accept and an object at the root; catching it here spares a paid round trip.
 */
export function checkResponseSchema(responseSchema: unknown): string | undefined {
  if (!isNode(responseSchema)) return 'responseSchema is required: { name, schema } with a JSON Schema object';
  const { name, schema } = responseSchema;
  if (typeof name !== 'string' || !NAME.test(name)) {
    return `responseSchema.name must match ${NAME.source}, got ${JSON.stringify(name)}`;
  }
  if (!isNode(schema)) return `responseSchema.schema of "${name}" must be a JSON Schema object`;
  if (schema.type !== 'object') {
    return `responseSchema.schema of "${name}" must have type "object" at its root (got ${JSON.stringify(schema.type)}): wrap the value in an object`;
  }
  return undefined;
}
