/**
 * Upstream JSON pages as read (parsed and validated) once per pipeline run and shared by every stage
 * that reads them. On a CLI run of correction + label, each OCR page was read and checked three times
 * (the correction stage's book vocabulary, its page, the label stage's page): parsing and zod-validating
 * a page of word boxes cost more main-thread CPU than everything else a request needs.
 *
 * Scoped to one run (`Pipeline.run` makes one and hands it to every stage's context): an upstream
 * stage in the same run finishes before its dependants start, and the scan lock keeps other
 * processes out, so a page cannot change under the cache; a later run reads the files again.
 *
 * Values are deep-frozen, because two stages get the same object: a stage that changed its input in
 * place would change the other's (it gets a TypeError instead). Bounded by page count, least recently
 * used out, so a long book is not held in memory; a page that fails to load is not kept (each reader
 * gets the error, as without the cache).
 */
export class PageReadCache {
  readonly maxPages: number;
  // Map order is the recency order: a hit moves the entry to the end.
  readonly #entries = new Map<string, Promise<unknown>>();
  // Two readers declaring one stage with different schemas validate differently: their reads are apart.
  readonly #schemaIds = new Map<object, number>();
  /** Reads that went to the storage (`loaded`) and those served from the cache (`reused`). */
  readonly stats = { loaded: 0, reused: 0 };

  /** @param maxPages pages kept. @default 256 (a book of that many pages is read once a run) */
  constructor(maxPages = 256) {
    if (!(Number.isInteger(maxPages) && maxPages >= 0)) throw new TypeError(`[core] PageReadCache \`maxPages\` must be an integer >= 0, got ${maxPages}`);
    this.maxPages = maxPages;
  }

  /** Page `page` of `stage` as validated by `schema` (undefined: any JSON), loaded by `load` unless held or being loaded. */
  get<T>(stage: string, page: number, schema: object | undefined, load: () => Promise<T>): Promise<T> {
    const key = `${stage}\0${page}\0${this.#schemaId(schema)}`;
    const held = this.#entries.get(key);
    if (held) {
      this.#entries.delete(key);
      this.#entries.set(key, held);
      this.stats.reused += 1;
      return held as Promise<T>;
    }
    this.stats.loaded += 1;
    const loading = load().then(deepFreeze);
    if (this.maxPages === 0) return loading;
    this.#entries.set(key, loading);
    loading.catch(() => {
      if (this.#entries.get(key) === loading) this.#entries.delete(key);
    });
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.maxPages) break;
      this.#entries.delete(oldest);
    }
    return loading;
  }

  #schemaId(schema: object | undefined): number {
    if (schema === undefined) return 0;
    let id = this.#schemaIds.get(schema);
    if (id === undefined) {
      id = this.#schemaIds.size + 1;
      this.#schemaIds.set(schema, id);
    }
    return id;
  }
}

/**
 * `value` with every object and array in it frozen (JSON values: no cycles). Arrays by index and
 * objects by `for...in` (a parsed JSON object has no inherited enumerable keys), not `Object.values`,
 * which made an array per object: on an OCR page of word boxes that took twice as long (0.24 against
 * 0.13 ms a page, 80 KB of JSON), on the main thread of every run.
 */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) freezeAll(value);
  return value;
}

function freezeAll(value: object): void {
  if (Object.isFrozen(value)) return;
  Object.freeze(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const child: unknown = value[i];
      if (typeof child === 'object' && child !== null) freezeAll(child);
    }
    return;
  }
  for (const key in value) {
    const child: unknown = (value as Record<string, unknown>)[key];
    if (typeof child === 'object' && child !== null) freezeAll(child);
  }
}
