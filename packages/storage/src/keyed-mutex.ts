/**
 * Serialises async sections per key within this process. Keys are absolute file paths, so two
 * objects working on the same file (two managers of one journal) still take turns. Other processes
 * are kept out by the scan lock.
 */
const tails = new Map<string, Promise<unknown>>();

export async function withKeyLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = tails.get(key) ?? Promise.resolve();
  const run = previous.then(fn, fn);
  const tail = run.catch(() => {});
  tails.set(key, tail);
  try {
    return await run;
  } finally {
    // Drop the entry once nobody queued behind us, so the map does not grow with every file ever touched.
    if (tails.get(key) === tail) tails.delete(key);
  }
}
