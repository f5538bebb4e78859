/**
 * The deterministic metadata reader: title, author, year, publisher, ISBN and language from the OCR
 * of a book's first pages, each with a confidence and the page and line it came from. Pure: OCR
 * pages in, readings out; nothing is read from or written to storage here.
 *
 * What it relies on, as printed books lay them out:
 * - the title page is sparse (few lines, few words) and its title is in the largest type of the
 *   first pages (OCR line boxes give the type size as line height);
 * - the author follows "by" / "BY", on its own line or the next;
 * - the year stands near "copyright", "©", "published", "printed", "entered"..., or alone at the
 *   foot of the title page, in digits or roman numerals;
 * - the publisher follows "published by", or sits in the imprint at the foot of the title page;
 * - an ISBN is labelled and has a valid check digit;
 * - the language shows in its commonest words.
 * A value found only in running text (a year in a preface, a name after "by" mid-sentence) gets a
 * confidence under DEFAULT_MIN_METADATA_CONFIDENCE (book-metadata.ts), so it is reported but never written.
 */
import type { OcrPage } from '@bookpipe/contracts';
import type { BookMetadataReading, BookMetadataValues, MetadataField, MetadataReading } from './book-metadata.js';
import { findIsbns } from './isbn.js';
import { GUESSED_LANGUAGES, guessLanguage, languageOfTesseractCode } from './language-guess.js';
import { findYears } from './roman-year.js';

export interface ReadMetadataOptions {
  /**
   * The OCR language option (tesseract codes, `+`-separated). A single language the stopword count
   * agrees with raises the language's confidence; with too few words to count, it is the answer
   * (unconfident: it is what the user asked tesseract for, not what the pages show).
   * @default the `engine.language` of the first page
   */
  ocrLanguage?: string;
  /** Latest year accepted as a publication year. @default next year */
  latestYear?: number;
}

/** A line of OCR text with what the reader needs: where it is, how tall, how sure OCR was. */
interface Line {
  page: number;
  text: string;
  /** Type size: the median height of the line's words (a speck of dirt or an ornament stretches the line's box, not the median). */
  height: number;
  top: number;
  /** 0..1 of the page's height, at the line's middle. */
  position: number;
  confidence: number;
  /** Lines of the paragraph the line belongs to (body text comes in paragraphs of several lines). */
  paragraphLines: number;
}

interface Page {
  number: number;
  lines: Line[];
  words: number;
  /** Few lines and few words: a title, half-title, copyright or dedication page, not running text. */
  sparse: boolean;
  /** Has a paragraph of several lines: running text (a preface, a chapter opening), not a title page. */
  hasBodyText: boolean;
}

/** A page with at most this many lines and words can be a title or copyright page. */
const SPARSE_MAX_LINES = 30;
const SPARSE_MAX_WORDS = 120;
/** A title line is at least this many times taller than the body text's lines. */
const TITLE_MIN_RATIO = 1.3;
/** A paragraph of this many lines is running text. */
const BODY_PARAGRAPH_LINES = 4;
/** OCR confidence under which a large line is more likely an ornament, a stamp or noise than a title. */
const TITLE_MIN_OCR_CONFIDENCE = 0.5;

/** Headings that are large on the first pages but are not the book's title. */
const GENERIC_HEADINGS =
  /^(preface|contents|table of contents|introduction|introductory|chapter|prologue|epilogue|dedication|foreword|index|errata|illustrations|list of illustrations|appendix|note|notes|advertisement|vorrede|vorwort|einleitung|inhalt|inhaltsverzeichnis|kapitel|préface|preface|avant propos|table des matières|table|chapitre|praefatio|prooemium|prolegomena|book|part|volume|vol|tome|band|liber|caput)\b/i;

const CONNECTORS = new Set(['and', '&', 'de', 'du', 'von', 'van', 'der', 'den', 'la', 'le', 'di', 'da', 'y', 'et', 'und']);

/**
 * Reads the book's metadata from its first pages (pass them in page order; 6 to 10 pages usually
 * reach past the covers, endpapers and frontispiece to the title and copyright pages).
 */
export function readMetadata(pages: readonly OcrPage[], options: ReadMetadataOptions = {}): BookMetadataReading {
  const latestYear = options.latestYear ?? new Date().getFullYear() + 1;
  const ocrLanguage = options.ocrLanguage ?? pages[0]?.engine.language;
  const book = pages.map(toPage);
  const bodyHeight = bodyLineHeight(book);
  const titlePage = findTitlePage(book, bodyHeight);

  const reading: BookMetadataReading = {};
  const title = titlePage && readTitle(titlePage.page, titlePage.line, bodyHeight);
  if (title) reading.title = title;
  setBest(reading, 'author', readAuthors(book, titlePage?.page));
  // Several years on a copyright page (editions, reprints): the earliest is the publication year.
  setBest(reading, 'year', readYears(book, titlePage?.page, latestYear), (a, b) => a.value - b.value);
  setBest(reading, 'publisher', readPublishers(book, titlePage?.page, title?.value));
  setBest(reading, 'isbn', readIsbns(book));
  const language = readLanguage(book, ocrLanguage);
  if (language) reading.language = language;
  return reading;
}

function toPage(page: OcrPage): Page {
  const lines: Line[] = [];
  let words = 0;
  let hasBodyText = false;
  for (const block of page.blocks) {
    for (const paragraph of block.paragraphs) {
      if (paragraph.lines.length >= BODY_PARAGRAPH_LINES) hasBodyText = true;
      for (const line of paragraph.lines) {
        const text = line.text.replace(/\s+/g, ' ').trim();
        if (text === '' || !/[\p{L}\p{N}]/u.test(text)) continue;
        words += text.split(' ').length;
        lines.push({
          page: page.pageNumber,
          text,
          height: line.words.length > 0 ? median(line.words.map((w) => w.bbox.height)) : line.bbox.height,
          top: line.bbox.y,
          position: (line.bbox.y + line.bbox.height / 2) / page.height,
          confidence: line.confidence,
          paragraphLines: paragraph.lines.length,
        });
      }
    }
  }
  lines.sort((a, b) => a.top - b.top);
  const sparse = lines.length > 0 && lines.length <= SPARSE_MAX_LINES && words <= SPARSE_MAX_WORDS;
  return { number: page.pageNumber, lines, words, sparse, hasBodyText };
}

/**
 * The lines of the first pages in reading order, each with its type size relative to the body text
 * (1 = body, 2 = twice as tall), for a prompt that lets a model see what is set large.
 */
export function pageLines(pages: readonly OcrPage[]): Array<{ page: number; lines: Array<{ text: string; size: number }> }> {
  const book = pages.map(toPage);
  const body = bodyLineHeight(book);
  return book.map((p) => ({ page: p.number, lines: p.lines.map((l) => ({ text: l.text, size: body > 0 ? round(l.height / body) : 1 })) }));
}

/** Median height of body-text lines (paragraphs of 3+ lines), else of every line: the reference type size. */
function bodyLineHeight(book: readonly Page[]): number {
  const all = book.flatMap((p) => p.lines);
  const body = all.filter((l) => l.paragraphLines >= 3);
  return median((body.length >= 5 ? body : all).map((l) => l.height));
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const letters = (text: string) => (text.match(/\p{L}/gu) ?? []).length;
const letterShare = (text: string) => letters(text) / Math.max(1, text.replace(/\s/g, '').length);
const isByLine = (text: string) => /^by\b/i.test(text);

/** Could this line be (part of) a title: mostly letters, not a heading such as PREFACE, not a date or a by-line. */
function titleLike(line: Line): boolean {
  const plain = line.text
    .replace(/[^\p{L}\s]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return letters(line.text) >= 3 && letterShare(line.text) >= 0.6 && !GENERIC_HEADINGS.test(plain) && !isByLine(line.text) && findYears(line.text).length === 0;
}

/** The sparse page whose largest title-like line is the largest of the first pages, with that line. */
function findTitlePage(book: readonly Page[], bodyHeight: number): { page: Page; line: Line } | undefined {
  let best: { page: Page; line: Line } | undefined;
  for (const page of book) {
    if (!page.sparse || page.hasBodyText || bodyHeight <= 0) continue;
    for (const line of page.lines) {
      if (line.height < TITLE_MIN_RATIO * bodyHeight || line.confidence < TITLE_MIN_OCR_CONFIDENCE || !titleLike(line)) continue;
      if (!best || line.height > best.line.height * 1.1) best = { page, line };
    }
  }
  return best;
}

/** The title: the largest line and its neighbours in (nearly) the same type, joined. */
function readTitle(page: Page, largest: Line, bodyHeight: number): MetadataReading<string> | undefined {
  const index = page.lines.indexOf(largest);
  const inTitle = (line: Line | undefined, previous: Line): line is Line =>
    line !== undefined &&
    line.height >= 0.8 * largest.height &&
    titleLike(line) &&
    // Close below or above: a title set on two lines, not another heading further down.
    Math.abs(line.top - previous.top) <= 2.5 * largest.height;
  let first = index;
  let last = index;
  while (inTitle(page.lines[first - 1], page.lines[first]!)) first--;
  while (inTitle(page.lines[last + 1], page.lines[last]!)) last++;
  const lines = page.lines.slice(first, last + 1);
  const text = lines
    .map((l) => l.text)
    .join(' ')
    .replace(/[\s.,;:]+$/, '');
  const value = smartCase(text);
  if (letters(value) < 3) return undefined;

  const ratio = largest.height / bodyHeight;
  const ocrConfidence = lines.reduce((s, l) => s + l.confidence, 0) / lines.length;
  const titlePageSigns =
    page.lines.some((l) => isByLine(l.text) || /^by\.?$/i.test(l.text)) || page.lines.some((l) => l.position > 0.6 && findYears(l.text).length > 0);
  let confidence = 0.55;
  if (ratio >= 1.5) confidence += 0.15;
  if (titlePageSigns) confidence += 0.1;
  if (ocrConfidence >= 0.75) confidence += 0.1;
  if (letterShare(text) < 0.8) confidence -= 0.3;
  return {
    value,
    confidence: round(Math.min(0.9, confidence)),
    evidence: { page: page.number, line: lines.map((l) => l.text).join(' / ') },
    method: 'deterministic',
  };
}

/** Title-cases a line printed in capitals ("THE PATIENT PAGE" -> "The Patient Page"); other text is kept as printed. */
export function smartCase(text: string): string {
  const cased = text.replace(/\s+/g, ' ').trim();
  if (/\p{Ll}/u.test(cased)) return cased;
  const small = new Set([
    'a',
    'an',
    'and',
    'as',
    'at',
    'by',
    'for',
    'in',
    'of',
    'on',
    'or',
    'the',
    'to',
    'with',
    'de',
    'la',
    'le',
    'du',
    'des',
    'von',
    'und',
    'der',
    'et',
  ]);
  return cased
    .toLowerCase()
    .split(' ')
    .map((word, i) => {
      if (i > 0 && small.has(word)) return word;
      // Initials and hyphenated names: "l." -> "L.", "jean-paul" -> "Jean-Paul".
      return word.replace(/(^|[-'’.(])(\p{L})/gu, (_m, before: string, letter: string) => before + letter.toUpperCase());
    })
    .join(' ');
}

/** A person's or firm's name as printed: 1-6 capitalised words (connectors allowed), no digits. */
function cleanName(raw: string): string | undefined {
  let text = raw
    .replace(/\s+/g, ' ')
    // "by JOHN SMITH, AUTHOR OF ..." / "..., M.A." : the name is before the comma.
    .split(/,\s*(?=author\b|late\b|sometime\b|formerly\b|professor\b|with\b|illustrated\b)/i)[0]!
    .replace(/^[\s:,.-]+|[\s,;:]+$/g, '')
    .trim();
  if (!/\b(?:Co|Ltd|Inc|Jr|Sr)\.$/.test(text) && !/\s\p{Lu}\.$/u.test(text)) text = text.replace(/\.$/, '');
  if (text === '' || /\d/.test(text)) return undefined;
  const words = text.split(' ');
  if (words.length > 6 || letters(text) < 4) return undefined;
  if (!words.every((w) => /^[\p{Lu}]/u.test(w) || CONNECTORS.has(w.toLowerCase()))) return undefined;
  if (!/^\p{Lu}/u.test(words[0]!)) return undefined;
  return smartCase(text);
}

type Candidate<V> = MetadataReading<V>;

function candidate<V>(value: V, confidence: number, line: Line): Candidate<V> {
  return { value, confidence, evidence: { page: line.page, line: line.text }, method: 'deterministic' };
}

/** Keeps the most confident candidate; agreement between two independent lines raises its confidence. */
function setBest<F extends MetadataField>(
  reading: BookMetadataReading,
  field: F,
  candidates: Array<Candidate<BookMetadataValues[F]>>,
  prefer?: (a: Candidate<BookMetadataValues[F]>, b: Candidate<BookMetadataValues[F]>) => number,
): void {
  if (candidates.length === 0) return;
  const key = (v: unknown) =>
    String(v)
      .toLowerCase()
      .replace(/[^\p{L}\p{N}]/gu, '');
  const sorted = [...candidates].sort((a, b) => b.confidence - a.confidence || (prefer?.(a, b) ?? 0));
  const best = { ...sorted[0]! };
  const agreeing = candidates.filter(
    (c) =>
      c !== sorted[0] &&
      key(c.value) === key(best.value) &&
      c.confidence >= 0.5 &&
      (c.evidence.page !== best.evidence.page || c.evidence.line !== best.evidence.line),
  );
  if (agreeing.length > 0) best.confidence = round(Math.min(0.95, best.confidence + 0.1));
  reading[field] = best as BookMetadataReading[F];
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

/** Confidence of a line's evidence by where it is: the title page, another sparse page, or running text. */
function placeConfidence(page: Page, titlePage: Page | undefined, onTitlePage: number, onSparsePage: number, inText: number): number {
  if (page === titlePage) return onTitlePage;
  return page.sparse ? onSparsePage : inText;
}

function readAuthors(book: readonly Page[], titlePage: Page | undefined): Array<Candidate<string>> {
  const found: Array<Candidate<string>> = [];
  for (const page of book) {
    page.lines.forEach((line, i) => {
      // "by John Smith" / "BY JOHN SMITH" on a line of its own, or "BY" then the name on the next line.
      const own = /^by[\s:,.]+(.+)$/i.exec(line.text);
      const nextLine = /^by[.:,]?$/i.test(line.text) ? page.lines[i + 1] : undefined;
      const raw = own?.[1] ?? nextLine?.text;
      const name = raw === undefined ? undefined : cleanName(raw);
      if (name)
        found.push(candidate(name, placeConfidence(page, titlePage, 0.85, 0.75, 0.45), nextLine ? { ...line, text: `${line.text} / ${nextLine.text}` } : line));

      // The copyright holder ("Copyright © 1923 Margaret Hale", "Entered ... in the year 1892, by Richard L. Campbell"):
      // usually the author, but a publisher or an heir as often, so it only confirms a by-line.
      const holder =
        /(?:copyright|©|\(c\))[\s,.]*(?:(?:\d{4}|[MDCLXVI.]{4,})[\s,.]*)?(?:by\s+)?(\p{Lu}[\p{L}.'’-]*(?:\s+(?:\p{Lu}[\p{L}.'’-]*|and|&|de|von|van)){1,5})/iu.exec(
          line.text,
        ) ?? /\bentered\b.*\bby\s+(\p{Lu}[\p{L}.'’-]*(?:\s+\p{Lu}[\p{L}.'’-]*){1,5})/u.exec(line.text);
      const holderName = holder?.[1] && cleanName(holder[1].replace(/\s+(?:All|in|at)\b.*$/, ''));
      if (holderName && !/^(?:all rights|by)\b/i.test(holderName)) found.push(candidate(holderName, page.sparse ? 0.6 : 0.4, line));
    });
  }
  return found;
}

const YEAR_CONTEXT =
  /copyright|©|\(c\)|\bpublished|\bprinted|\bentered|\bimpressum|\bgedruckt|\bimprim|\banno\b|\bedition|\bverlag|\bdruck|\bfirst issued|\breprinted/i;

function readYears(book: readonly Page[], titlePage: Page | undefined, latestYear: number): Array<Candidate<number>> {
  const found: Array<Candidate<number>> = [];
  for (const page of book) {
    for (const line of page.lines) {
      for (const match of findYears(line.text, latestYear)) {
        let confidence: number;
        if (YEAR_CONTEXT.test(line.text)) confidence = page.sparse ? 0.85 : 0.5;
        else if (letters(line.text.replace(match.text, '')) <= 25 && line.position > 0.5 && page.sparse) {
          // The imprint at the foot of a title page: "1892", "LONDON: SMITH, ELDER & CO. MDCCCXCII."
          confidence = page === titlePage ? 0.8 : 0.7;
        } else confidence = page.sparse ? 0.45 : 0.3;
        found.push(candidate(match.year, confidence, line));
      }
    }
  }
  return found;
}

function readPublishers(book: readonly Page[], titlePage: Page | undefined, title: string | undefined): Array<Candidate<string>> {
  const found: Array<Candidate<string>> = [];
  const keyword =
    /\b(press|publishers?|publishing|company|sons|brothers|bros|verlag|verlagsbuchhandlung|buchhandlung|librairie|libraire|éditeurs?|editions|éditions|imprimerie|typis|books|& co)\b/i;
  for (const page of book) {
    page.lines.forEach((line, i) => {
      const published = /\b(?:published|issued|printed)\s+(?:in\s+[\p{L}\d]+\s+)?(?:by|for)\s+(.+)$/iu.exec(line.text);
      const publishedName = published && cleanName(published[1]!.split(/[;]|,\s*(?=\d|in\b)/)[0]!);
      if (publishedName) found.push(candidate(publishedName, placeConfidence(page, titlePage, 0.8, 0.8, 0.45), line));

      // The imprint: the lower part of the title page, a firm's name, often after the place and before the year.
      if (page === titlePage && line.position > 0.55 && !isByLine(line.text)) {
        const withoutPlace = line.text.replace(/^[\p{L} .]{2,25}:\s*/u, '').replace(/[,.\s]*(?:\d{4}|[MDCLXVI.]{4,})\.?$/, '');
        const name = cleanName(withoutPlace);
        if (name && name !== title && (keyword.test(line.text) || / & /.test(line.text))) {
          found.push(candidate(name, keyword.test(line.text) ? 0.75 : 0.7, line));
        } else if (name && name !== title && findYears(page.lines[i + 1]?.text ?? '').length > 0) {
          // A line just above the imprint year, without a publisher's word: a guess.
          found.push(candidate(name, 0.5, line));
        }
      }
    });
  }
  return found;
}

function readIsbns(book: readonly Page[]): Array<Candidate<string>> {
  return book.flatMap((page) => page.lines.flatMap((line) => findIsbns(line.text).map((m) => candidate(m.isbn, m.labelled ? 0.95 : 0.75, line))));
}

function readLanguage(book: readonly Page[], ocrLanguage: string | undefined): MetadataReading<string> | undefined {
  const text = book.flatMap((p) => p.lines.map((l) => l.text)).join(' ');
  const guess = guessLanguage(text);
  const ocrLanguages = (ocrLanguage ?? '').split('+').filter(Boolean);
  const fromOcr = ocrLanguages.length === 1 ? languageOfTesseractCode(ocrLanguages[0]!) : undefined;
  const firstPage = book.find((p) => p.lines.length > 0)?.number ?? book[0]?.number ?? 1;
  if (guess && guess.words >= 40 && guess.share >= 0.1 && guess.share >= 1.8 * guess.runnerUpShare) {
    const agrees = fromOcr === guess.language;
    return {
      value: guess.language,
      confidence: agrees ? 0.9 : 0.8,
      evidence: {
        page: firstPage,
        line: `stopwords: ${(guess.share * 100).toFixed(0)}% of ${guess.words} words (${GUESSED_LANGUAGES[guess.language].tesseract}), next ${(guess.runnerUpShare * 100).toFixed(0)}%${agrees ? '; OCR language agrees' : ''}`,
      },
      method: 'deterministic',
    };
  }
  if (fromOcr) {
    return {
      value: fromOcr,
      confidence: 0.5,
      evidence: { page: firstPage, line: `OCR language option "${ocrLanguage}" (the stopword count was not decisive)` },
      method: 'deterministic',
    };
  }
  return undefined;
}
