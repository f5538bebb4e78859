/**
 * The JSON Schema keywords bookpipe's tests read back from a response schema (a request's pinned schema, a
 * provider request body), typed so that a test walks `properties`/`items` without casting to `any`.
 */
export interface JsonSchemaNode {
  $schema?: string;
  $ref?: string;
  $defs?: Record<string, JsonSchemaNode>;
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  required?: string[];
  additionalProperties?: boolean;
  minItems?: number;
  maxItems?: number;
  properties?: Record<string, JsonSchemaNode>;
  items?: JsonSchemaNode;
  prefixItems?: JsonSchemaNode[];
}
