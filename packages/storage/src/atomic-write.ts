import { randomBytes } from 'node:crypto';
import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { makeDir } from './make-dir.js';
import { syncDir } from './sync-dir.js';

/** Identity of a file as written, to recognise it later without reading it again. */
export interface FileStamp {
  ino: number;
  size: number;
  mtimeMs: number;
  /** 0 where the filesystem records no creation time. */
  birthtimeMs: number;
}

/**
 * Temp files are dotfiles carrying the writer's pid: hidden from page listings (a page file name
 * never starts with "."), and recognisable as left over by a dead process.
 */
const TEMP_RE = /^\.(.+)\.(\d+)\.[0-9a-f]{8}\.tmp$/;

export function tempFileName(target: string): string {
  return `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
}

/** The pid that wrote a temp file, or undefined when `name` is not one of our temp files. */
export function parseTempFileName(name: string): { target: string; pid: number } | undefined {
  const m = TEMP_RE.exec(name);
  return m ? { target: m[1]!, pid: Number(m[2]) } : undefined;
}

export interface WriteFileAtomicOptions {
  /**
   * Runs once the temp file is complete and fsync'd, before it is renamed over the target, with the
   * stamp the file will have. If it throws, the temp file is removed, the target is left as it was and
   * the error is thrown. `savePage` journals the page here, so that a page file never exists without
   * its journal record.
   */
  beforeRename?: (stamp: FileStamp) => Promise<void>;
  /**
   * fsync the folder after the rename, so that the rename itself survives a power cut (where the
   * platform can fsync a folder: not on Windows). Costs one more fsync per write. `'background'`
   * starts that fsync (shared with the writes around it, see `syncDir`) without waiting for it: the
   * caller waits for one `syncDir(folder)` later, for all its writes at once (a stage's pages, before
   * the journal records the stage complete).
   * @default true
   */
  syncDir?: boolean | 'background';
}

/**
 * Writes `path` so that it holds either its old content or the whole new content, never a mix:
 * a temp file in the same folder (same filesystem, so rename is atomic), fsync'd so that after a
 * power cut the renamed file cannot turn out empty, then renamed over the target. On any failure the
 * temp file is removed and the old file is untouched. The folder is created when missing.
 *
 * The folder is fsync'd after the rename (unless `syncDir: false`; with `'background'` the caller waits
 * for it later), so that the rename survives a power cut; where a folder cannot be fsync'd (Windows), a
 * lost rename brings the old file (or none) back, and resume adopts the temp file or redoes that page.
 *
 * Raw filesystem errors are thrown; callers wrap them with `toStorageError` and their context.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: WriteFileAtomicOptions = {}): Promise<FileStamp> {
  const dir = dirname(path);
  const tmp = join(dir, tempFileName(path));
  let handle: FileHandle | undefined;
  try {
    try {
      handle = await open(tmp, 'wx');
    } catch (error) {
      if ((error as { code?: string }).code !== 'ENOENT') throw error;
      await makeDir(dir);
      handle = await open(tmp, 'wx');
    }
    await handle.writeFile(data);
    await handle.sync();
    const st = await handle.stat();
    await handle.close();
    handle = undefined;
    // ino, size, mtime and birth time survive the rename (ctime does not), so this stamp identifies the file.
    const stamp: FileStamp = { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, birthtimeMs: st.birthtimeMs };
    await options.beforeRename?.(stamp);
    await rename(tmp, path);
    if (options.syncDir === 'background') void syncDir(dir);
    else if (options.syncDir !== false) await syncDir(dir);
    return stamp;
  } catch (error) {
    await handle?.close().catch(() => {});
    await rm(tmp, { force: true }).catch(() => {});
    throw error;
  }
}
