/**
 * What the providers document about the response schemas they accept, as checks a test can run on
 * every schema a stage would send.
 *
 * OpenAI, structured outputs with `strict: true` (platform docs, "Structured Outputs" guide, section
 * "Supported schemas", read 2026-12): the root is an object (not `anyOf`); every object sets
 * `additionalProperties: false` and lists all its properties in `required`; at most 5,000 object
 * properties in total and 10 levels of nesting; at most 1,000 enum values in total; at most 120,000
 * characters of property names, definition names, enum values and const values together; and for
 * one string enum of more than 250 values, at most 15,000 characters of values (the guide said 7,500
 * before; we keep the current figure). `$defs` and local `$ref` are supported.
 *
 * Anthropic, tools (`input_schema`, the way the batch client's adapter forces one tool call; not
 * "strict" tools): the schema is a JSON Schema object with `type: "object"` at its root; the tool
 * name matches `^[a-zA-Z0-9_-]{1,64}$`; `$ref` points inside the schema (`#/...`), and a reference
 * cycle is not allowed. The schema is sent with every request and billed as input tokens, so its
 * size in bytes is reported too.
 */

type Node = { [keyword: string]: unknown };
const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null && !Array.isArray(value);

export const OPENAI_STRICT_LIMITS = {
  maxProperties: 5_000,
  maxDepth: 10,
  maxEnumValues: 1_000,
  maxStringLength: 120_000,
  /** A string enum with more values than this ... */
  largeEnumValues: 250,
  /** ... has at most this many characters of values. */
  largeEnumStringLength: 15_000,
} as const;

const NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** A response schema as the batch client takes it (`LlmResponseSchema`). */
export interface ResponseSchemaLike {
  name: string;
  schema: Record<string, unknown>;
}

/** The measures the limits are about, for one schema. */
export interface SchemaFigures {
  /** Object properties, summed over every object schema (each `$defs` entry counted once). */
  properties: number;
  /** Deepest nesting of object schemas (the root object is 1), through `$ref`s. */
  depth: number;
  /** Enum values, summed over every `enum`. */
  enumValues: number;
  /** Characters of property names, definition names, string enum values and string const values. */
  stringLength: number;
  /** Characters of the values of the largest string enum of more than 250 values (0 when none). */
  largeEnumStringLength: number;
  /** Bytes of the schema as JSON: what is sent, and on Anthropic billed, with every request. */
  bytes: number;
}

const SUBSCHEMA_ONE = ['items', 'additionalProperties', 'not', 'contains', 'if', 'then', 'else'];
const SUBSCHEMA_LIST = ['anyOf', 'oneOf', 'allOf', 'prefixItems'];

/** Every direct subschema of a node, with whether it sits under `properties`. */
function children(node: Node): Node[] {
  const out: Node[] = [];
  if (isNode(node.properties)) out.push(...Object.values(node.properties).filter(isNode));
  for (const keyword of SUBSCHEMA_ONE) if (isNode(node[keyword])) out.push(node[keyword] as Node);
  for (const keyword of SUBSCHEMA_LIST) if (Array.isArray(node[keyword])) out.push(...(node[keyword] as unknown[]).filter(isNode));
  return out;
}

function resolve(root: Node, ref: string): Node | undefined {
  if (!ref.startsWith('#')) return undefined;
  let node: unknown = root;
  for (const part of ref.slice(1).split('/').filter(Boolean)) node = isNode(node) ? node[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
  return isNode(node) ? node : undefined;
}

const isObjectSchema = (node: Node) => node.type === 'object' || (Array.isArray(node.type) && node.type.includes('object')) || isNode(node.properties);

/** Measures a schema (see `SchemaFigures`). */
export function schemaFigures(schema: Record<string, unknown>): SchemaFigures {
  const root = schema as Node;
  const figures: SchemaFigures = {
    properties: 0,
    depth: 0,
    enumValues: 0,
    stringLength: 0,
    largeEnumStringLength: 0,
    bytes: Buffer.byteLength(JSON.stringify(schema)),
  };
  // Counting: every node once (definitions included once, wherever they are referenced).
  const count = (node: Node) => {
    if (isNode(node.properties)) {
      const names = Object.keys(node.properties);
      figures.properties += names.length;
      figures.stringLength += names.reduce((sum, name) => sum + name.length, 0);
    }
    if (Array.isArray(node.enum)) {
      figures.enumValues += node.enum.length;
      const strings = node.enum.filter((v): v is string => typeof v === 'string');
      const length = strings.reduce((sum, v) => sum + v.length, 0);
      figures.stringLength += length;
      if (strings.length > OPENAI_STRICT_LIMITS.largeEnumValues) figures.largeEnumStringLength = Math.max(figures.largeEnumStringLength, length);
    }
    if (typeof node.const === 'string') figures.stringLength += node.const.length;
    for (const child of children(node)) count(child);
  };
  count(root);
  if (isNode(root.$defs)) {
    for (const [name, definition] of Object.entries(root.$defs)) {
      figures.stringLength += name.length;
      if (isNode(definition)) count(definition);
    }
  }
  // Depth: object nesting along every path, following references (a cycle counts as too deep).
  const depth = (node: Node, seen: ReadonlySet<string>): number => {
    if (typeof node.$ref === 'string') {
      if (seen.has(node.$ref)) return Number.POSITIVE_INFINITY;
      const target = resolve(root, node.$ref);
      return target ? depth(target, new Set([...seen, node.$ref])) : 0;
    }
    const below = Math.max(0, ...children(node).map((child) => depth(child, seen)));
    return below + (isObjectSchema(node) ? 1 : 0);
  };
  figures.depth = depth(root, new Set());
  return figures;
}

/** Every `$ref` of the schema, with what it points to (undefined when it points nowhere). */
function references(root: Node): Array<{ ref: string; target: Node | undefined }> {
  const out: Array<{ ref: string; target: Node | undefined }> = [];
  const walk = (node: Node) => {
    if (typeof node.$ref === 'string') out.push({ ref: node.$ref, target: resolve(root, node.$ref) });
    for (const child of children(node)) walk(child);
  };
  walk(root);
  if (isNode(root.$defs)) for (const definition of Object.values(root.$defs)) if (isNode(definition)) walk(definition);
  return out;
}

/** Why OpenAI's strict structured outputs would refuse this response schema; empty when it fits. */
export function openaiStrictProblems(response: ResponseSchemaLike): string[] {
  const problems: string[] = [];
  const root = response.schema as Node;
  const limits = OPENAI_STRICT_LIMITS;
  if (!NAME.test(response.name)) problems.push(`name "${response.name}" must match ${NAME}`);
  if (root.type !== 'object' || 'anyOf' in root) problems.push('the root must be an object schema, not anyOf');
  const objects: Node[] = [];
  const walk = (node: Node) => {
    if (isObjectSchema(node)) objects.push(node);
    for (const child of children(node)) walk(child);
  };
  walk(root);
  if (isNode(root.$defs)) for (const definition of Object.values(root.$defs)) if (isNode(definition)) walk(definition);
  for (const object of objects) {
    const keys = isNode(object.properties) ? Object.keys(object.properties) : [];
    if (object.additionalProperties !== false) problems.push(`an object (properties ${keys.join(', ') || 'none'}) lacks additionalProperties: false`);
    const required = new Set(Array.isArray(object.required) ? (object.required as string[]) : []);
    const missing = keys.filter((key) => !required.has(key));
    if (missing.length > 0) problems.push(`an object does not require ${missing.join(', ')} (strict mode needs every property required)`);
  }
  for (const { ref, target } of references(root)) if (!target) problems.push(`$ref "${ref}" does not point inside the schema`);
  const f = schemaFigures(response.schema);
  if (f.properties > limits.maxProperties) problems.push(`${f.properties} object properties, more than ${limits.maxProperties}`);
  if (f.depth > limits.maxDepth) problems.push(`${f.depth} levels of nesting, more than ${limits.maxDepth}`);
  if (f.enumValues > limits.maxEnumValues) problems.push(`${f.enumValues} enum values, more than ${limits.maxEnumValues}`);
  if (f.stringLength > limits.maxStringLength)
    problems.push(`${f.stringLength} characters of names and enum/const values, more than ${limits.maxStringLength}`);
  if (f.largeEnumStringLength > limits.largeEnumStringLength) {
    problems.push(
      `an enum of more than ${limits.largeEnumValues} values holds ${f.largeEnumStringLength} characters, more than ${limits.largeEnumStringLength}`,
    );
  }
  return problems;
}

/** Why Anthropic would refuse this response schema as a tool's `input_schema`; empty when it fits. */
export function anthropicToolProblems(response: ResponseSchemaLike): string[] {
  const problems: string[] = [];
  const root = response.schema as Node;
  if (!NAME.test(response.name)) problems.push(`tool name "${response.name}" must match ${NAME}`);
  if (root.type !== 'object') problems.push(`input_schema must have type "object" at its root, got ${JSON.stringify(root.type)}`);
  for (const { ref, target } of references(root)) if (!target) problems.push(`$ref "${ref}" does not point inside the schema`);
  if (schemaFigures(response.schema).depth === Number.POSITIVE_INFINITY) problems.push('a $ref cycle (recursive schema)');
  return problems;
}
