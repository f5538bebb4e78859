import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as mupdf from 'mupdf';

/** The text of the sample book, shipped beside this file. */
export const SAMPLE_BOOK_TEXT = join(dirname(fileURLToPath(import.meta.url)), 'book.txt');

interface Chapter {
  title: string;
  paragraphs: string[];
}
interface BookText {
  meta: Record<string, string>;
  chapters: Chapter[];
  footnotes: Map<string, string>;
}

/** Parses book.txt: `@key value` lines, `@chapter` headings, blank-line paragraphs, `[^n]: text` footnotes. */
export function parseBookText(source: string): BookText {
  const meta: Record<string, string> = {};
  const chapters: Chapter[] = [];
  const footnotes = new Map<string, string>();
  let paragraph: string[] = [];
  const flush = () => {
    if (paragraph.length > 0) chapters.at(-1)?.paragraphs.push(paragraph.join(' '));
    paragraph = [];
  };
  for (const raw of source.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#')) continue;
    const note = /^\[\^(\w+)\]:\s*(.*)$/.exec(line);
    const directive = /^@(\w+)\s+(.*)$/.exec(line);
    if (note) {
      flush();
      footnotes.set(note[1]!, note[2]!);
    } else if (directive?.[1] === 'chapter') {
      flush();
      chapters.push({ title: directive[2]!, paragraphs: [] });
    } else if (directive) {
      meta[directive[1]!] = directive[2]!;
    } else if (line === '') {
      flush();
    } else {
      paragraph.push(line);
    }
  }
  flush();
  return { meta, chapters, footnotes };
}

// 6 x 9 inch pages, in PDF points, with the proportions of a trade book: body in 11 on 14.5 point
// Times, the running head and the folio set apart from the text in the top and bottom margins.
const PAGE = { width: 432, height: 648 };
const MARGIN = { left: 60, right: 60, top: 78, bottom: 84 };
const BODY = { size: 11, leading: 14.5 };
const NOTE = { size: 8.5, leading: 10.5 };
/** Running head: capitals a little smaller than the text, on a line of its own well above it. */
const HEAD = { size: 9.5, baseline: MARGIN.top - 30 };
/**
 * Folio: at the outer end of the running head's line (left on even pages, right on odd ones), and
 * at the foot, centred, on a chapter's opening page (a "drop folio"), at body size. Measured with
 * tesseract.js: a lone one-digit folio at the foot is dropped as a speck at 11, 12 and 13 point
 * alike (two digits are read), while one in the head line is read, so most pages show their number
 * and the opening pages' numbers are inferred from their neighbours, as on a real scan.
 */
const FOLIO = { size: 11, footBaseline: PAGE.height - MARGIN.bottom + 42 };
/** A chapter opens a third of the way down: its number, then its title in larger type, then white space. */
const OPENING = { numberBaseline: MARGIN.top + 96, numberSize: 12, titleBaseline: MARGIN.top + 128, titleSize: 16, textTop: MARGIN.top + 170 };

const fonts = {
  roman: new mupdf.Font('Times-Roman'),
  italic: new mupdf.Font('Times-Italic'),
  bold: new mupdf.Font('Times-Bold'),
};
type FontName = keyof typeof fonts;

/**
 * Note calls are set as many older books set them: a star, then a dagger, counted afresh on each
 * page. Layout carries a call as the note's Unicode superscript figure (unique per note) and `close`
 * turns it into its mark once the page is known; it is measured as the star it becomes.
 */
const NOTE_MARKS = ['*', '†', '‡', '§'];

function textWidth(text: string, font: FontName, size: number): number {
  const f = fonts[font];
  let w = 0;
  for (const ch of text.replace(/[⁰¹²³⁴⁵⁶⁷⁸⁹]/gu, '*')) w += f.advanceGlyph(f.encodeCharacter(ch.codePointAt(0)!));
  return w * size;
}

interface Placed {
  text: string;
  x: number;
  y: number;
  font: FontName;
  size: number;
}

const SUPERSCRIPT_DIGITS = '⁰¹²³⁴⁵⁶⁷⁸⁹';
function superscript(id: string): string {
  return /^\d+$/.test(id) ? [...id].map((d) => SUPERSCRIPT_DIGITS[Number(d)]).join('') : '*';
}

/** Splits a word that does not fit at a plausible syllable boundary (vowel then consonant), or at its own hyphen. */
function splitWord(word: string, room: number, font: FontName, size: number): [string, string] | undefined {
  const core = word.replace(/[^A-Za-z-]+$/, '');
  for (let i = core.length - 3; i >= 3; i--) {
    const left = word.slice(0, i);
    const ownHyphen = word[i - 1] === '-';
    // vowel | consonant vowel: "compo-sitor", never "thou-ght".
    const syllable = /[aeiouy]/i.test(word[i - 1]!) && /[b-df-hj-np-tv-z]/i.test(word[i]!) && /[aeiouy]/i.test(word[i + 1] ?? '');
    if (!ownHyphen && !syllable) continue;
    if (/[^A-Za-z-]/.test(left)) continue;
    const shown = ownHyphen ? left : `${left}-`;
    if (textWidth(shown, font, size) <= room) return [shown, word.slice(i)];
  }
  return undefined;
}

/** Breaks a paragraph into justified lines of words placed at x positions. */
function layoutParagraph(text: string, width: number, font: FontName, size: number, indent: number): Array<{ words: string[]; last: boolean; indent: number }> {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: Array<{ words: string[]; last: boolean; indent: number }> = [];
  let current: string[] = [];
  let lineIndent = indent;
  const space = textWidth(' ', font, size);
  const used = () => current.reduce((s, w) => s + textWidth(w, font, size), 0) + space * Math.max(0, current.length - 1);
  while (words.length > 0) {
    const word = words.shift()!;
    const room = width - lineIndent - used() - (current.length > 0 ? space : 0);
    if (textWidth(word, font, size) <= room) {
      current.push(word);
      continue;
    }
    const split = word.length >= 7 ? splitWord(word, room, font, size) : undefined;
    if (split) {
      current.push(split[0]);
      words.unshift(split[1]);
    } else {
      words.unshift(word);
    }
    lines.push({ words: current, last: false, indent: lineIndent });
    current = [];
    lineIndent = 0;
  }
  if (current.length > 0) lines.push({ words: current, last: true, indent: lineIndent });
  return lines;
}

function placeLine(line: { words: string[]; last: boolean; indent: number }, x0: number, y: number, width: number, font: FontName, size: number): Placed[] {
  const natural = line.words.reduce((s, w) => s + textWidth(w, font, size), 0);
  const gaps = line.words.length - 1;
  const space = line.last || gaps === 0 ? textWidth(' ', font, size) : (width - line.indent - natural) / gaps;
  const placed: Placed[] = [];
  let x = x0 + line.indent;
  for (const w of line.words) {
    placed.push({ text: w, x, y, font, size });
    x += textWidth(w, font, size) + space;
  }
  return placed;
}

interface Page {
  items: Placed[];
  rules: Array<{ x: number; y: number; width: number }>;
}

function roman(value: number): string {
  const numerals: Array<[string, number]> = [
    ['X', 10],
    ['IX', 9],
    ['V', 5],
    ['IV', 4],
    ['I', 1],
  ];
  let rest = value;
  let out = '';
  for (const [numeral, amount] of numerals) {
    for (; rest >= amount; rest -= amount) out += numeral;
  }
  return out;
}

function centred(text: string, y: number, font: FontName, size: number): Placed {
  return { text, x: (PAGE.width - textWidth(text, font, size)) / 2, y, font, size };
}

/** Lays the whole book out: title page, copyright page, chapters with running heads, folios and footnotes. */
export function layoutBook(book: BookText): Page[] {
  const { meta } = book;
  const pages: Page[] = [];
  pages.push({
    items: [
      centred((meta.title ?? 'Untitled').toUpperCase(), 200, 'bold', 22),
      centred(meta.subtitle ?? '', 236, 'italic', 13),
      centred(`by ${meta.author ?? 'Anonymous'}`, 300, 'roman', 13),
      centred(`${meta.publisher ?? ''}`, 520, 'roman', 11),
      centred(`${meta.year ?? ''}`, 536, 'roman', 11),
    ],
    rules: [],
  });
  pages.push({
    items: [
      centred(`First published in ${meta.year} by ${meta.publisher}.`, 460, 'roman', 9),
      centred(`Copyright © ${meta.year} ${meta.author}. All rights reserved.`, 474, 'roman', 9),
      centred('This sample book was generated for bookpipe from book.txt.', 488, 'italic', 9),
    ],
    rules: [],
  });
  const width = PAGE.width - MARGIN.left - MARGIN.right;
  let folio = 0;
  for (const [chapterIndex, chapter] of book.chapters.entries()) {
    let page: Page = { items: [], rules: [] };
    let notes: Placed[][] = [];
    let noteIds: string[] = [];
    let y = 0;
    let noteHeight = 0;
    const open = (first: boolean) => {
      folio++;
      page = { items: [], rules: [] };
      notes = [];
      noteIds = [];
      noteHeight = 0;
      if (first) {
        // No running head on an opening page: the chapter's number and title, lower down, and white space.
        page.items.push(centred(`CHAPTER ${roman(chapterIndex + 1)}`, OPENING.numberBaseline, 'roman', OPENING.numberSize));
        page.items.push(centred(chapter.title, OPENING.titleBaseline, 'bold', OPENING.titleSize));
        y = OPENING.textTop;
      } else {
        // The book's title over left-hand (even) pages, the chapter's over right-hand (odd) ones.
        const even = folio % 2 === 0;
        const head = even ? (meta.title ?? '') : chapter.title;
        page.items.push(centred(head.toUpperCase(), HEAD.baseline, 'roman', HEAD.size));
        const number = String(folio);
        const x = even ? MARGIN.left : PAGE.width - MARGIN.right - textWidth(number, 'roman', FOLIO.size);
        page.items.push({ text: number, x, y: HEAD.baseline, font: 'roman', size: FOLIO.size });
        y = MARGIN.top;
      }
    };
    let opening = true;
    const close = () => {
      // The page's notes get their marks, in order: *, †, ‡ (in the calls and at the notes' start).
      const marks = new Map(noteIds.map((id, index) => [superscript(id), NOTE_MARKS[index % NOTE_MARKS.length]!]));
      const mark = (text: string) => text.replace(/[⁰¹²³⁴⁵⁶⁷⁸⁹]+|\*/gu, (call) => marks.get(call) ?? call);
      page.items = page.items.map((item) => ({ ...item, text: mark(item.text) }));
      notes = notes.map((line) => line.map((item) => ({ ...item, text: mark(item.text) })));
      let ny = PAGE.height - MARGIN.bottom - noteHeight + NOTE.leading;
      if (notes.length > 0) page.rules.push({ x: MARGIN.left, y: ny - NOTE.leading + 2, width: 72 });
      for (const n of notes) {
        for (const p of n) page.items.push({ ...p, y: ny });
        ny += NOTE.leading;
      }
      if (opening) page.items.push(centred(String(folio), FOLIO.footBaseline, 'roman', FOLIO.size));
      opening = false;
      pages.push(page);
    };
    open(true);
    for (const paragraph of chapter.paragraphs) {
      // Footnote markers become superscript figures, as a compositor would set them.
      const ids = [...paragraph.matchAll(/\[\^(\w+)\]/g)].map((m) => m[1]!);
      const lines = layoutParagraph(
        paragraph.replace(/\[\^(\w+)\]/g, (_m, id: string) => superscript(id)),
        width,
        'roman',
        BODY.size,
        18,
      );
      for (const line of lines) {
        const lineText = line.words.join(' ');
        const lineNotes = ids.filter((id) => lineText.includes(superscript(id)) && book.footnotes.has(id));
        const noteLayouts = lineNotes.map((id) => layoutParagraph(`${superscript(id)} ${book.footnotes.get(id)}`, width, 'roman', NOTE.size, 0));
        const extra = noteLayouts.reduce((s, l) => s + NOTE.leading * l.length, 0);
        if (y + BODY.leading > PAGE.height - MARGIN.bottom - noteHeight - extra - (extra > 0 && noteHeight === 0 ? 8 : 0)) {
          close();
          open(false);
        }
        page.items.push(...placeLine(line, MARGIN.left, y, width, 'roman', BODY.size));
        y += BODY.leading;
        lineNotes.forEach((id, i) => {
          const noteLines = noteLayouts[i]!;
          notes.push(...noteLines.map((l) => placeLine(l, MARGIN.left, 0, width, 'roman', NOTE.size)));
          noteHeight += NOTE.leading * noteLines.length + (noteHeight === 0 ? 8 : 0);
          noteIds.push(id);
          book.footnotes.delete(id);
        });
      }
      y += 3;
    }
    close();
  }
  return pages;
}

/** Renders the laid-out pages into a PDF with mupdf's built-in Times fonts. */
export function renderPdf(pages: Page[]): Uint8Array {
  const buffer = new mupdf.Buffer();
  const writer = new mupdf.DocumentWriter(buffer, 'pdf', '');
  for (const page of pages) {
    const device = writer.beginPage([0, 0, PAGE.width, PAGE.height]);
    const text = new mupdf.Text();
    for (const item of page.items) {
      if (item.text === '') continue;
      text.showString(fonts[item.font], [item.size, 0, 0, -item.size, item.x, item.y], item.text);
    }
    device.fillText(text, mupdf.Matrix.identity, mupdf.ColorSpace.DeviceGray, [0], 1);
    for (const rule of page.rules) {
      const path = new mupdf.Path();
      // A thin filled rectangle: the footnote rule.
      path.rect(rule.x, rule.y - 0.25, rule.x + rule.width, rule.y + 0.25);
      device.fillPath(path, false, mupdf.Matrix.identity, mupdf.ColorSpace.DeviceGray, [0], 1);
    }
    writer.endPage();
  }
  writer.close();
  return buffer.asUint8Array().slice();
}

/** Generates the sample book PDF from `textPath` (default: the shipped book.txt) into `outPath`. */
export async function generateSampleBook(outPath: string, textPath = SAMPLE_BOOK_TEXT): Promise<{ path: string; pages: number }> {
  const pages = layoutBook(parseBookText(await readFile(textPath, 'utf8')));
  await mkdir(dirname(outPath), { recursive: true });
  await writeFile(outPath, renderPdf(pages));
  return { path: outPath, pages: pages.length };
}
