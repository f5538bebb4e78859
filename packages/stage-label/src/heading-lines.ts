import { type BlockClass, blockRole, type LineLabel, type OcrLine } from '@bookpipe/contracts';
import { isDivisionLabel } from './heading-patterns.js';
import type { PageGeometry } from './line-furniture.js';
import { parseRoman } from './page-number-text.js';

const hasInk = (text: string) => /[\p{L}\p{N}]/u.test(text);
const right = (box: { x: number; width: number }) => box.x + box.width;

/** Most words of a heading line found inside a text block: a number, a division word and a few words of title. */
const MAX_WORDS = 6;
/** Widest a heading line may be, as a share of the text column: wider, it is a line of text. */
const MAX_WIDTH = 0.6;
/** How far a heading line's middle may stand from the column's middle, as a share of the column. */
const MAX_OFF_CENTRE = 0.1;

/**
 * A section sign as old prints set it and OCR reads it ("§", "$", "S.", "6:"), then a number: "§. VII.",
 * "$. VI.", "6: VII", "§ 12". The sign is optional before a roman numeral ("II.", "III").
 */
const SECTION_SIGN = /^(?:§|\$|S\.|\d[:;])\s*[.,:;]?\s*/u;

/**
 * Letters OCR reads in place of a roman numeral's letters in old type: "H" for "II" ("VHI" for VIII),
 * "l" and "1" for "I". Only applied to a token that is mostly roman letters already.
 */
function romanValue(token: string): number | null {
  const direct = parseRoman(token);
  if (direct !== null) return direct;
  if (!/^[IVXLCHl1]+$/u.test(token) || !/[IVXLC]/u.test(token)) return null;
  return parseRoman(token.replace(/H/gu, 'II').replace(/[l1]/gu, 'I'));
}

/** Whether a short line reads as a section number: "§. VII.", "$. VI.", "6: VII", "II.", "§ 12". */
export function isSectionNumber(text: string): boolean {
  const trimmed = text.trim();
  const signed = SECTION_SIGN.test(trimmed) && !/^\d[:;]?$/u.test(trimmed);
  const core = trimmed
    .replace(SECTION_SIGN, '')
    .replace(/[.,:;]+$/u, '')
    .trim();
  if (/^\d{1,3}$/u.test(core)) return signed;
  // A lone capital with neither sign nor stop is as often a letter as a numeral.
  if (core.length === 1 && !signed && !/\.$/u.test(trimmed)) return false;
  const value = romanValue(core);
  // Sections run to a few hundred at most; "MIX" and "DIV" are words.
  return value !== null && value <= 200;
}

/**
 * The words of a line that carry its text: inked (or a section sign), of type size (a speck read as "." or "'" is far
 * smaller), and without a lone letter set far off at either end (a speck read as "d" beside "$. VI.").
 */
function textWords(line: OcrLine, lineHeight: number): OcrLine['words'] {
  // A section sign is a word of the heading, though it holds no letter or digit.
  let words = line.words
    .filter((word) => (hasInk(word.text) || /[§$]/u.test(word.text)) && word.bbox.height >= 0.35 * lineHeight)
    .sort((a, b) => a.bbox.x - b.bbox.x);
  const lone = (word: OcrLine['words'][number]) => word.text.replace(/[^\p{L}\p{N}]/gu, '').length <= 1;
  while (words.length > 1 && lone(words[0]!) && words[1]!.bbox.x - right(words[0]!.bbox) >= 2 * lineHeight) words = words.slice(1);
  while (words.length > 1 && lone(words.at(-1)!) && words.at(-1)!.bbox.x - right(words.at(-2)!.bbox) >= 2 * lineHeight) words = words.slice(0, -1);
  return words;
}

/** Where words sit on the text column: their span's width and its middle's distance from the column's middle, as shares of the column. */
function onColumn(words: OcrLine['words'], geometry: PageGeometry): { width: number; offCentre: number } {
  const column = geometry.right - geometry.left;
  const x0 = Math.min(...words.map((word) => word.bbox.x));
  const x1 = Math.max(...words.map((word) => right(word.bbox)));
  return { width: (x1 - x0) / column, offCentre: Math.abs((x0 + x1) / 2 - (geometry.left + column / 2)) / column };
}

/** An unread section mark: most words, letters and digits, widest (share of the column), off-centre, mean confidence. */
const MARK = { words: 3, ink: 6, width: 0.25, offCentre: 0.06, confidence: 0.35 } as const;

/**
 * Whether a line is a mark OCR could not read, set alone and centred among the lines of text: in an old
 * print, a section's number ("III.", "§. 1.") in spaced or worn type, which tesseract reads as "KL:" or
 * "S. LO" with next to no confidence. A few characters, narrower than a quarter of the column, centred
 * on it closer than a heading that reads (`MAX_OFF_CENTRE`), read with under 0.35 mean confidence, with
 * lines of text above and below it. Measured on every page of ../shared/eval: it holds on two lines,
 * both section numbers; readable ones are judged by what they say (`isSectionNumber`).
 */
export function isUnreadSectionMark(geometry: PageGeometry, line: OcrLine): boolean {
  const { lineHeight, left, right: columnRight, bodyLines } = geometry;
  if (bodyLines.length < 3 || columnRight <= left) return false;
  const words = line.words.filter((word) => hasInk(word.text) && word.bbox.height >= 0.35 * lineHeight);
  if (words.length === 0 || words.length > MARK.words) return false;
  if (words.map((word) => word.text.replace(/[^\p{L}\p{N}]/gu, '')).join('').length > MARK.ink) return false;
  if (words.reduce((sum, word) => sum + word.confidence, 0) / words.length >= MARK.confidence) return false;
  const { width, offCentre } = onColumn(words, geometry);
  if (width > MARK.width || offCentre > MARK.offCentre) return false;
  const top = line.bbox.y;
  const bottom = line.bbox.y + line.bbox.height;
  const others = bodyLines.map((placed) => placed.line).filter((other) => other !== line);
  return (
    others.some((other) => other.bbox.y + other.bbox.height <= top + 0.3 * lineHeight) && others.some((other) => other.bbox.y >= bottom - 0.3 * lineHeight)
  );
}

/** A short line centred on the text column that opens or closes its OCR paragraph: a heading's place. */
export interface CentredLine {
  blockNum: number;
  parNum: number;
  lineNum: number;
  line: OcrLine;
  /** The words that carry the line's text (specks left out). */
  words: OcrLine['words'];
  text: string;
}

/**
 * The first and last lines of the page's paragraphs (in blocks of two lines or more: a block of one
 * line is the block labeller's to class) that are short and centred on the text column, as headings
 * set on a line of their own are. `blocks` limits the search (the text blocks); all blocks when absent.
 */
export function centredLines(geometry: PageGeometry, blocks?: ReadonlySet<number>): CentredLine[] {
  const { page, lineHeight, left, right: columnRight, bodyLines } = geometry;
  if (bodyLines.length < 2 || columnRight <= left) return [];
  const out: CentredLine[] = [];
  for (const block of page.blocks) {
    if (blocks && !blocks.has(block.blockNum)) continue;
    if (block.paragraphs.reduce((sum, paragraph) => sum + paragraph.lines.length, 0) < 2) continue;
    for (const paragraph of block.paragraphs) {
      for (const index of new Set([0, paragraph.lines.length - 1])) {
        const line = paragraph.lines[index];
        if (!line) continue;
        const words = textWords(line, lineHeight);
        if (words.length === 0 || words.length > MAX_WORDS) continue;
        const { width, offCentre } = onColumn(words, geometry);
        if (width > MAX_WIDTH || offCentre > MAX_OFF_CENTRE) continue;
        out.push({ blockNum: block.blockNum, parNum: paragraph.parNum, lineNum: index + 1, line, words, text: words.map((word) => word.text).join(' ') });
      }
    }
  }
  return out;
}

/**
 * Heading lines inside text blocks: old prints set a section's heading ("§. VII.", "II.", "Paragraphus
 * I.") centred on a line of its own between two paragraphs, and OCR reads it as the last line of the
 * paragraph before or the first of the one after, so the block's class cannot set it apart. A line is a
 * heading when it opens or closes its paragraph, is short and centred on the text column
 * (`centredLines`), has text under it on the page (a heading heads something), and reads as a section
 * number or names a division ("CAPUT II", "Paragraphus I."), or is a mark OCR could not read, centred
 * among the lines of text (`isUnreadSectionMark`). A bare number also needs text above it:
 * alone at the top or foot of a page it is a folio. Lines already labelled (furniture) and blocks that
 * are not text are left alone.
 */
export function headingLines(geometry: PageGeometry, blockClasses: ReadonlyMap<number, BlockClass>, taken: readonly LineLabel[]): LineLabel[] {
  const labelled = new Set(taken.map((label) => `${label.blockNum}/${label.parNum}/${label.lineNum}`));
  const textBlocks = new Set(
    geometry.page.blocks
      .filter((block) => {
        const role = blockRole(blockClasses.get(block.blockNum) ?? 'BODY');
        return role === 'prose' || role === 'other';
      })
      .map((block) => block.blockNum),
  );
  const bodyLines = geometry.bodyLines.map((placed) => placed.line);
  const { lineHeight, page } = geometry;
  return centredLines(geometry, textBlocks).flatMap((candidate) => {
    if (labelled.has(`${candidate.blockNum}/${candidate.parNum}/${candidate.lineNum}`)) return [];
    const division = isDivisionLabel(candidate.text);
    const section = !division && isSectionNumber(candidate.text);
    const unread = !division && !section && isUnreadSectionMark(geometry, candidate.line);
    if (!division && !section && !unread) return [];
    const { line } = candidate;
    const bottom = line.bbox.y + line.bbox.height;
    const below = bodyLines.some((other) => other !== line && other.bbox.y >= bottom - 0.3 * lineHeight);
    const above = bodyLines.some((other) => other !== line && other.bbox.y + other.bbox.height <= line.bbox.y + 0.3 * lineHeight);
    if (!below || (!division && !above) || bottom > page.height) return [];
    const { blockNum, parNum, lineNum } = candidate;
    return [{ blockNum, parNum, lineNum, classification: 'SECTION_HEADING' as const, confidence: division ? 0.75 : unread ? 0.5 : 0.7 }];
  });
}
