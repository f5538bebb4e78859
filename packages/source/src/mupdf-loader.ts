import type * as Mupdf from 'mupdf';

export type MupdfModule = typeof Mupdf;

let loading: Promise<MupdfModule> | undefined;
/** Messages mupdf logs while a call runs; undefined when nobody listens. */
let collector: string[] | undefined;

/**
 * Loads mupdf on first use: its WASM module takes a noticeable moment to compile, and a user who only
 * ingests images (or only imports the package) should not pay for it. mupdf's log is process-wide; it
 * is routed to whichever {@link collectMupdfLog} call is running, so warnings reach the page they
 * belong to instead of stderr.
 */
export function loadMupdf(): Promise<MupdfModule> {
  loading ??= import('mupdf').then((mupdf) => {
    mupdf.setLog({
      error: (message) => collector?.push(`error: ${message}`),
      warning: (message) => collector?.push(`warning: ${message}`),
    });
    return mupdf;
  });
  return loading;
}

/**
 * Runs a synchronous mupdf call and returns its result with the messages mupdf logged meanwhile.
 * mupdf calls are synchronous, so no other call can interleave its messages.
 */
export function collectMupdfLog<T>(fn: () => T): { value: T; log: string[] } {
  const log: string[] = [];
  const previous = collector;
  collector = log;
  try {
    return { value: fn(), log };
  } catch (error) {
    if (error instanceof Error) (error as Error & { mupdfLog?: string[] }).mupdfLog = log;
    throw error;
  } finally {
    collector = previous;
  }
}
