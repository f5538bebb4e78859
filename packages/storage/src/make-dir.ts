import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { errnoCode } from './storage-error.js';

/**
 * `mkdir -p`, throwing the error that says why. Node's recursive mkdir reports ENOENT ("no such file
 * or directory") when a folder cannot be created on a read-only filesystem, which sends the user
 * looking for a missing file. On ENOENT this finds the first missing ancestor and creates it alone:
 * that fails with the real code (EROFS, EACCES, ENOTDIR...), which is thrown instead. If it succeeds
 * (the folder was missing for a moment), the recursive mkdir is tried once more.
 */
export async function makeDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    return;
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') throw error;
    throw (await realMkdirError(resolve(dir))) ?? error;
  }
}

/** The error of creating the first missing ancestor of `dir` (or `dir`), or undefined if it now works. */
async function realMkdirError(dir: string): Promise<unknown> {
  let missing = dir;
  for (;;) {
    const parent = dirname(missing);
    if (parent === missing) break;
    try {
      await stat(parent);
      break;
    } catch (error) {
      // ENOTDIR (a parent is a file), EACCES...: that is the cause.
      if (errnoCode(error) !== 'ENOENT') return error;
      missing = parent;
    }
  }
  try {
    await mkdir(missing);
  } catch (error) {
    if (errnoCode(error) !== 'EEXIST') return error;
  }
  try {
    await mkdir(dir, { recursive: true });
    return undefined;
  } catch (error) {
    return error;
  }
}
