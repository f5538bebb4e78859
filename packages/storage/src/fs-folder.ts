import { resolve } from 'node:path';
import type { FileFolder } from '@bookpipe/core';
import { writeFileAtomic } from './atomic-write.js';
import { resolveInside } from './safe-path.js';
import { toStorageError } from './storage-error.js';

/** A folder on the filesystem that files are written into atomically. Make one with `openFolder`. */
export class FsFolder implements FileFolder {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** `<dir>/<name>`; `name` may hold sub-folders but not leave the folder. @throws BookpipeError INPUT_INVALID */
  filePath(name: string): string {
    return resolveInside(this.dir, name, 'file name');
  }

  /**
   * Writes `<dir>/<name>` atomically (temp file + fsync + rename, see `writeFileAtomic`), creating the
   * folders. @throws BookpipeError STORAGE_ERROR naming the file and the next step.
   */
  async writeFile(name: string, content: string | Uint8Array): Promise<string> {
    const path = this.filePath(name);
    try {
      await writeFileAtomic(path, content);
    } catch (error) {
      throw toStorageError(error, { action: 'write', path });
    }
    return path;
  }
}

/**
 * A folder outside any scan (created on the first write) for tools that write reports through a
 * `FileFolder`: `renderView({ scan, out: openFolder('report') })`. Relative paths resolve against the
 * working directory.
 */
export function openFolder(dir: string): FsFolder {
  return new FsFolder(resolve(dir));
}
