import type { FetchFunction } from './node-fetch.js';

/**
 * A value made on first use and kept: the adapters import their SDK (`openai`, `@anthropic-ai/sdk`)
 * and build its client only when the first request goes out. Importing an SDK costs tens of ms of
 * start-up, and every command that merely builds a pipeline (`bookpipe run --stages merge`, `status`,
 * a run whose LLM stages are all done) would pay it for nothing. A failed import is kept too: it
 * will not succeed on a second try within the process, and every send reports the same error.
 */
export function lazy<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => (made ??= make());
}

/**
 * The SDK client's `fetch` option for a `transport` setting: the lean node:http fetch (`'node'`, the
 * default), or nothing (the SDK's own global fetch). Imported here, when the first request goes out:
 * importing `node:http` as an ES module builds its namespace, whose getters load undici (20-60 ms of
 * start-up measured), and `node-fetch.js` subclasses the global `Response` (undici again) when loaded.
 */
export async function sdkFetchOption(transport: 'node' | 'fetch' | undefined): Promise<{ fetch?: FetchFunction }> {
  if ((transport ?? 'node') !== 'node') return {};
  const { createNodeFetch } = await import('./node-fetch.js');
  return { fetch: createNodeFetch() };
}
