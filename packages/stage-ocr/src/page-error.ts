import { BookpipeError, ErrorCode } from '@bookpipe/core';
import type { OcrFailureKind } from './worker-protocol.js';

/** The error for a page that could not be read, naming the file and the page and saying what to do. */
export function pageError(kind: OcrFailureKind, imagePath: string, pageNumber: number, reason: string, engine: string): BookpipeError {
  const details = { page: pageNumber, file: imagePath, engine };
  switch (kind) {
    case 'missing':
      return new BookpipeError(
        ErrorCode.INPUT_INVALID,
        `OCR of page ${pageNumber}: the image ${imagePath} does not exist. Run the source stage for this page first.`,
        { details },
      );
    case 'unreadable':
      return new BookpipeError(
        ErrorCode.INPUT_INVALID,
        `OCR of page ${pageNumber}: ${imagePath} is not a readable image (${oneLine(reason)}). The file is corrupt or not an image: re-run the source stage for this page, or replace the file.`,
        { details },
      );
    case 'engine':
      return new BookpipeError(
        ErrorCode.STAGE_FAILED,
        `OCR of page ${pageNumber} (${imagePath}) failed in ${engine}: ${oneLine(reason)}. Run the stage again to retry this page.`,
        { details },
      );
  }
}

/** One printable line: tesseract's stderr can echo binary garbage from a damaged file. */
function oneLine(s: string): string {
  return s
    .replace(/[^\P{C}\n\t]|\uFFFD/gu, '?')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 500);
}
