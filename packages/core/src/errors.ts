/**
 * Stable error codes. Callers branch on `code`, never on message text.
 * Adding a code is a minor change; renaming or removing one is breaking.
 */
export const ErrorCode = {
  /** An environment variable or option failed validation. */
  CONFIG_INVALID: 'CONFIG_INVALID',
  /** The stage graph has an unknown dependency, a cycle or a duplicate name. */
  GRAPH_INVALID: 'GRAPH_INVALID',
  /** A scan id is empty, too long, or would leave the storage root. */
  SCAN_ID_INVALID: 'SCAN_ID_INVALID',
  /** The scan folder does not exist. */
  SCAN_NOT_FOUND: 'SCAN_NOT_FOUND',
  /** Another live process holds the scan's lock. */
  SCAN_LOCKED: 'SCAN_LOCKED',
  /** An upstream stage has not produced what this stage needs. */
  DEPENDENCY_MISSING: 'DEPENDENCY_MISSING',
  /** A page file or payload does not match its schema. */
  PAGE_INVALID: 'PAGE_INVALID',
  /** A file on disk (metadata.json, a journal) could not be parsed. */
  FILE_CORRUPT: 'FILE_CORRUPT',
  /** Input files (PDFs, images) are unreadable, empty, or over a limit. */
  INPUT_INVALID: 'INPUT_INVALID',
  /** A filesystem operation failed (permissions, disk full...). */
  STORAGE_ERROR: 'STORAGE_ERROR',
  /** The run was aborted through its AbortSignal. */
  ABORTED: 'ABORTED',
  /** A stage failed as a whole (not a single page). */
  STAGE_FAILED: 'STAGE_FAILED',
  /**
   * A service every remaining page needs refused to go on (an LLM provider refused the key, the quota
   * is exhausted, or it asked to wait longer than the run may): the stage stops, its unfinished pages
   * stay remaining (not failed) for a rerun, and the message says once what to do.
   */
  SERVICE_STOPPED: 'SERVICE_STOPPED',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const MARKER = Symbol.for('bookpipe.error');

export interface BookpipeErrorOptions {
  /** What this error is about: scan, stage, page, file... Kept for logs and programmatic use. */
  details?: Record<string, unknown>;
  cause?: unknown;
}

/**
 * The one error base of bookpipe. Messages name the scan, stage, page and file involved
 * and end with the next step a user can take.
 */
export class BookpipeError extends Error {
  readonly code: ErrorCode | (string & {});
  readonly details: Record<string, unknown>;
  readonly [MARKER] = true;

  constructor(code: ErrorCode | (string & {}), message: string, options: BookpipeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BookpipeError';
    this.code = code;
    this.details = options.details ?? {};
  }

  /** True for any BookpipeError, even one thrown by a second copy of this package. */
  static isInstance(value: unknown): value is BookpipeError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[MARKER] === true;
  }
}

/** A short, single-line description of any thrown value, for logs and failure records. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
