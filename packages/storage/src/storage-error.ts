import { BookpipeError, ErrorCode } from '@bookpipe/core';

/** What the failing operation was doing, for the message: "Could not <action> <path>". */
export interface StorageErrorContext {
  action: string;
  path: string;
  scanId?: string;
  stage?: string;
  page?: number;
}

/** The next step for the filesystem errors a user can do something about. */
const NEXT_STEP: Record<string, string> = {
  ENOSPC: 'the disk is full. Free some space and run again; finished pages are kept',
  EDQUOT: 'the disk quota is exhausted. Free some space and run again; finished pages are kept',
  EFBIG: 'the file is larger than this process may write (ulimit -f). Raise the limit and run again',
  EACCES: 'permission denied. Check that the user running bookpipe may read and write this folder',
  EPERM: 'operation not permitted. Check the permissions and attributes of this folder',
  EROFS: 'the filesystem is read-only. Point BOOKPIPE_ROOT at a writable folder',
  EMFILE: 'too many open files. Raise the open-file limit (ulimit -n) or lower the concurrency',
  ENFILE: 'the system ran out of file handles. Lower the concurrency and run again',
  EIO: 'an I/O error occurred. Check the disk, then run again',
  ENOTDIR: 'a parent of this path is a file, not a folder. Move that file away',
  EISDIR: 'a folder is in the way of this file. Move that folder away',
};

/** The errno code of a Node.js filesystem error, if it is one. */
export function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Turns a filesystem error into BookpipeError STORAGE_ERROR naming the path and the next step.
 * BookpipeErrors pass through unchanged. `processPages` treats STORAGE_ERROR as fatal for the stage,
 * which is right: a full disk fails every later page the same way.
 */
export function toStorageError(error: unknown, context: StorageErrorContext): BookpipeError {
  if (BookpipeError.isInstance(error)) return error;
  const code = errnoCode(error) ?? 'UNKNOWN';
  const why = NEXT_STEP[code] ?? `${error instanceof Error ? error.message : String(error)}. Check the disk and the folder's permissions, then run again`;
  const where =
    context.scanId === undefined
      ? ''
      : ` (scan "${context.scanId}"${context.stage === undefined ? '' : `, stage "${context.stage}"`}${context.page === undefined ? '' : `, page ${context.page}`})`;
  return new BookpipeError(ErrorCode.STORAGE_ERROR, `Could not ${context.action} ${context.path}${where}: ${why} [${code}].`, {
    details: { ...context, errno: code },
    cause: error,
  });
}
