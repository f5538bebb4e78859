import { createRequire } from 'node:module';
import type { Ajv2020, ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import type addFormatsModule from 'ajv-formats';
import { extractJson } from './extract-json.js';
import type { JsonSchema } from './types.js';

// ajv and ajv-formats are CommonJS and cost ~70 ms to load: required on the first compile, so a command that
// never sends a request (`bookpipe run --stages merge`, `status`) does not pay for them. `require` keeps the
// first compile synchronous.
const require = createRequire(import.meta.url);

/**
 * One ajv for the process. Its first compile compiles the 2020-12 meta-schema it checks every schema
 * against (~100 ms of CPU); one per client paid that again for every run a process makes (a library
 * caller's books, a bench's repeated runs). It keeps no schema of ours: each is removed once compiled
 * (the compiled function stands alone), and `ResponseValidator` keeps its own bounded cache.
 */
let sharedAjv: Ajv2020 | undefined;

/**
 * The shared ajv, or a fresh one for a schema whose `$id` names a schema the shared one holds (a
 * meta-schema): removing that schema after its compile would remove the meta-schema too.
 */
function ajvFor(schema: JsonSchema): Ajv2020 {
  sharedAjv ??= createAjv();
  const id = typeof schema.$id === 'string' ? schema.$id.replace(/#$/, '') : undefined;
  if (id !== undefined && (id in sharedAjv.schemas || id in sharedAjv.refs)) return createAjv();
  return sharedAjv;
}

function createAjv(): Ajv2020 {
  const { Ajv2020: AjvClass } = require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
  // ajv-formats' module.exports carries the plugin as `default`.
  const addFormats = (require('ajv-formats') as typeof addFormatsModule).default;
  // strict: false because provider schemas carry keywords ajv does not know (e.g. `strict`, `title` variants).
  // addUsedSchema: false so that two schemas with the same `$id` do not collide in ajv's registry.
  const ajv = new AjvClass({ allErrors: false, strict: false, validateFormats: true, addUsedSchema: false });
  addFormats(ajv);
  return ajv;
}

export type ValidationOutcome = { ok: true; value: unknown } | { ok: false; code: 'invalid_json' | 'schema_violation'; reason: string };

const MAX_CACHED = 500;

/**
 * Compiled validators by schema text, for the process: a compiled function is pure, so every client
 * (every run of a process, every stage) reuses what one compiled for a page of the same shape.
 */
const compiledByText = new Map<string, ValidateFunction>();

/**
 * Parses and validates answers locally against each request's exact JSON Schema, whatever the
 * provider enforced (providers ignore some keywords, e.g. minItems, and some models ignore the
 * schema altogether). ajv's 2020-12 dialect, so `prefixItems`, `minItems`/`maxItems` hold.
 *
 * Compiling costs far more than validating, so validators are cached: by schema object identity
 * first (the common case: one schema object shared by many requests), then by the schema's JSON
 * text (page-specific schemas rebuilt per request but often equal), in a bounded map shared by every
 * validator of the process.
 */
export class ResponseValidator {
  readonly #byObject = new WeakMap<object, ValidateFunction>();

  /** The compiled validator, or a reason why the schema is not a valid JSON Schema. */
  compile(schema: JsonSchema): ValidateFunction | string {
    const cached = this.#byObject.get(schema);
    if (cached) return cached;
    const text = JSON.stringify(schema);
    let validate = compiledByText.get(text);
    if (!validate) {
      const ajv = ajvFor(schema);
      try {
        validate = ajv.compile(schema);
      } catch (error) {
        return `responseSchema is not a valid JSON Schema: ${(error as Error).message}`;
      } finally {
        // ajv keeps its own cache keyed by schema object: dropped at once, or unique page-specific
        // schemas would pile up in the shared instance for the life of the process.
        ajv.removeSchema(schema);
      }
      if (compiledByText.size >= MAX_CACHED) compiledByText.delete(compiledByText.keys().next().value as string);
      compiledByText.set(text, validate);
    }
    this.#byObject.set(schema, validate);
    return validate;
  }

  /**
   * Checks a parsed value (Anthropic tool input) or text (OpenAI content, or an Anthropic answer
   * without a tool call). Text goes through `extractJson`, the one rule for every adapter.
   */
  check(validate: ValidateFunction, output: { text: string } | { value: unknown }): ValidationOutcome {
    let value: unknown;
    if ('text' in output) {
      const extracted = extractJson(output.text);
      if (!extracted.ok) return extracted;
      value = extracted.value;
    } else value = output.value;
    if (validate(value)) return { ok: true, value };
    return { ok: false, code: 'schema_violation', reason: `response violates schema: ${describe(validate.errors ?? [])}` };
  }
}

function describe(errors: readonly ErrorObject[]): string {
  return errors
    .slice(0, 3)
    .map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`)
    .join('; ');
}
