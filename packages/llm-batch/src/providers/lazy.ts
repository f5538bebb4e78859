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
