import { constants, lstatSync, readlinkSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { BookpipeError, ErrorCode } from '@bookpipe/core';
import { errnoCode } from './storage-error.js';

/**
 * `O_NOFOLLOW` where the platform has it (Linux, macOS, the BSDs), else 0: opening a path whose last
 * component is a symbolic link then fails with ELOOP instead of reaching the file it points to.
 */
export const O_NOFOLLOW: number = constants.O_NOFOLLOW ?? 0;

/**
 * The error for a symbolic link found inside a scan. Storage never follows a link it did not create:
 * a link in a scan would let `clean` delete, and a stage write, files outside the scan folder (issue 15).
 * The message names the link, where it points and what to do.
 */
export function linkRefused(link: string, context: { scanId?: string; stage?: string; action: string }): BookpipeError {
  let target = 'somewhere else';
  try {
    target = readlinkSync(link);
  } catch {
    // Gone in between, or not readable: the message still names the link.
  }
  const where = context.scanId === undefined ? '' : ` (scan "${context.scanId}"${context.stage === undefined ? '' : `, stage "${context.stage}"`})`;
  return new BookpipeError(
    ErrorCode.STORAGE_ERROR,
    // The same words whatever was being done (a clean, a write, a log): `run --clean` and `clean` agree.
    `${link}${where} is a symbolic link (to ${target}): bookpipe does not follow links inside a scan, so that it never reads, writes or deletes files outside it. ` +
      `Remove the link (\`rm ${link}\`) and run again; to keep scans on another disk, point BOOKPIPE_ROOT (or --root) there instead.`,
    { details: { ...context, file: link, target, errno: 'ELOOP' } },
  );
}

/**
 * Throws `linkRefused` when `path`, or any folder between `base` (excluded: the scan folder, which the
 * user chose) and it, is a symbolic link. Components that do not exist yet end the walk: whatever
 * bookpipe creates there is a real folder or file. One `lstat` per component, synchronous so that
 * synchronous callers (`filePath`) can use it.
 */
export function assertNoLink(base: string, path: string, context: { scanId?: string; stage?: string; action: string }): void {
  const rel = relative(base, path);
  if (rel === '' || rel.startsWith('..')) return;
  let current = base;
  for (const part of rel.split(sep)) {
    current = join(current, part);
    try {
      if (lstatSync(current).isSymbolicLink()) throw linkRefused(current, context);
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw error;
    }
  }
}

/** Whether a filesystem error says that an `O_NOFOLLOW` open met a symbolic link. */
export function isLinkError(error: unknown): boolean {
  // ELOOP on Linux and macOS; FreeBSD says EMLINK.
  const code = errnoCode(error);
  return code === 'ELOOP' || code === 'EMLINK';
}
