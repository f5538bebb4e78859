/** Seeded randomness for tests (the reliability suites, the page-number sequences), so that a failing case can be replayed from its printed seed. */

/** mulberry32: uniform numbers in [0, 1) from a 32-bit seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A per-case seed derived from the suite's seed and the case name (FNV-1a), so cases replay independently. */
export function caseSeed(suiteSeed: number, name: string): number {
  let h = (0x811c9dc5 ^ suiteSeed) >>> 0;
  for (const ch of name) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}

/**
 * The suite's seed: `BOOKPIPE_CRASH_SEED` when set (to replay a failure), else a fresh one. Either way the
 * caller prints it.
 */
export function suiteSeed(env: NodeJS.ProcessEnv = process.env): number {
  const given = env.BOOKPIPE_CRASH_SEED;
  if (given !== undefined && given !== '') {
    const n = Number(given);
    if (!Number.isInteger(n) || n < 0) throw new Error(`BOOKPIPE_CRASH_SEED=${given} is not a non-negative integer`);
    return n >>> 0;
  }
  return Math.floor(Math.random() * 2 ** 31);
}
