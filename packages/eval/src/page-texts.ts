const paragraphLines = (paragraph: OcrParagraph) =>
  paragraph.lines
    .map((line) => line.text.trim())
    .filter(Boolean)
    .join('\n');

/** Everything OCR read on the page, in OCR order: lines by "\n", paragraphs and blocks by blank lines. */
export function ocrText(page: OcrPage): string {
  return page.blocks.map((block) => block.paragraphs.map(paragraphLines).join('\n')).join('\n\n');
}

/**
 * The page after the correction stage: each OCR paragraph replaced by its corrected text where the
 * correction page has one (a null text means "unchanged"), in OCR order, furniture included.
 */
export function correctedText(ocr: OcrPage, correction: CorrectionPage): string {
  const corrected = new Map(correction.paragraphs.map((p) => [`${p.blockNum}/${p.parNum}`, p.text]));
  return ocr.blocks
    .map((block) => block.paragraphs.map((paragraph) => corrected.get(`${block.blockNum}/${paragraph.parNum}`) ?? paragraphLines(paragraph)).join('\n'))
    .join('\n\n');
}

/**
 * The merged page's text. `body`: the reading text a book gets (book.md), running heads, feet, page
 * numbers and OCR noise left out by their class; `page`: every block.
 */
export function mergedText(page: MergePage, scope: 'body' | 'page'): string {
  return page.blocks
    .filter((block) => scope === 'page' || blockRole(block.classification) !== 'furniture')
    .map((block) => block.paragraphs.map((p) => (scope === 'page' ? withFurniture(p) : p.text)).join('\n'))
    .join('\n\n');
}

/**
 * A merged paragraph with the furniture lines merge left out of its text put back: those on its first
 * line before the text (a running head), the others after it (a catch-word, a folio at the foot).
 */
function withFurniture(paragraph: MergePage['blocks'][number]['paragraphs'][number]): string {
  const furniture = paragraph.furniture ?? [];
  if (furniture.length === 0) return paragraph.text;
  const head = furniture.filter((line) => line.lineNum === 1).map((line) => line.text);
  const foot = furniture.filter((line) => line.lineNum !== 1).map((line) => line.text);
  return [...head, paragraph.text, ...foot].filter((text) => text.trim() !== '').join('\n');
}

/** Every piece of furniture of a merged page: the text of its furniture blocks and of the furniture lines inside text blocks. */
export function furnitureTexts(page: MergePage): string[] {
  return page.blocks.flatMap((block) => {
    const lines = block.paragraphs.flatMap((p) => (p.furniture ?? []).map((line) => line.text.trim()));
    const whole =
      blockRole(block.classification) === 'furniture'
        ? [
            block.paragraphs
              .map((p) => p.text)
              .join(' ')
              .trim(),
          ]
        : [];
    return [...whole, ...lines].filter(Boolean);
  });
}

import { blockRole, type CorrectionPage, type MergePage, type OcrPage, type OcrParagraph } from '@bookpipe/contracts';
