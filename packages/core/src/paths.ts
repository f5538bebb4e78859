import { BookpipeError, ErrorCode } from './errors.js';

/** `page_0001.json`: 1-based, at least 4 digits so listings sort in page order up to 9999 pages. */
export function pageFileName(page: number, extension: string): string {
  if (!Number.isInteger(page) || page < 1) throw new RangeError(`Page numbers are integers from 1, got ${page}`);
  return `page_${String(page).padStart(4, '0')}.${extension}`;
}

/** The page number of a page file name, or undefined for any other file (temp files included). */
export function parsePageFileName(name: string, extension: string): number | undefined {
  const m = /^page_(\d{4,})\.([a-z]+)$/.exec(name);
  if (!m || m[2] !== extension) return undefined;
  const n = Number(m[1]);
  return n >= 1 ? n : undefined;
}

const MAX_SCAN_ID = 128;

/**
 * A scan id is a plain folder name: letters, digits, ".", "_", "-", not starting with "." and at most
 * 128 characters, so it can never leave the storage root or hide as a dotfile.
 * @throws BookpipeError SCAN_ID_INVALID saying what is wrong with the id.
 */
export function assertScanId(scanId: string): void {
  const problem =
    typeof scanId !== 'string' || scanId.length === 0
      ? 'it is empty'
      : scanId.length > MAX_SCAN_ID
        ? `it is ${scanId.length} characters long (at most ${MAX_SCAN_ID})`
        : scanId.includes('\0')
          ? 'it contains a NUL character'
          : /[/\\]/.test(scanId)
            ? 'it contains a path separator'
            : scanId.startsWith('.')
              ? 'it starts with "." (".." would leave the storage root)'
              : !/^[\p{L}\p{N}._ -]+$/u.test(scanId)
                ? 'it holds characters other than letters, digits, ".", "_", "-" and spaces'
                : undefined;
  if (problem) {
    throw new BookpipeError(
      ErrorCode.SCAN_ID_INVALID,
      `Invalid scan id ${JSON.stringify(String(scanId).slice(0, 80))}: ${problem}. Use a plain name such as "my-book-1923".`,
      { details: { scanId } },
    );
  }
}
