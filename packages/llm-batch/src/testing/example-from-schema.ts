type Node = { [keyword: string]: unknown };

const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A small value that satisfies a JSON Schema, for the fake provider's default answer: every
 * property filled in, arrays at their `minItems` (tuples from `prefixItems`), numbers at their
 * minimum, strings at their `minLength`, the first `enum` / `anyOf` option, and null where a type
 * allows null (a nullable text is the "nothing to change" answer: an empty string there would read as
 * "delete this", which answer checks rightly refuse). It covers what
 * structured-output schemas use, not all of JSON Schema (no `pattern`, `not`, `if`).
 */
export function exampleFromSchema(schema: unknown): unknown {
  return build(schema, schema, 0);
}

function build(schema: unknown, root: unknown, depth: number): unknown {
  if (!isNode(schema) || depth > 32) return null;
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if (typeof schema.$ref === 'string') return build(resolveRef(root, schema.$ref), root, depth + 1);
  for (const keyword of ['anyOf', 'oneOf'] as const) {
    const options = schema[keyword];
    if (Array.isArray(options) && options.length > 0) {
      const preferred = options.find((o) => isNode(o) && o.type !== 'null') ?? options[0];
      return build(preferred, root, depth + 1);
    }
  }
  if (Array.isArray(schema.allOf)) {
    return build(Object.assign({}, ...schema.allOf.filter(isNode)), root, depth + 1);
  }
  const declared = schema.type;
  if (Array.isArray(declared) && declared.includes('null')) return null;
  const type = Array.isArray(declared) ? (declared.find((t) => t !== 'null') ?? declared[0]) : declared;
  switch (type) {
    case 'object': {
      const properties = isNode(schema.properties) ? schema.properties : {};
      return Object.fromEntries(Object.entries(properties).map(([key, sub]) => [key, build(sub, root, depth + 1)]));
    }
    case 'array': {
      const prefix = Array.isArray(schema.prefixItems) ? schema.prefixItems : [];
      const min = typeof schema.minItems === 'number' ? schema.minItems : 0;
      const items: unknown[] = prefix.map((sub) => build(sub, root, depth + 1));
      while (items.length < min) items.push(build(schema.items, root, depth + 1));
      return items;
    }
    case 'string': {
      const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
      return 'x'.repeat(min);
    }
    case 'integer':
    case 'number': {
      if (typeof schema.minimum === 'number') return type === 'integer' ? Math.ceil(schema.minimum) : schema.minimum;
      if (typeof schema.exclusiveMinimum === 'number') return Math.floor(schema.exclusiveMinimum) + 1;
      if (typeof schema.maximum === 'number' && schema.maximum < 0) return type === 'integer' ? Math.floor(schema.maximum) : schema.maximum;
      return 0;
    }
    case 'boolean':
      return false;
    default:
      return null;
  }
}

function resolveRef(root: unknown, ref: string): unknown {
  if (!ref.startsWith('#')) return undefined;
  let node: unknown = root;
  for (const part of ref.slice(1).split('/').filter(Boolean)) {
    node = isNode(node) ? node[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
  }
  return node;
}
