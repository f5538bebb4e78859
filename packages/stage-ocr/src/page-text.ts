/** The plain text of an OCR page: paragraphs separated by a blank line, lines kept as OCR read them. */
export function ocrPageText(page: OcrPage): string {
  return page.blocks.flatMap((b) => b.paragraphs.map((p) => p.text)).join('\n\n');
}

import type { OcrPage } from '@bookpipe/contracts';
