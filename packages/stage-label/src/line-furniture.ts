import type { LineClass, LineLabel, OcrLine, OcrPage, OcrWord } from '@bookpipe/contracts';
import { divisionNumber, isDivisionLabel } from './heading-patterns.js';
import { type NumberToken, numberOnly, readNumberToken } from './page-numbers.js';
import { bestRepeats, repeatSimilarity } from './running-headers.js';

export interface LineFurnitureOptions {
  /**
   * Pages either side (by scan page number) where a running head is looked for again: heads alternate
   * between versos and rectos, so pages two apart count as much as neighbours.
   * @default 3
   */
  repeatWindow?: number;
  /**
   * Similarity (letters only, digits ignored) from which two heads count as the same text.
   * @default 0.6
   */
  repeatSimilarity?: number;
}

/** An OCR line with its numbers in the page (all 1-based). */
export interface PlacedLine {
  blockNum: number;
  parNum: number;
  lineNum: number;
  line: OcrLine;
}

/** An OCR word with the line it belongs to and its rank there (1-based). */
export interface PlacedWord {
  at: PlacedLine;
  rank: number;
  word: OcrWord;
}

/** Lines OCR read side by side at one height: a running head and its folio may be two OCR lines, even two blocks. */
export interface Row {
  lines: PlacedLine[];
  words: PlacedWord[];
  top: number;
  bottom: number;
}

/** What the top row of a page offers as a running head. */
interface TopRow {
  row: Row;
  /** The words of the head, the folio left out. */
  head: PlacedWord[];
  /** The word at the outer end that may be the folio, and its reading when it is a numeral. */
  folio: { word: PlacedWord; number: NumberToken | null; apart: boolean } | null;
  key: string;
  /** Row height over the body's line height: a chapter title is set larger. */
  scale: number;
}

export interface PageGeometry {
  page: OcrPage;
  lineHeight: number;
  /** Left and right of the text column: the body lines' median edges. */
  left: number;
  right: number;
  /** The body is one column of text (not verse over a commentary in two): only then has it margins for notes. */
  oneColumn: boolean;
  rows: Row[];
  /** Lines that are text of the body: four words or more, most of the column wide. */
  bodyLines: PlacedLine[];
  usable: PlacedLine[];
}

const hasInk = (text: string) => /[\p{L}\p{N}]/u.test(text);
const letters = (text: string) => (text.match(/\p{L}/gu) ?? []).length;
/**
 * Whether a line has at least `n` words of two letters or more ("D 3 tots" has one, a line of text has
 * many), counting no further than `n`: every line of every page is asked.
 */
function hasRealWords(line: OcrLine, n: number): boolean {
  let found = 0;
  for (const word of line.words) if (/\p{L}{2}/u.test(word.text) && ++found >= n) return true;
  return found >= n;
}
const right = (box: { x: number; width: number }) => box.x + box.width;

/** A printer's signature mark: A2, B 3, Aa3, )( 2, * 4, b iij (a gathering letter, then its leaf). */
const SIGNATURE = /^(?:[A-Z]{1,2}|[A-Z][a-z]|\){1,2}\s?\({1,2}|\*{1,3}|[a-z]{1,2}(?=\s?[\divx]))\s?(?:\d{1,2}|[ivxj]{1,4}|[IVX]{1,4})?$/u;

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(q * (sorted.length - 1) + 0.5)))] ?? 0;
}

/** The page's body line height, text column, rows over the column and body lines: what furniture is told apart by. */
export function measure(page: OcrPage): PageGeometry {
  const lines: PlacedLine[] = page.blocks.flatMap((block) =>
    block.paragraphs.flatMap((paragraph) =>
      paragraph.lines.map((line, index) => ({ blockNum: block.blockNum, parNum: paragraph.parNum, lineNum: index + 1, line })),
    ),
  );
  const inked = lines.filter(({ line }) => hasInk(line.text));
  const textLines = inked.filter(({ line }) => line.words.length >= 3);
  const lineHeight =
    quantile(
      (textLines.length > 0 ? textLines : inked).map(({ line }) => line.bbox.height),
      0.5,
    ) || 1;
  // A rule read as letters is thin; a strip of the gutter or a picture's edge is tall and narrow.
  // A line's box can be lower than its words (a speck beside a catch-word pulls it down): the tallest word counts too.
  const inkHeight = (line: OcrLine) => Math.max(line.bbox.height, ...line.words.filter((word) => hasInk(word.text)).map((word) => word.bbox.height));
  const usable = inked.filter(
    ({ line }) => inkHeight(line) >= 0.4 * lineHeight && line.bbox.height <= 2.5 * lineHeight && line.bbox.height <= 2 * line.bbox.width,
  );
  const wordy = usable.filter(({ line }) => hasRealWords(line, 4));
  const widest = quantile(
    wordy.map(({ line }) => line.bbox.width),
    0.9,
  );
  const bodyLines = wordy.filter(({ line }) => line.bbox.width >= 0.5 * widest && line.bbox.height >= 0.6 * lineHeight);
  // The median edges: a marginal note OCR read onto a text line, or an indented line, moves one line's edge, not the column's.
  const left =
    bodyLines.length > 0
      ? quantile(
          bodyLines.map(({ line }) => line.bbox.x),
          0.5,
        )
      : 0;
  const rightEdge =
    bodyLines.length > 0
      ? quantile(
          bodyLines.map(({ line }) => right(line.bbox)),
          0.5,
        )
      : page.width;
  // Text in two or more columns (a commentary under its verse) has no one column: its median edges span a part of it.
  const hull =
    bodyLines.length > 0
      ? quantile(
          bodyLines.map(({ line }) => right(line.bbox)),
          0.9,
        ) -
        quantile(
          bodyLines.map(({ line }) => line.bbox.x),
          0.1,
        )
      : 0;
  const oneColumn = bodyLines.length > 0 && rightEdge - left >= 0.8 * hull;

  // Rows over the column: a line joins the row whose first line's top is within a little over half a line
  // of its own. Tops, not middles: the last text line's box often reaches down over the catch-word.
  const inColumn = usable
    .filter(({ line }) => right(line.bbox) > left - lineHeight && line.bbox.x < rightEdge + lineHeight)
    .sort((a, b) => a.line.bbox.y - b.line.bbox.y);
  const rows: Row[] = [];
  for (const placed of inColumn) {
    const row = rows.at(-1);
    const first = row?.lines[0]?.line.bbox;
    if (row && first && placed.line.bbox.y - first.y < 0.6 * lineHeight) {
      row.lines.push(placed);
      row.top = Math.min(row.top, placed.line.bbox.y);
      row.bottom = Math.max(row.bottom, placed.line.bbox.y + placed.line.bbox.height);
    } else {
      rows.push({ lines: [placed], words: [], top: placed.line.bbox.y, bottom: placed.line.bbox.y + placed.line.bbox.height });
    }
  }
  for (const row of rows) {
    row.words = row.lines.flatMap((at) => at.line.words.map((word, index) => ({ at, rank: index + 1, word }))).sort((a, b) => a.word.bbox.x - b.word.bbox.x);
  }
  return { page, lineHeight, left, right: rightEdge, oneColumn, rows, bodyLines, usable };
}

const textOf = (words: readonly PlacedWord[]) =>
  words
    .map((entry) => entry.word.text)
    .join(' ')
    .trim();

type Side = 'left' | 'right';

/**
 * The top row's head and folio: the folio is a numeral at either end, or a short word set apart there.
 * `side` is where the book's other pages of this parity print their folio (versos and rectos differ):
 * a numeral there comes first, and there a misread folio may even be a mark with no letter ("©" for 12).
 */
function readTopRow(geometry: PageGeometry, side?: Side, expected?: ReadonlySet<number>): TopRow | null {
  const row = geometry.rows[0];
  const firstBody = geometry.bodyLines.reduce((top, { line }) => Math.min(top, line.bbox.y), Number.POSITIVE_INFINITY);
  // The top row must be above the body text, or be its first line (a head OCR read into the first block).
  if (!row || row.top > firstBody + geometry.lineHeight || row.top > 0.35 * geometry.page.height) return null;
  // Specks OCR read as marks are far smaller than type; they would pass for a folio at the row's end.
  const words = row.words.filter((entry) => entry.word.text.trim() !== '' && entry.word.bbox.height >= 0.35 * geometry.lineHeight);
  if (words.length === 0) return null;
  const ends = words.length === 1 ? [0] : [0, words.length - 1];
  const candidates = ends.map((index) => {
    const entry = words[index] as PlacedWord;
    const neighbour = words[index === 0 ? 1 : index - 1];
    const gap = neighbour ? (index === 0 ? neighbour.word.bbox.x - right(entry.word.bbox) : entry.word.bbox.x - right(neighbour.word.bbox)) : Infinity;
    const core = entry.word.text.replace(/[^\p{L}\p{N}$]/gu, '');
    const at: Side = index === 0 && words.length > 1 ? 'left' : 'right';
    const mark = /^[^\p{L}\p{N}\s\-–—.,:;]{1,2}$/u.test(entry.word.text.trim());
    // Words of a head are set about a third of a line apart, even spaced capitals; a folio stands further off.
    return {
      index,
      entry,
      at,
      number: readNumberToken(entry.word.text),
      // A misread folio is two marks or so ("sa" for 50); "THE" at the start of a spaced head is a word.
      short: (core.length > 0 && (core.length <= 2 || (core.length <= 3 && /[\d$]/u.test(core)))) || (mark && at === side),
      apart: gap >= 0.6 * geometry.lineHeight,
    };
  });
  const there = candidates.filter((c) => c.at === side && words.length > 1);
  // The numeral that continues the neighbours' folios first: a speck read "1" at one end of "1 SHifer. 68 IL Sac! 71"
  // is a numeral too. Then a numeral (arabic before roman: "I" or "MIX" at the end of a head are words); else a short word set apart.
  const folio =
    candidates.find((c) => c.number?.style === 'arabic' && expected?.has(Number(c.number.text))) ??
    there.find((c) => c.number?.style === 'arabic') ??
    there.find((c) => (c.number !== null || c.short) && c.apart) ??
    candidates.find((c) => c.number?.style === 'arabic') ??
    candidates.find((c) => c.number !== null && c.apart) ??
    candidates
      .filter((c) => c.short && c.apart && words.length > 1)
      .sort((a, b) => Number(b.entry.word.text.length <= 2) - Number(a.entry.word.text.length <= 2))[0];
  const head = withoutStrays(
    words.filter((_, index) => index !== folio?.index),
    geometry.lineHeight,
  );
  return {
    row,
    head,
    folio: folio ? { word: folio.entry, number: folio.number, apart: folio.apart } : null,
    // The folio is already set aside: a numeral OCR glued to a word of the head ("VI.3wxiffel") must not cost the head its word.
    key: textOf(head)
      .normalize('NFKD')
      .toLowerCase()
      .replace(/[^\p{L}]/gu, ''),
    // Measured on the head's words: a folio set lower than the head makes the row's box taller, not its type larger.
    scale: Math.max(...(head.length > 0 ? head : words).map((entry) => entry.word.bbox.height)) / geometry.lineHeight,
  };
}

/**
 * The head without a mark or two OCR read far off at either end ("B" at the gutter's edge, "SE" for a
 * stain): the words of a head, even spaced capitals, stand within a line or so of each other, and the
 * folio is already set aside. Such a mark is no part of the printed head; it stays where OCR put it.
 */
function withoutStrays(head: PlacedWord[], lineHeight: number): PlacedWord[] {
  const stray = (entry: PlacedWord | undefined, neighbour: PlacedWord | undefined) =>
    entry !== undefined &&
    neighbour !== undefined &&
    (entry.word.text.match(/[\p{L}\p{N}]/gu) ?? []).length <= 2 &&
    Math.max(neighbour.word.bbox.x - right(entry.word.bbox), entry.word.bbox.x - right(neighbour.word.bbox)) > 3 * lineHeight;
  let kept = head;
  if (kept.length > 2 && stray(kept[0], kept[1])) kept = kept.slice(1);
  if (kept.length > 2 && stray(kept.at(-1), kept.at(-2))) kept = kept.slice(0, -1);
  return kept;
}

/** The median confidence of the words of the page's body lines (0 when it has none). */
function bodyConfidence(geometry: PageGeometry): number {
  return quantile(
    geometry.bodyLines.flatMap(({ line }) => line.words.filter((word) => hasInk(word.text)).map((word) => word.confidence)),
    0.5,
  );
}

/**
 * Whether a head row's text is an ornament OCR read as letters: every word read with little confidence,
 * and either short marks only ("SLI\"", "wR JSF") or on a page whose text OCR reads well. On a page it
 * reads poorly (a Fraktur print read at a median confidence near 0.4), a running head is read as poorly
 * as the text, but as words of a word's length ("Habledfitiges Cabal,"): that is a head, not an ornament.
 */
function isOrnament(head: readonly PlacedWord[], geometry: PageGeometry): boolean {
  if (!head.every((entry) => entry.word.confidence < 0.5)) return false;
  const wordLength = head.some((entry) => /\p{L}{4}/u.test(entry.word.text));
  return !wordLength || bodyConfidence(geometry) >= 0.7;
}

/**
 * Finds the page furniture of a whole book at line (and word) level, from layout alone. Pages must be
 * in book order. For each page, the furniture lines (see `LineLabelSchema`):
 * - the running head: the top text row over the body's column, when it repeats at about the same
 *   height on a page up to `repeatWindow` away (heads alternate, so every other page counts), or
 *   carries a folio at its outer end; in a book that has heads on most pages, also a short row where
 *   the others' heads sit (read too badly to repeat). Never a chapter title: not a row that names a
 *   division ("CHAPTER IV", "§. 3") unless the same division comes back at head height one or two
 *   pages away ("200 SECTIO III." over a section's pages: repetition outranks the heading patterns),
 *   nor one set larger unless it repeats closely;
 * - the page number: a numeral at the outer end of the head or alone on the top row, a short word set
 *   apart at the head's end (a misread folio), or a numeral alone at the foot;
 * - the catch-word: a lone word (or a broken word's two halves, "non ad-") flush right on a row under
 *   the last line of text, surer when it announces the next page's first word;
 * - the signature mark: a short group centred on that row that reads as a signature (A2, B 3, )( 2, * 4);
 * - marginal notes: lines beside the text column, inside the page (a strip of the facing page, at the
 *   image's edge, is no note of this one).
 */
export function findLineFurniture(pages: readonly OcrPage[], options: LineFurnitureOptions = {}): LineLabel[][] {
  return findLineFurnitureIn(
    pages.map((page) => measure(page)),
    options,
  );
}

/** `findLineFurniture` on pages already measured (`measure`): the labeller measures each page once for furniture and headings. */
export function findLineFurnitureIn(geometries: readonly PageGeometry[], options: LineFurnitureOptions = {}): LineLabel[][] {
  const window = options.repeatWindow ?? 3;
  const minRepeat = options.repeatSimilarity ?? 0.6;
  const pages = geometries.map((geometry) => geometry.page);
  const firstRead = geometries.map((geometry) => readTopRow(geometry));
  // Where each parity of scan page prints its folio, from the pages whose folio reads as a numeral.
  const votes = { 0: { left: 0, right: 0 }, 1: { left: 0, right: 0 } };
  firstRead.forEach((top, index) => {
    if (!top?.folio?.number || top.row.words.length < 2) return;
    const at: Side = top.folio.word === top.row.words[0] ? 'left' : 'right';
    votes[((pages[index] as OcrPage).pageNumber % 2) as 0 | 1][at] += 1;
  });
  // Versos and rectos mirror each other: a folio outside left on one parity is outside right on the other.
  const sideOf = (pageNumber: number): Side | undefined => {
    const own = votes[(pageNumber % 2) as 0 | 1];
    const other = votes[((pageNumber + 1) % 2) as 0 | 1];
    const left = own.left + other.right;
    const right = own.right + other.left;
    return left >= 2 && right <= left / 4 ? 'left' : right >= 2 && left <= right / 4 ? 'right' : undefined;
  };
  // The folio each page would have by its neighbours' clean arabic folios (two scan pages either side), a leaf a page.
  const expectedOf = (index: number): Set<number> => {
    const expected = new Set<number>();
    for (let other = Math.max(0, index - 2); other <= Math.min(pages.length - 1, index + 2); other++) {
      const number = firstRead[other]?.folio?.number;
      if (other === index || number?.style !== 'arabic' || number.weight < 1) continue;
      expected.add(Number(number.text) + (pages[index] as OcrPage).pageNumber - (pages[other] as OcrPage).pageNumber);
    }
    return expected;
  };
  const tops = geometries.map((geometry, index) => readTopRow(geometry, sideOf(geometry.page.pageNumber), expectedOf(index)));

  const candidates = tops.flatMap((top, index) =>
    top ? [{ index, pageNumber: (pages[index] as OcrPage).pageNumber, key: top.key, top: top.row.top / (pages[index] as OcrPage).height }] : [],
  );
  // Compared only with rows at about the same height (`bestRepeats`): a running head keeps its place.
  const repeatScores = bestRepeats(candidates, window);
  const repeatOf = new Map(candidates.map((candidate, at) => [candidate.index, repeatScores[at] ?? 0]));
  // A row that names a division ("200 SECTIO III.") is a running head after all when the same row comes
  // back at head height one or two pages on (heads alternate verso and recto): a chapter's title is
  // printed once. Openings of two short chapters name two numbers ("CHAPTER IV", "CHAPTER V"): no repeat.
  const divisionOf = (top: TopRow) => divisionNumber(textOf(top.head)) ?? divisionNumber(textOf(top.row.words));
  const headRepeatScores = bestRepeats(
    candidates.map((candidate) => ({ ...candidate, division: divisionOf(tops[candidate.index] as TopRow) })),
    Math.min(window, 2),
  );
  const headRepeatOf = new Map(candidates.map((candidate, at) => [candidate.index, headRepeatScores[at] ?? 0]));

  const strongHead = tops.map((top, index) => {
    if (!top || letters(textOf(top.head)) < 3 || top.head.length > 12) return 0;
    // An ornament over the text read as letters ("SLI\"", "FN JFF") is read with little confidence: no head, the folio beside it stays.
    if (isOrnament(top.head, geometries[index] as PageGeometry)) return 0;
    const repeat = repeatOf.get(index) ?? 0;
    // The whole row: "CHAPTER II" must not lose its numeral to a folio and pass for a head.
    const division = isDivisionLabel(textOf(top.row.words)) || isDivisionLabel(textOf(top.head));
    // A chapter title is set larger, or names its division: openings repeat "CHAPTER n" at one height.
    if (top.scale >= 1.4 && repeat < 0.85) return 0;
    if (division) {
      // Repetition close by outranks the heading patterns: the same division named at head height on a
      // neighbouring page is the running head of that division ("SECTIO III." over pages 198 and 200).
      const near = headRepeatOf.get(index) ?? 0;
      return near >= minRepeat ? 0.6 + 0.3 * near : 0;
    }
    if (repeat >= minRepeat) return 0.6 + 0.3 * repeat;
    if (top.folio?.number && top.folio.apart && top.head.length <= 8) return 0.75;
    return 0;
  });
  const withText = geometries.filter((geometry) => geometry.bodyLines.length > 0).length;
  const headPages = strongHead.filter((score) => score > 0).length;
  const bookHasHeads = headPages >= 2 && headPages >= 0.5 * withText;
  const headTop = quantile(
    tops.flatMap((top, index) => (top && (strongHead[index] ?? 0) > 0 ? [top.row.top / (pages[index] as OcrPage).height] : [])),
    0.5,
  );
  const folioPages = tops.filter((top) => top?.folio?.number).length;
  // Where the folio sits in the head line, numerals at the foot are catch-words (years in a catalogue), not folios.
  const folioAtTop = folioPages >= 2 && folioPages >= 0.4 * withText;

  return geometries.map((geometry, index) => {
    const marks = new Map<PlacedWord['word'], { entry: PlacedWord; classification: LineClass; confidence: number }>();
    const mark = (entries: readonly PlacedWord[], classification: LineClass, confidence: number) => {
      for (const entry of entries) if (!marks.has(entry.word)) marks.set(entry.word, { entry, classification, confidence });
    };
    const { page } = geometry;
    const top = tops[index];
    let headScore = strongHead[index] ?? 0;
    if (top && headScore === 0 && bookHasHeads) {
      const inPlace = Math.abs(top.row.top / page.height - headTop) < 0.03;
      const text = textOf(top.head);
      if (inPlace && top.head.length <= 10 && top.scale < 1.4 && letters(text) >= 3 && !isDivisionLabel(text)) headScore = 0.55;
    }
    if (top) {
      const rowText = textOf(top.row.words);
      const alone = numberOnly(rowText);
      if (alone) mark(top.row.words, 'PAGE_NUMBER', 0.75 + 0.15 * alone.weight);
      else if (headScore > 0) {
        if (top.folio && (top.folio.number || (top.folio.apart && bookHasHeads))) {
          mark([top.folio.word], 'PAGE_NUMBER', top.folio.number ? 0.7 + 0.2 * top.folio.number.weight : 0.5);
        }
        mark(top.head, 'HEADER', headScore);
      } else if (top.folio?.number && (top.folio.apart || top.head.every((entry) => !/\p{L}{2}/u.test(entry.word.text))) && !isDivisionLabel(rowText)) {
        // A folio beside an ornament OCR read as marks or letters ("6 = ©", "wR JSF 15"), where no head is.
        mark([top.folio.word], 'PAGE_NUMBER', 0.6 + 0.2 * top.folio.number.weight);
      }
    }

    const next = pages[index + 1];
    const nextFirst = next ? firstWord(geometries[index + 1] as PageGeometry) : null;
    // One catch-word, one signature, one folio a page: a row of speckles under the foot adds none.
    const found = new Set<LineClass>();
    for (const row of footRows(geometry)) footFurniture(geometry, row, { folioAtTop, nextFirst, found, mark });
    if (!found.has('CATCHWORD')) {
      const hanging = hangingCatchword(geometry);
      if (hanging) mark([hanging], 'CATCHWORD', nextFirst && announces(hanging.word.text, nextFirst) ? 0.85 : 0.6);
    }
    const taken = new Set([...(tops[index]?.row.lines ?? []), ...footRows(geometry).flatMap((row) => row.lines)]);
    for (const words of marginalWords(geometry, tops[index]?.row ?? null, taken)) mark(words, 'MARGINALIA', 0.6);
    return toLineLabels([...marks.values()]);
  });
}

/**
 * Rows under the page's last line of text, near it (at most two: catch-word and signature may not line
 * up). The last line's box often reaches down over the foot (descenders, or the catch-word read into
 * it), so the text's bottom is taken a line height under its top.
 */
function footRows(geometry: PageGeometry): Row[] {
  const { rows, bodyLines, lineHeight, page } = geometry;
  if (bodyLines.length === 0) return [];
  const bottom = Math.max(...bodyLines.map(({ line }) => line.bbox.y + Math.min(line.bbox.height, 1.2 * lineHeight)));
  return rows
    .filter((row) => !row.lines.some((placed) => bodyLines.includes(placed)))
    .filter((row) => (row.top + row.bottom) / 2 > bottom - 0.2 * lineHeight && row.top < bottom + 4 * lineHeight && row.top > 0.6 * page.height)
    .slice(0, 2);
}

/**
 * A catch-word OCR read into the page's last line of text: the line's last word, flush right, whose box
 * hangs well below the line's other words (half a line height past their median bottom: more than any
 * descender). Tesseract often takes the catch-word set under the last line's end for one more word of
 * that line ("... auch A", the "A" reaching down over the catch-word's row), so no foot row holds it.
 * Only the last word, and only under a line of text: a big initial or a speck inside the line is not it.
 */
function hangingCatchword(geometry: PageGeometry): PlacedWord | null {
  const { bodyLines, lineHeight, left, right: columnRight } = geometry;
  const last = bodyLines.reduce<PlacedLine | null>((low, placed) => (low === null || placed.line.bbox.y > low.line.bbox.y ? placed : low), null);
  if (!last) return null;
  const inked = last.line.words.map((word, index) => ({ word, rank: index + 1 })).filter(({ word }) => hasInk(word.text));
  const end = inked.at(-1);
  if (!end || inked.length < 4) return null;
  const bottoms = inked.slice(0, -1).map(({ word }) => word.bbox.y + word.bbox.height);
  const hangs = end.word.bbox.y + end.word.bbox.height - quantile(bottoms, 0.5) >= 0.5 * lineHeight;
  const flushRight = right(end.word.bbox) >= columnRight - 0.1 * (columnRight - left);
  if (!hangs || !flushRight || end.word.bbox.height > 2.5 * lineHeight) return null;
  return { at: last, rank: end.rank, word: end.word };
}

/** The first word of the page's text, for a catch-word to announce. */
function firstWord(geometry: PageGeometry): string | null {
  const line = geometry.bodyLines.reduce<PlacedLine | null>((best, placed) => (best === null || placed.line.bbox.y < best.line.bbox.y ? placed : best), null);
  const word = line?.line.words.find((entry) => /\p{L}{2}/u.test(entry.text));
  return word ? word.text : null;
}

/** Whether a catch-word announces the next page's first word ("Luthe-" for "Lutherano", "pau-" for "paulo"). */
function announces(catchword: string, first: string): boolean {
  const a = catchword
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^\p{L}]/gu, '');
  const b = first
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^\p{L}]/gu, '');
  if (a.length < 2 || b.length < 2) return false;
  const hyphenated = /[-‐‑⸗¬=~]$/u.test(catchword.trim());
  return repeatSimilarity(a, hyphenated ? b.slice(0, a.length) : b) >= 0.6;
}

function footFurniture(
  geometry: PageGeometry,
  row: Row,
  context: {
    folioAtTop: boolean;
    nextFirst: string | null;
    found: Set<LineClass>;
    mark: (entries: readonly PlacedWord[], classification: LineClass, confidence: number) => void;
  },
): void {
  const { left, right: columnRight, lineHeight } = geometry;
  const width = columnRight - left;
  // Specks OCR read as a letter are far smaller than type.
  const words = row.words.filter(
    (entry) => (hasInk(entry.word.text) || /^[*)(]+$/.test(entry.word.text.trim())) && entry.word.bbox.height >= 0.35 * lineHeight,
  );
  if (words.length === 0) return;
  const used = new Set<PlacedWord>();

  // Catch-word: the rightmost word, with the word before it when close (a broken compound, "non ad-").
  const last = words.at(-1) as PlacedWord;
  const cluster = [last];
  const before = words.at(-2);
  // Its first half may be misread as no word at all ("802 ad." for "non ad-"): closeness decides, and the cluster must still sit flush right.
  if (before && last.word.bbox.x - right(before.word.bbox) < 0.6 * lineHeight && hasInk(before.word.text) && words.length >= 2) cluster.unshift(before);
  const clusterLeft = (cluster[0] as PlacedWord).word.bbox.x;
  const rest = words.filter((entry) => !cluster.includes(entry));
  const restRight = rest.length > 0 ? Math.max(...rest.map((entry) => right(entry.word.bbox))) : Number.NEGATIVE_INFINITY;
  const flushRight = right(last.word.bbox) >= columnRight - 0.2 * width && clusterLeft >= left + 0.5 * width;
  const setApart = clusterLeft - restRight >= 1.5 * lineHeight;
  const text = textOf(cluster);
  // A paragraph's last line (words of text to the left) is no foot row, unless it stops short and the
  // catch-word stands far off at the right ("Englander gedeckt.      Ob"); a signature's letters are few.
  const textBefore = rest.filter((entry) => /\p{L}{3}/u.test(entry.word.text)).length >= 2;
  if (textBefore && !(restRight <= left + 0.75 * width && clusterLeft - restRight >= 3 * lineHeight)) return;
  // "Ob", "Der" read as signatures by their letters; one with a leaf number ("B 3") is a signature set far right.
  if (flushRight && setApart && hasInk(text) && !(SIGNATURE.test(text) && /[\d*)(]/u.test(text))) {
    const folio = numberOnly(text);
    const kind: LineClass = folio && !context.folioAtTop ? 'PAGE_NUMBER' : 'CATCHWORD';
    if (!context.found.has(kind)) {
      context.mark(
        cluster,
        kind,
        folio && kind === 'PAGE_NUMBER' ? 0.7 + 0.2 * folio.weight : context.nextFirst && announces(text, context.nextFirst) ? 0.9 : 0.7,
      );
      context.found.add(kind);
      for (const entry of cluster) used.add(entry);
    }
  }

  const catchwordHere = cluster.some((entry) => used.has(entry));
  // The rest, in groups of words close together: a signature mark or a folio centred on the row.
  const groups: PlacedWord[][] = [];
  for (const entry of words) {
    if (used.has(entry)) continue;
    const group = groups.at(-1);
    const previous = group?.at(-1);
    if (group && previous && entry.word.bbox.x - right(previous.word.bbox) < 0.8 * lineHeight) group.push(entry);
    else groups.push([entry]);
  }
  const centre = left + width / 2;
  const middleOf = (group: PlacedWord[]) => ((group[0] as PlacedWord).word.bbox.x + right((group.at(-1) as PlacedWord).word.bbox)) / 2;
  // Nearest the middle first: that is where signatures and folios are set.
  groups.sort((a, b) => Math.abs(middleOf(a) - centre) - Math.abs(middleOf(b) - centre));
  for (const group of groups) {
    // OCR sets a signature in brackets or bars it never had ("[S3]" for "* 5").
    const groupText = textOf(group)
      .replace(/[[\]|{}]/g, '')
      .trim();
    if (Math.abs(middleOf(group) - centre) > 0.25 * width || group.length > 3) continue;
    // A letter or a star makes it a signature ("* 4" is not folio 4); a bare numeral is the folio.
    const folio = numberOnly(groupText);
    // Or one word of a pair is a whole signature, a letter and a leaf number, beside a mark OCR misread
    // ("FX [S3]": the margin pass read the star of "* 5" that the page read left out as "FX").
    const pattern = (SIGNATURE.test(groupText) && /[\p{L}*)(]/u.test(groupText)) || (group.length === 2 && group.some(isWholeSignature));
    // Beside a catch-word, the only other thing an early print sets mid-foot is its signature, however OCR
    // read it ("i" for "N 4"); where heads carry the folios, a short group there is no folio either.
    const beside =
      !pattern &&
      catchwordHere &&
      context.folioAtTop &&
      Math.abs(middleOf(group) - centre) <= 0.15 * width &&
      group.length <= 2 &&
      (groupText.match(/[\p{L}\p{N}*]/gu) ?? []).length <= 3;
    const kind: LineClass | null = pattern || beside ? 'SIGNATURE_MARK' : folio && !context.folioAtTop ? 'PAGE_NUMBER' : null;
    if (kind === null || context.found.has(kind)) continue;
    context.mark(group, kind, kind === 'PAGE_NUMBER' && folio ? 0.7 + 0.2 * folio.weight : beside ? 0.5 : 0.7);
    context.found.add(kind);
  }
}

/** Whether a word alone is a signature with its leaf number ("S3", "[B 2]"; brackets OCR added left out). */
function isWholeSignature(entry: PlacedWord): boolean {
  const text = entry.word.text.replace(/[[\]|{}]/g, '').trim();
  return SIGNATURE.test(text) && /\p{L}/u.test(text) && /\d/u.test(text);
}

/**
 * Marginal notes: the words of a line that lie beside the text column, set off from it, between the
 * head and the foot and well inside the image (a strip of the facing page at its edge is no note).
 * OCR often reads a note onto the text line beside it: then only the words outside the column count.
 * A note is narrow: a second column of text as wide as the first is no note.
 */
function marginalWords(geometry: PageGeometry, topRow: Row | null, taken: ReadonlySet<PlacedLine>): PlacedWord[][] {
  const { page, lineHeight, left, right: columnRight, bodyLines, usable } = geometry;
  if (bodyLines.length < 3 || !geometry.oneColumn) return [];
  const from = topRow ? topRow.bottom : 0;
  const to = Math.max(...bodyLines.map(({ line }) => line.bbox.y + line.bbox.height));
  const edge = 0.015 * page.width;
  const narrow = 0.35 * (columnRight - left);
  const notes: PlacedWord[][] = [];
  for (const placed of usable) {
    const { line } = placed;
    if (taken.has(placed) || line.bbox.y < from || line.bbox.y > to) continue;
    const words = line.words.map((word, rank) => ({ at: placed, rank: rank + 1, word })).filter((entry) => entry.word.bbox.height >= 0.35 * lineHeight);
    // A note OCR read onto a text line may abut the text ("Hiob. 14.1." ends where the column begins): its
    // words end at the column's edge and start well out in the margin, the line's text starts at the edge.
    const abutLeft = words.filter((entry) => right(entry.word.bbox) <= left + 0.15 * lineHeight);
    const abutRight = words.filter((entry) => entry.word.bbox.x >= columnRight - 0.15 * lineHeight);
    const reachesOut = (note: PlacedWord[], side: 'left' | 'right') =>
      note.length > 0 &&
      (side === 'left'
        ? (note[0] as PlacedWord).word.bbox.x <= left - 1.5 * lineHeight
        : right((note.at(-1) as PlacedWord).word.bbox) >= columnRight + 1.5 * lineHeight);
    const before = reachesOut(abutLeft, 'left') ? abutLeft : words.filter((entry) => right(entry.word.bbox) <= left - 0.3 * lineHeight);
    const after = reachesOut(abutRight, 'right') ? abutRight : words.filter((entry) => entry.word.bbox.x >= columnRight + 0.3 * lineHeight);
    for (const [side, note] of [
      ['left', before],
      ['right', after],
    ] as const) {
      if (note.length === 0) continue;
      const first = note[0] as PlacedWord;
      const last = note.at(-1) as PlacedWord;
      // Set off from the text beside it by more than a word space.
      const rest = words.filter((entry) => !note.includes(entry));
      const gap =
        rest.length === 0
          ? Number.POSITIVE_INFINITY
          : side === 'left'
            ? Math.min(...rest.map((entry) => entry.word.bbox.x)) - right(last.word.bbox)
            : first.word.bbox.x - Math.max(...rest.map((entry) => right(entry.word.bbox)));
      // Text runs on to the right: words that continue a line at its own word spacing past the measured
      // column edge (a column of a two-column part, lines cut short by the gutter's shadow) are the line's
      // text, however far out they reach. On the left the column's edge is sharp (every line starts there),
      // so a note abutting it is outside whatever its gap ("Hiob. 14.1." one word space from the text).
      // A line that ends in a broken word ("condem-") has ended: what follows is no more of it.
      const lastOfText = rest.reduce<PlacedWord | null>((best, entry) => (best === null || entry.word.bbox.x > best.word.bbox.x ? entry : best), null);
      const lineEnded = lastOfText !== null && /[-‐‑⸗¬=]$/u.test(lastOfText.word.text.trim());
      const spacedLikeText = side === 'right' && !lineEnded && rest.length >= 3 && gap < 2 * wordSpacing(rest);
      const inside = first.word.bbox.x >= edge && right(last.word.bbox) <= page.width - edge;
      const width = right(last.word.bbox) - first.word.bbox.x;
      const text = textOf(note);
      const ink = (text.match(/[\p{L}\p{N}]/gu) ?? []).length;
      const confidence = note.reduce((sum, entry) => sum + entry.word.confidence, 0) / note.length;
      // A note of several letters is read badly more often than text (small italic type): its length vouches for it.
      const legible = (ink >= 3 && confidence >= 0.3) || (ink >= 6 && confidence >= 0.15) || (ink >= 1 && confidence >= 0.6);
      // Set apart by a gap, or by the column's edge: the note ends at it and the line's text begins there. A
      // number hanging out of the column that way is an item's (a catalogue's), not a note: a note has words.
      const atEdge =
        rest.length > 0 &&
        /\p{L}{2}/u.test(text) &&
        (side === 'left'
          ? right(last.word.bbox) <= left + 0.15 * lineHeight && Math.min(...rest.map((entry) => entry.word.bbox.x)) >= left - 0.3 * lineHeight
          : first.word.bbox.x >= columnRight - 0.15 * lineHeight && Math.max(...rest.map((entry) => right(entry.word.bbox))) <= columnRight + 0.3 * lineHeight);
      if ((gap >= 0.8 * lineHeight || atEdge) && !spacedLikeText && inside && width <= narrow && legible) notes.push(note);
    }
  }
  return notes;
}

/** The median space between neighbouring words (by position): a line's word spacing. */
function wordSpacing(words: readonly PlacedWord[]): number {
  const sorted = [...words].sort((a, b) => a.word.bbox.x - b.word.bbox.x);
  const gaps = sorted.slice(1).map((entry, index) => entry.word.bbox.x - right((sorted[index] as PlacedWord).word.bbox));
  return quantile(gaps, 0.5);
}

/** Marked words as line labels: one entry per run of words of one class on a line; `words` left out for a whole line. */
function toLineLabels(marks: ReadonlyArray<{ entry: PlacedWord; classification: LineClass; confidence: number }>): LineLabel[] {
  const sorted = [...marks].sort(
    (a, b) =>
      a.entry.at.blockNum - b.entry.at.blockNum ||
      a.entry.at.parNum - b.entry.at.parNum ||
      a.entry.at.lineNum - b.entry.at.lineNum ||
      a.entry.rank - b.entry.rank,
  );
  const labels: Array<LineLabel & { words: [number, number] }> = [];
  for (const { entry, classification, confidence } of sorted) {
    const previous = labels.at(-1);
    const sameLine = previous && previous.blockNum === entry.at.blockNum && previous.parNum === entry.at.parNum && previous.lineNum === entry.at.lineNum;
    if (sameLine && previous.classification === classification && previous.words[1] === entry.rank - 1) {
      previous.words[1] = entry.rank;
      previous.confidence = Math.min(previous.confidence, round(confidence));
    } else {
      labels.push({
        blockNum: entry.at.blockNum,
        parNum: entry.at.parNum,
        lineNum: entry.at.lineNum,
        words: [entry.rank, entry.rank],
        classification,
        confidence: round(confidence),
      });
    }
  }
  const onLine = (label: LineLabel) =>
    labels.filter((other) => other.blockNum === label.blockNum && other.parNum === label.parNum && other.lineNum === label.lineNum).length;
  return labels.map((label) => {
    const line = sorted.find(
      (mark) => mark.entry.at.blockNum === label.blockNum && mark.entry.at.parNum === label.parNum && mark.entry.at.lineNum === label.lineNum,
    )?.entry.at.line;
    // A run that covers every word of the line is the whole line; words with no ink around it do not count.
    const inked = line ? line.words.map((word, rank) => (hasInk(word.text) ? rank + 1 : null)).filter((rank): rank is number => rank !== null) : [];
    const whole = line !== undefined && onLine(label) === 1 && inked.every((rank) => rank >= label.words[0] && rank <= label.words[1]);
    if (whole) {
      const { words: _words, ...rest } = label;
      return rest;
    }
    return label;
  });
}

const round = (value: number) => Math.round(Math.min(1, Math.max(0, value)) * 100) / 100;
