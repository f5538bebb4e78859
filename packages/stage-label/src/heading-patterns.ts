import { parseRoman } from './page-number-text.js';

/**
 * The words books print over their divisions, followed by the division's number: "CHAPTER IV",
 * "Chapter 12", "BOOK THE SECOND", "Part One", "Kapitel 3", "Capitolo II", "Chapitre premier",
 * "Erstes Buch", "LIBER II". Matched on a short block only: a line of text that happens to start
 * with "Part two of the argument" is long, and the labeller looks at layout too.
 */

/** Division words, several languages. */
const DIVISION = [
  'chapter',
  'chap\\.',
  'book',
  'part',
  'section',
  'canto',
  'act',
  'letter',
  'lecture',
  'lesson',
  'essay',
  'volume',
  'vol\\.',
  'kapitel',
  'buch',
  'teil',
  'abschnitt',
  'hauptstück',
  // Older German spellings ("Das dritte Capitel", "Erster Theil") and Latin school divisions.
  'theil',
  'capitel',
  'sectio',
  // "Paragraphus I." opens a section of an old Latin or German treatise.
  'paragraphus',
  'paragraph',
  'articulus',
  'quaestio',
  'disputatio',
  'chapitre',
  'livre',
  'partie',
  'capitolo',
  'libro',
  'parte',
  'capítulo',
  'capitulo',
  'liber',
  'caput',
  'cap\\.',
  'hoofdstuk',
  'deel',
  'kapittel',
  'luku',
  'rozdział',
  'глава',
  'часть',
].join('|');

/** Numbers as books print them: figures, roman numerals, words and ordinals. */
const NUMBER = [
  '\\d{1,3}',
  '[ivxlcdm]{1,7}',
  'one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty',
  '(?:the\\s+)?(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|last)',
  'premier|première|primo|primero|uno',
  // Latin ordinals as old prints set them ("LIBER PRIMUS", "CAPUT SECUNDUM").
  '(?:prim|secund|terti|quart|quint|sext|septim|octav|non|decim)(?:us|um|a)',
].join('|');

/** "CHAPTER IV", "Chapter 12.", "BOOK THE SECOND", "Kapitel 3", "Capitolo II", "Chapitre premier". */
const LABEL_THEN_NUMBER = new RegExp(`^[^\\p{L}\\p{N}]*(?:${DIVISION})(?:\\s+|\\s*(?=\\d))(${NUMBER})(?=$|[^\\p{L}])`, 'iu');
/** "Erstes Kapitel", "Zweites Buch", "First Part", "Livre premier" is above. */
const ORDINAL_THEN_LABEL =
  /^[^\p{L}\p{N}]*(?:(?:das|der|die|the)\s+)?(\p{L}+(?:es|er|te|th|st|nd|rd)|first|second|third)\s+(?:kapitel|capitel|buch|teil|theil|abschnitt|book|part|chapter)(?=$|[^\p{L}])/iu;
/** Named divisions that need no number. */
const NAMED =
  /^[^\p{L}\p{N}]*(?:prologue|epilogue|preface|foreword|introduction|contents|appendix|index|glossary|bibliography|acknowledg|vorrede|vorwort|einleitung|zuschrift|praefatio|præfatio|dedicatio|préface|avant-propos|prefazione|introduzione|prefacio|prólogo)/iu;

/** The block opens a division of the book by its own words ("CHAPTER IV", "Kapitel 3", "BOOK II."). */
export function isDivisionLabel(text: string): boolean {
  const first = text.trim().split('\n')[0] ?? '';
  return LABEL_THEN_NUMBER.test(first) || ORDINAL_THEN_LABEL.test(first);
}

/** The block names a part of the book that needs no number ("PREFACE", "Introduction", "Vorrede"). */
export function isNamedDivision(text: string): boolean {
  return NAMED.test(text.trim());
}

/**
 * What follows the division label on the same line: "CHAPTER IV. THE RETURN 47" -> "THE RETURN 47",
 * so a page number at the end of a running head "CHAPTER IV 47" is told from the chapter's own number.
 */
export function afterDivisionLabel(line: string): string | null {
  const match = LABEL_THEN_NUMBER.exec(line) ?? ORDINAL_THEN_LABEL.exec(line);
  return match ? line.slice(match[0].length).replace(/^[\s.:,;—–-]+/u, '') : null;
}

/**
 * The number of the division a line names ("SECTIO III." -> "3", "Chapter 12" -> "12", "Erstes
 * Kapitel" -> "erstes"), or null when the line names none or its numeral is no numeral ("SECTIO IIL",
 * misread). Two rows that name a division with different numbers ("CHAPTER IV", "CHAPTER V") are two
 * openings, never one running head; an unreadable number decides nothing.
 */
export function divisionNumber(line: string): string | null {
  const first = line.trim().split('\n')[0] ?? '';
  const match = LABEL_THEN_NUMBER.exec(first) ?? ORDINAL_THEN_LABEL.exec(first);
  const number = match?.[1]?.toLowerCase().replace(/\s+/gu, ' ');
  if (!number) return null;
  if (/^\d+$/u.test(number)) return String(Number(number));
  if (/^[ivxlcdm]+$/u.test(number)) {
    const value = parseRoman(number);
    return value === null ? null : String(value);
  }
  return number;
}
