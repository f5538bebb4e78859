import { blockRole, type CorrectionPage, type MergeFurniture, type MergePage, type OcrPage, type OcrParagraph } from '@bookpipe/contracts';

const paragraphLines = (paragraph: OcrParagraph) =>
  paragraph.lines
    .map((line) => line.text.trim())
    .filter(Boolean)
    .join('\n');

/**
 * The blocks of the page's reading: not those of the OCR's margin pass, which are furniture evidence
 * (a folio, a catch-word read again from a stamp-sized image), never text of the page; counting them
 * would credit the OCR with text no reader gets and make the merged text look worse than it.
 */
const readBlocks = (page: OcrPage) => page.blocks.filter((block) => block.pass !== 'margin');

/** Everything OCR read on the page, in OCR order: lines by "\n", paragraphs and blocks by blank lines. */
export function ocrText(page: OcrPage): string {
  return readBlocks(page)
    .map((block) => block.paragraphs.map(paragraphLines).join('\n'))
    .join('\n\n');
}

/**
 * The page after the correction stage: each OCR paragraph replaced by its corrected text where the
 * correction page has one (a null text means "unchanged"), in OCR order, furniture included.
 */
export function correctedText(ocr: OcrPage, correction: CorrectionPage): string {
  const corrected = new Map(correction.paragraphs.map((p) => [`${p.blockNum}/${p.parNum}`, p.text]));
  return readBlocks(ocr)
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
    .map((block) => block.paragraphs.map((p) => withHeadings(p, scope === 'page' ? withFurniture(p) : p.text)).join('\n'))
    .join('\n\n');
}

type MergedParagraph = MergePage['blocks'][number]['paragraphs'][number];

/** A merged paragraph's text with the heading lines merge set apart from it put back where they were read. */
function withHeadings(paragraph: MergedParagraph, text: string): string {
  const headings = paragraph.headings ?? [];
  if (headings.length === 0) return text;
  const at = (where: 'start' | 'end') => headings.filter((line) => line.at === where).map((line) => line.text);
  return [...at('start'), text, ...at('end')].filter((part) => part.trim() !== '').join('\n');
}

/**
 * A merged paragraph with the furniture lines merge left out of its text put back: those on its first
 * line before the text (a running head), the others after it (a catch-word, a folio at the foot).
 */
function withFurniture(paragraph: MergedParagraph): string {
  const furniture = paragraph.furniture ?? [];
  if (furniture.length === 0) return paragraph.text;
  const head = furniture.filter((line) => line.lineNum === 1).map((line) => line.text);
  const foot = furniture.filter((line) => line.lineNum !== 1).map((line) => line.text);
  return [...head, paragraph.text, ...foot].filter((text) => text.trim() !== '').join('\n');
}

/** Furniture pieces by line, then by their first word. */
const inReadingOrder = (pieces: readonly MergeFurniture[]) => [...pieces].sort((a, b) => a.lineNum - b.lineNum || (a.words?.[0] ?? 0) - (b.words?.[0] ?? 0));

/**
 * Every piece of furniture of a merged page: the text of its furniture blocks and of the furniture lines
 * inside text blocks, and, where one printed line was split into pieces (a running head and its folio,
 * "HATE" and "3"; or a head block and a folio block side by side), those pieces joined in reading order
 * as well: a truth page that keeps the line holds it whole ("HATE 3").
 */
export function furnitureTexts(page: MergePage): string[] {
  const texts: string[] = [];
  // Consecutive furniture blocks: OCR often reads a head and its folio as two blocks on one row.
  let run: string[] = [];
  const endRun = () => {
    if (run.length > 1) texts.push(run.join(' '));
    run = [];
  };
  for (const block of page.blocks) {
    const whole =
      blockRole(block.classification) === 'furniture'
        ? block.paragraphs
            .map((p) => [...inReadingOrder(p.furniture ?? []).map((line) => line.text), p.text].join(' '))
            .join(' ')
            .replace(/\s+/gu, ' ')
            .trim()
        : '';
    if (whole) {
      texts.push(whole);
      run.push(whole);
    } else endRun();
    for (const paragraph of block.paragraphs) {
      const furniture = paragraph.furniture ?? [];
      texts.push(...furniture.map((line) => line.text.trim()));
      for (const lineNum of new Set(furniture.map((line) => line.lineNum))) {
        const pieces = furniture.filter((line) => line.lineNum === lineNum);
        if (pieces.length > 1)
          texts.push(
            inReadingOrder(pieces)
              .map((line) => line.text.trim())
              .join(' '),
          );
      }
    }
  }
  endRun();
  return [...new Set(texts.filter(Boolean))];
}

/** The page's folios as read: PAGE_NUMBER blocks and lines that are a numeral (arabic or roman), lower-cased. */
export function folioTexts(page: MergePage): string[] {
  const pieces = page.blocks.flatMap((block) => [
    ...(block.classification === 'PAGE_NUMBER' ? block.paragraphs.map((p) => p.text) : []),
    ...block.paragraphs.flatMap((p) => (p.furniture ?? []).filter((line) => line.classification === 'PAGE_NUMBER').map((line) => line.text)),
  ]);
  return pieces
    .map((text) =>
      text
        .trim()
        .replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '')
        .toLowerCase(),
    )
    .filter((text) => /^(?:\d{1,4}|[ivxlcdm]{1,8})$/u.test(text));
}
