/**
 * A counter per stage folder, bumped by every `clean()` in this process. Objects that cache what they
 * read from a folder (the journal index, the valid-page stamps) compare it to drop their cache when
 * another object cleaned the folder: a new file can reuse a deleted file's inode number, so the
 * filesystem alone cannot always tell. Other processes are kept out by the scan lock.
 */
const generations = new Map<string, number>();

export function cleanGeneration(dir: string): number {
  return generations.get(dir) ?? 0;
}

export function bumpCleanGeneration(dir: string): void {
  generations.set(dir, cleanGeneration(dir) + 1);
}
