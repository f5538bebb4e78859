import { BookpipeError, ErrorCode } from '@bookpipe/core';

/** A BookpipeError INPUT_INVALID; the message names the file (and page) and says what to do. */
export function inputError(message: string, details: Record<string, unknown>, cause?: unknown): BookpipeError {
  return new BookpipeError(ErrorCode.INPUT_INVALID, message, { details, ...(cause === undefined ? {} : { cause }) });
}

/** The message of anything thrown by mupdf or sharp, on one line. */
export function reason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s+/g, ' ').trim();
}
