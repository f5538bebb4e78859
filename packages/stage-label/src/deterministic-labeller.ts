import type {
  BlockClass,
  BlockLabel,
  LabelPage,
  LineClass,
  LineLabel,
  NumberingStyle,
  OcrLine,
  OcrPage,
  PageNumberLocation,
  PageRegion,
} from '@bookpipe/contracts';
import { headingLines, isUnreadSectionMark } from './heading-lines.js';
import { afterDivisionLabel, isDivisionLabel, isNamedDivision } from './heading-patterns.js';
import { findLineFurnitureIn, measure, type PageGeometry } from './line-furniture.js';
import { isNoisePage, isTextAmidNoise } from './noise-page.js';
import { type BlockLayout, measurePage, type PageLayout } from './page-layout.js';
import { type NumberToken, numberAtEdge, numberOnly, readNumberToken } from './page-numbers.js';
import { type PageNumberReading, reconcilePageNumbers } from './reconcile-page-numbers.js';
import { bestRepeats, repeatingText } from './running-headers.js';

export interface LabelOptions {
  /**
   * Pages either side (by scan page number) where a running head or foot is looked for again.
   * @default 3
   */
  repeatWindow?: number;
  /**
   * Similarity (1 - edit distance / length, letters only, digits ignored) from which two heads
   * count as the same text. Low enough for the same head read twice by OCR on an old print
   * ("peelectioneabsolutaee" / "febeeiectyoneabsoluta": 0.67); unrelated lines score about 0.2-0.4.
   * @default 0.6
   */
  repeatSimilarity?: number;
  /**
   * Size (line pitch, or line height for one line) over the page's body size from which a short block is a heading.
   * @default 1.3
   */
  headingScale?: number;
  /**
   * Size over the body size under which a block below the body is a footnote (0.95 when it starts with a note mark).
   * @default 0.9
   */
  footnoteScale?: number;
  /**
   * Correct and fill printed page numbers from their neighbours with `reconcilePageNumbers`.
   * @default true
   */
  reconcile?: boolean;
}

interface PageReading {
  number: NumberToken | null;
  location: PageNumberLocation;
  confidence: number;
}

/** A footnote starts with a mark: a digit or letter in brackets, a superscript, *, †, ‡, §, ¶. */
const NOTE_MARK = /^(?:[*†‡§¶‖]|\(?\d{1,2}[).]?\s|\(?[a-z]\)\s|[¹²³⁴⁵⁶⁷⁸⁹⁰])/u;
/** A line opening with an item's mark: a number, a letter in brackets, a star or dagger. */
const ITEM_MARK = /^(?:[*†‡§¶‖]|\(?\d{1,3}[).]?\s|\(?[a-z]\)\s|[¹²³⁴⁵⁶⁷⁸⁹⁰])/u;

/** A block of two or more lines of which at least two open with an item's mark: a list, not one note. */
function isList(entry: BlockLayout): boolean {
  return entry.lines.length >= 2 && entry.lines.filter((line) => ITEM_MARK.test(line.text.trim())).length >= 2;
}

/**
 * Whether the text of the page calls this note: the note's opening mark (a figure, a star, a dagger,
 * a superscript, with no letter) stands right after a word of another block, not inside a number.
 */
function calledFromText(entry: BlockLayout, layout: PageLayout, classes: ReadonlyMap<BlockLayout, BlockLabel>): boolean {
  const mark = /^\s*[([]?([^\s\p{L}()[\]]{1,3}?)[)\].]?\s/u.exec(entry.text)?.[1];
  if (!mark) return false;
  const escaped = mark.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const call = new RegExp(`[\\p{L}\\p{P}]${escaped}(?![\\d\\p{L}])`, 'u');
  const notText = new Set<BlockClass>(['HEADER', 'PAGE_NUMBER', 'FOOTER', 'FOOTNOTE', 'OCR_ARTIFACT']);
  return layout.blocks.some((other) => {
    const classification = classes.get(other)?.classification;
    return other !== entry && other.block.bbox.y < entry.block.bbox.y && !(classification && notText.has(classification)) && call.test(other.text);
  });
}

/** What a copyright page says. */
const COPYRIGHT_WORDS = /copyright|©|all rights reserved|\bisbn\b|first published|printed in|published by/i;

/**
 * Labels the blocks of a whole book (several pages are needed: running heads are found by their
 * repetition on nearby pages) from layout alone, without a model:
 * - running heads and feet: short blocks above or below the body text that repeat (digits
 *   ignored) on pages up to `repeatWindow` away, or carry a page number at one end;
 * - page numbers: a block above or below the body that is only an arabic or roman numeral, else
 *   the number at the edge of a running head, else a number alone on the page's first or last line;
 *   then made consistent across the book with `reconcilePageNumbers`;
 * - headings: short blocks set larger than the body (`headingScale`), or centred with space
 *   around them; a chapter heading when large or on an opening page (text starting lower than usual);
 * - footnotes: blocks below the body set smaller (`footnoteScale`), opening with a mark the text calls
 *   (or one marked note); a list set small, or unmarked small type, is no footnote unless the text calls it;
 * - footers: short lines below the body (catch-words, signature marks) or repeated ones;
 * - OCR artifacts: blocks with no text, far too small, or a few low-confidence marks.
 * Every other block is BODY. Pages must be in book order; `pageNumber` is the scan page number.
 *
 * Furniture OCR read into a text block (a running head over the first lines, a catch-word after the
 * last) is marked at line level (`lines`, from `findLineFurniture`): such a block stays text, its head
 * line does not. A block that is all furniture gets the furniture's class. The printed page number is
 * read from a PAGE_NUMBER line first.
 */
export function labelDeterministic(pages: readonly OcrPage[], options: LabelOptions = {}): LabelPage[] {
  const repeatWindow = options.repeatWindow ?? 3;
  const minRepeat = options.repeatSimilarity ?? 0.6;
  const headingScale = options.headingScale ?? 1.3;
  const footnoteScale = options.footnoteScale ?? 0.9;
  const layouts = pages.map((page) => measurePage(page));
  // Each page's text column and rows, measured once: for furniture lines and for heading lines.
  const geometries = pages.map((page) => measure(page));
  const furniture = findLineFurnitureIn(geometries, { repeatWindow, repeatSimilarity: minRepeat });

  // Repetition of the blocks above and below the body, across nearby pages.
  const candidates = (side: 'above' | 'below') =>
    layouts.flatMap((layout) =>
      layout.blocks
        .filter((entry) => entry[side] && entry.lines.length <= 2)
        .map((entry) => ({ entry, pageNumber: layout.page.pageNumber, key: repeatingText(entry.text), top: entry.block.bbox.y / layout.page.height })),
    );
  const repeats = new Map<BlockLayout, number>();
  for (const side of ['above', 'below'] as const) {
    const list = candidates(side);
    for (const [index, score] of bestRepeats(list, repeatWindow).entries()) repeats.set((list[index] as { entry: BlockLayout }).entry, score);
  }

  // Opening pages (chapter starts) begin lower than the book's usual text top. The usual top is the
  // lower quartile, not the median: in a short book, or one with short chapters, openings, title
  // and part pages can be half the pages. A page with no text (blank, or only noise) has no text top:
  // its content box is the whole page, top 0, and counting it would make every text page look sunk.
  const tops = layouts
    .filter((layout) => layout.blocks.some((entry) => entry.noise === 'none'))
    .map((layout) => layout.content.y / layout.page.height)
    .sort((a, b) => a - b);
  const usualTop = tops[Math.floor(tops.length / 4)] ?? 0;
  const frontMatter = frontMatterPages(layouts);

  const labelled = layouts.map((layout, pageAt) => {
    const opening = layouts.length >= 3 && layout.content.y / layout.page.height > usualTop + 0.08;
    const classes = new Map<BlockLayout, BlockLabel>();
    const set = (entry: BlockLayout, classification: BlockClass, confidence: number) =>
      classes.set(entry, { blockNum: entry.block.blockNum, classification, confidence: round(confidence) });

    // A blank leaf or a picture read as speckles: no body text; its blocks stay in book.json as artifacts.
    if (isNoisePage(layout.page)) {
      for (const entry of layout.blocks) {
        if (isTextAmidNoise(entry.block)) set(entry, 'ILLUSTRATION_CAPTION', 0.5);
        else set(entry, 'OCR_ARTIFACT', 0.7);
      }
      return { layout, classes, opening: false, noise: true };
    }
    // A title or copyright page before the text: its blocks are that page, its year no page number.
    const front = frontMatter.get(pageAt);
    if (front) {
      for (const entry of layout.blocks) set(entry, entry.noise === 'strong' ? 'OCR_ARTIFACT' : front, entry.noise === 'strong' ? 0.7 : 0.6);
      return { layout, classes, opening: true, noise: false };
    }

    for (const entry of layout.blocks) {
      if (entry.noise === 'strong') set(entry, 'OCR_ARTIFACT', 0.7);
      else if ((entry.topLine || entry.bottomLine) && numberOnly(entry.text)) set(entry, 'PAGE_NUMBER', 0.75 + 0.15 * (numberOnly(entry.text)?.weight ?? 0));
    }
    const headings: Array<{ entry: BlockLayout; classification: BlockClass; confidence: number }> = [];
    const pageNumberBlocks = layout.blocks.filter((entry) => classes.get(entry)?.classification === 'PAGE_NUMBER');
    const mainBottom = mainBodyBottom(layout);

    for (const entry of layout.blocks) {
      if (classes.has(entry)) continue;
      const repeat = repeats.get(entry) ?? 0;
      const short = entry.lines.length <= 2;
      const { bbox } = entry.block;
      if (entry.above && short && entry.words <= 14) {
        // Opening pages carry no running head: their "CHAPTER IV" above the text is a heading. The
        // numeral of "CHAPTER IV" is the chapter's, not a page number: only one after it counts.
        const division = afterDivisionLabel(entry.text.split('\n')[0] ?? '');
        const edge =
          entry.lines.length === 1 && !opening ? (division === null ? numberAtEdge(entry.text) : division === '' ? null : numberAtEdge(`x ${division}`)) : null;
        const besideNumber = pageNumberBlocks.some((number) => overlapsVertically(number.block.bbox, bbox));
        if (edge && repeat < minRepeat && otherWordsAreNoise(entry, edge, layout.page.meanConfidence)) set(entry, 'PAGE_NUMBER', 0.7);
        else if (edge && /\p{L}{2}/u.test(entry.text)) set(entry, 'HEADER', repeat >= minRepeat ? 0.95 : 0.85);
        else if (repeat >= minRepeat && (!opening || repeat >= 0.85) && division === null) set(entry, 'HEADER', 0.6 + 0.3 * repeat);
        else if (besideNumber) set(entry, 'HEADER', 0.75);
        else if (division === null && !opening && looksLikeRunningHead(layout, entry)) set(entry, 'HEADER', 0.6);
      }
      if (classes.has(entry)) continue;
      const marked = NOTE_MARK.test(entry.text);
      const noteSized = entry.scale < footnoteScale || (marked && entry.scale < footnoteScale + 0.05);
      // Notes are set apart from the text by space (or a rule); a body line that OCR split off is not.
      const apart = marked || verticalGap(layout, entry, 'above') >= 0.5 * layout.lineHeight;
      if (bbox.y >= mainBottom - 0.3 * layout.lineHeight && bbox.y > 0.5 * layout.page.height && noteSized && apart && (entry.words >= 3 || marked)) {
        // Small type at the foot is a note when the text calls it; a list set small (an apparatus, an
        // enumeration) is no note unless a call mark links it, nor is unmarked small type.
        const called = calledFromText(entry, layout, classes);
        if (called || (marked && !isList(entry))) {
          set(entry, 'FOOTNOTE', called ? 0.8 : 0.6);
          continue;
        }
      }
      if (entry.below && short) {
        const leftAligned = Math.abs(bbox.x - layout.content.x) < 2 * layout.lineHeight;
        if (repeat >= minRepeat) set(entry, 'FOOTER', 0.6 + 0.3 * repeat);
        else if (entry.lines.length === 1 && entry.words <= 3 && !leftAligned) set(entry, 'FOOTER', 0.6);
      }
      if (classes.has(entry)) continue;
      // A section number OCR could not read ("KL:" for "III."), set alone and centred between lines of
      // text, is the section's heading, not noise.
      if (entry.noise === 'weak' && entry.lines.length === 1 && isUnreadSectionMark(geometries[pageAt] as PageGeometry, entry.lines[0] as OcrLine)) {
        set(entry, 'SECTION_HEADING', 0.5);
        continue;
      }
      if (entry.noise === 'weak') {
        set(entry, 'OCR_ARTIFACT', 0.5);
        continue;
      }
      const heading = headingClass(layout, entry, { opening, headingScale, usualTop });
      if (heading) headings.push({ entry, ...heading });
      else set(entry, 'BODY', entry.lines.length >= 3 && entry.scale > 0.85 && entry.scale < 1.2 ? 0.75 : 0.55);
    }
    // Headings are few: a page with many short large blocks is text set large (verse, a quoted
    // original), not a page of headings.
    for (const { entry, classification, confidence } of headings) {
      if (headings.length <= 3) set(entry, classification, confidence);
      else set(entry, 'BODY', 0.5);
    }
    // "CHAPTER IV" over "THE RETURN": the title set right under a chapter's label is part of its heading.
    for (const entry of layout.blocks) {
      if (classes.get(entry)?.classification !== 'CHAPTER_HEADING') continue;
      const next = blockBelow(layout, entry);
      const label = next ? classes.get(next)?.classification : undefined;
      if (!next || (label !== 'BODY' && label !== 'SECTION_HEADING')) continue;
      const close = next.block.bbox.y - (entry.block.bbox.y + entry.block.bbox.height) < 3 * layout.lineHeight;
      const apart = verticalGap(layout, next, 'below') >= 1.5 * layout.lineHeight;
      if (close && apart && next.lines.length <= 3 && next.words <= 14 && (next.centred || next.scale >= headingScale)) set(next, 'CHAPTER_HEADING', 0.7);
    }
    return { layout, classes, opening, noise: false };
  });

  // A book either has running heads or not. Where most pages show one, a lone short line on the
  // first text line of another (non-opening) page is its head, read too badly to repeat or to
  // show its page number ("INTRODUCTION. \"" for "INTRODUCTION. 7").
  const headTops = labelled.flatMap(({ layout, classes }) =>
    layout.blocks.filter((entry) => classes.get(entry)?.classification === 'HEADER').map((entry) => entry.block.bbox.y / layout.page.height),
  );
  const withHead = labelled.filter(({ classes }) => [...classes.values()].some((label) => label.classification === 'HEADER')).length;
  if (labelled.length >= 3 && withHead >= labelled.length / 2) {
    const headTop = median(headTops);
    for (const { layout, classes, opening } of labelled) {
      if (opening || [...classes.values()].some((label) => label.classification === 'HEADER')) continue;
      for (const entry of layout.blocks) {
        const current = classes.get(entry);
        // Where the other pages' heads sit, and no larger than the text (a title is larger).
        const inPlace = Math.abs(entry.block.bbox.y / layout.page.height - headTop) < 0.05 && entry.scale < 1.2;
        if (
          entry.topLine &&
          inPlace &&
          entry.lines.length === 1 &&
          entry.words <= 8 &&
          (current?.classification === 'BODY' || current?.classification === 'CHAPTER_HEADING')
        ) {
          classes.set(entry, { blockNum: entry.block.blockNum, classification: 'HEADER', confidence: 0.6 });
        }
      }
    }
  }

  const pagesRead = labelled.map(({ layout, classes, noise }, index) => {
    // Speckles make no running head nor folio: nothing of a noise page is read as furniture.
    const furnitureLines = noise ? [] : applyLineFurniture(layout, classes, furniture[index] ?? []);
    // Headings OCR read into a text block, once the blocks have their classes and the furniture is marked.
    const blockClasses = new Map([...classes.values()].map((label) => [label.blockNum, label.classification]));
    const lines = noise ? [] : [...furnitureLines, ...headingLines(geometries[index] as PageGeometry, blockClasses, furnitureLines)];
    return {
      layout,
      lines,
      blocks: layout.blocks.map((entry) => classes.get(entry) as BlockLabel),
      reading: pageNumberLine(layout, lines) ?? readPageNumber(layout, classes),
    };
  });

  const readings: PageNumberReading[] = pagesRead.map(({ layout, reading }) => ({
    pageIndex: layout.page.pageNumber,
    printed: reading.number?.text ?? null,
    style: reading.number?.style ?? 'none',
    confidence: reading.confidence,
  }));
  const reconciled = options.reconcile === false ? null : reconcilePageNumbers(readings);
  const usualLocation = (style: NumberingStyle): PageNumberLocation => {
    const counts = { header: 0, footer: 0 };
    for (const { reading } of pagesRead) if (reading.number?.style === style && reading.location !== 'none') counts[reading.location] += 1;
    return counts.footer > counts.header ? 'footer' : 'header';
  };

  return pagesRead.map(({ blocks, lines, reading }, index) => {
    const own = readings[index] as PageNumberReading;
    const fixed = reconciled?.find((entry) => entry.pageIndex === own.pageIndex);
    const printedPageNumber = fixed ? fixed.printedPageNumber : own.printed;
    const numberingStyle: NumberingStyle = fixed ? fixed.numberingStyle : own.style;
    const location: PageNumberLocation =
      printedPageNumber === null ? 'none' : reading.location !== 'none' && !fixed?.inferred ? reading.location : usualLocation(numberingStyle);
    const region: PageRegion = numberingStyle === 'roman' ? 'front_matter' : numberingStyle === 'arabic' ? 'body' : 'uncertain';
    const label: LabelPage = {
      printedPageNumber,
      numberingStyle: printedPageNumber === null ? 'none' : numberingStyle,
      pageNumberLocation: location,
      pageNumberConfidence: round(fixed ? fixed.pageNumberConfidence : printedPageNumber === null ? 0.5 : own.confidence),
      pageRegion: region,
      pageRegionConfidence: region === 'uncertain' ? 0.3 : 0.6,
      blocks,
    };
    if (fixed?.inferred) label.pageNumberInferred = true;
    if (lines.length > 0) label.lines = lines;
    return label;
  });
}

/** The block class of a block that holds nothing but furniture of this class. */
const BLOCK_CLASS_OF: Record<LineClass, BlockClass> = {
  HEADER: 'HEADER',
  PAGE_NUMBER: 'PAGE_NUMBER',
  FOOTER: 'FOOTER',
  CATCHWORD: 'FOOTER',
  SIGNATURE_MARK: 'FOOTER',
  MARGINALIA: 'OTHER',
  CHAPTER_HEADING: 'CHAPTER_HEADING',
  SECTION_HEADING: 'SECTION_HEADING',
};
const FURNITURE_BLOCKS: ReadonlySet<BlockClass> = new Set(['HEADER', 'PAGE_NUMBER', 'FOOTER']);

/**
 * Settles block classes against the page's furniture lines, and returns the lines kept. A heading
 * block keeps its text unless the furniture in it is sure; then, like a block labelled furniture as a
 * whole, it is text when lines of text remain. A block that is all furniture
 * (every word with a letter or digit marked) takes the class of most of its characters (a head's, not its folio's); a block labelled
 * furniture as a whole that also holds lines of text is text, with its furniture lines marked.
 */
function applyLineFurniture(layout: PageLayout, classes: Map<BlockLayout, BlockLabel>, lines: readonly LineLabel[]): LineLabel[] {
  const kept: LineLabel[] = [];
  for (const entry of layout.blocks) {
    const own = lines.filter((line) => line.blockNum === entry.block.blockNum);
    const current = classes.get(entry);
    if (own.length === 0 || !current) continue;
    // A heading keeps its lines unless the furniture is sure (a head that repeats, a folio read as a numeral).
    const heading = current.classification === 'CHAPTER_HEADING' || current.classification === 'SECTION_HEADING';
    if (heading && own.some((line) => line.confidence < 0.7)) continue;
    kept.push(...own);
    const marked = new Map<string, LineLabel>();
    for (const line of own) {
      const words = entry.block.paragraphs.find((p) => p.parNum === line.parNum)?.lines[line.lineNum - 1]?.words ?? [];
      const [first, last] = line.words ?? [1, words.length];
      for (let rank = first; rank <= last; rank += 1) marked.set(`${line.parNum}/${line.lineNum}/${rank}`, line);
    }
    const unmarked: string[] = [];
    const byClass = new Map<LineClass, number>();
    for (const paragraph of entry.block.paragraphs) {
      paragraph.lines.forEach((line, lineIndex) => {
        line.words.forEach((word, wordIndex) => {
          if (!/[\p{L}\p{N}]/u.test(word.text)) return;
          const label = marked.get(`${paragraph.parNum}/${lineIndex + 1}/${wordIndex + 1}`);
          if (label) byClass.set(label.classification, (byClass.get(label.classification) ?? 0) + word.text.length);
          else unmarked.push(word.text);
        });
      });
    }
    const confidence = Math.max(...own.map((line) => line.confidence));
    if (unmarked.length === 0) {
      const [major] = [...byClass.entries()].sort((a, b) => b[1] - a[1])[0] ?? ['HEADER'];
      classes.set(entry, { blockNum: entry.block.blockNum, classification: BLOCK_CLASS_OF[major], confidence: round(confidence) });
    } else if ((heading || FURNITURE_BLOCKS.has(current.classification)) && unmarked.filter((word) => /\p{L}{2}/u.test(word)).length >= 3) {
      classes.set(entry, { blockNum: entry.block.blockNum, classification: 'BODY', confidence: 0.55 });
    }
  }
  return kept;
}

/** Confidence of a folio read by the margin pass: under `reconcilePageNumbers`' clear reading (0.7). */
const MARGIN_FOLIO_CONFIDENCE = 0.6;

/** The printed page number from the page's PAGE_NUMBER lines, when one reads as a numeral. */
function pageNumberLine(layout: PageLayout, lines: readonly LineLabel[]): PageReading | null {
  for (const label of lines) {
    if (label.classification !== 'PAGE_NUMBER') continue;
    const block = layout.page.blocks.find((b) => b.blockNum === label.blockNum);
    const line = block?.paragraphs.find((p) => p.parNum === label.parNum)?.lines[label.lineNum - 1];
    if (!line) continue;
    const [first, last] = label.words ?? [1, line.words.length];
    const words = line.words.slice(first - 1, last);
    const text = words.map((word) => word.text).join(' ');
    const number = numberOnly(text) ?? (words.length === 1 ? readNumberToken(text) : null);
    if (!number) continue;
    const location: PageNumberLocation = line.bbox.y < layout.page.height / 2 ? 'header' : 'footer';
    // A folio the OCR's margin pass read was read out of context, from a stamp-sized image ("3" for a
    // worn 8): evidence that fills a run's gap, never a clear reading that could outvote the run.
    return { number, location, confidence: (block?.pass === 'margin' ? MARGIN_FOLIO_CONFIDENCE : 0.9) * number.weight };
  }
  return null;
}

/** Bottom of the lowest block of body size (a footnote sits below it, smaller). */
function mainBodyBottom(layout: PageLayout): number {
  const body = layout.blocks.filter((entry) => entry.noise === 'none' && entry.lines.length >= 2 && entry.scale >= 0.92 && entry.scale <= 1.15);
  return body.length > 0 ? Math.max(...body.map((entry) => entry.block.bbox.y + entry.block.bbox.height)) : layout.bodyBottom;
}

function headingClass(
  layout: PageLayout,
  entry: BlockLayout,
  options: { opening: boolean; headingScale: number; usualTop: number },
): { classification: BlockClass; confidence: number } | null {
  const { bbox } = entry.block;
  // A title set as a stack of centred lines of different lengths ("ANNOTATIONES / Vber den / APPENDICEM"):
  // no line of running text is centred, and the lines of a justified paragraph are of one length.
  if (!entry.below && centredStack(layout, entry)) {
    return { classification: bbox.y < 0.45 * layout.page.height ? 'CHAPTER_HEADING' : 'SECTION_HEADING', confidence: 0.6 };
  }
  if (entry.lines.length > 3 || entry.words > 12 || entry.below) return null;
  // A heading is not a sentence broken off: one ending in a comma, semicolon or hyphen goes on.
  const division = isDivisionLabel(entry.text);
  if (!division && /[,;-]$/u.test(entry.text.trim())) return null;
  const large = entry.scale >= options.headingScale;
  const letters = entry.text.replace(/[^\p{L}]/gu, '');
  const capitals = letters.length >= 3 && letters === letters.toUpperCase();
  // A heading stands apart: white space above it, more than between two lines of text. The first
  // block of a page counts the space down from where the book's text usually starts (a chapter
  // opening is sunk).
  const gapAbove = verticalGap(layout, entry, 'above', options.usualTop * layout.page.height);
  const gapBelow = verticalGap(layout, entry, 'below');
  const spaced = gapAbove >= 1.5 * layout.lineHeight && gapAbove > 1.2 * gapBelow;
  const whiteBelow = gapBelow >= 1.5 * layout.lineHeight;
  const top = bbox.y < 0.45 * layout.page.height;
  // "CHAPTER IV", "Kapitel 3", "BOOK II.": the words say it; layout only has to agree a little.
  if (division && top && (entry.centred || large || spaced || whiteBelow || options.opening)) {
    return { classification: 'CHAPTER_HEADING', confidence: options.opening || large ? 0.85 : 0.75 };
  }
  const named = division || isNamedDivision(entry.text);
  // Type much larger than the body is a heading wherever it sits; slightly larger type needs space above it.
  if (!spaced && !named && entry.scale < 1.5) return null;
  if (top && (options.opening || (named && spaced)) && (large || capitals || named)) {
    return { classification: 'CHAPTER_HEADING', confidence: large && options.opening ? 0.8 : 0.65 };
  }
  // From layout alone, a heading is also read well: lines OCR struggles with, set large (verse in
  // Greek type, a quoted original), are text of another kind.
  if (entry.meanConfidence < 0.7 * layout.page.meanConfidence) return null;
  if (large && spaced) return { classification: 'SECTION_HEADING', confidence: 0.6 };
  if (entry.centred && entry.words <= 10 && capitals) return { classification: 'SECTION_HEADING', confidence: 0.55 };
  return null;
}

/**
 * Whether a block of two to five lines is set as a centred stack: every line's inked extent centred on
 * the text column (within 4% of its width), the lines' lengths differing by a fifth of the column or
 * more, the shortest under two thirds of it, and a word on every line. Specks beside a line (read as
 * marks) do not count.
 */
function centredStack(layout: PageLayout, entry: BlockLayout): boolean {
  if (entry.lines.length < 2 || entry.lines.length > 5 || entry.words > 30) return false;
  const { content, lineHeight } = layout;
  const middle = content.x + content.width / 2;
  const extents = entry.lines.map((line) => {
    const inked = line.words.filter((word) => /[\p{L}\p{N}]/u.test(word.text) && word.bbox.height >= 0.35 * lineHeight);
    // Every line of a title holds a word: a line of text over a centred folio ("... there was no / 1") is no title.
    if (!inked.some((word) => /\p{L}{2}/u.test(word.text))) return null;
    const x0 = Math.min(...inked.map((word) => word.bbox.x));
    return { x0, x1: Math.max(...inked.map((word) => word.bbox.x + word.bbox.width)) };
  });
  if (extents.some((extent) => extent === null)) return false;
  const boxes = extents as Array<{ x0: number; x1: number }>;
  const widths = boxes.map(({ x0, x1 }) => x1 - x0);
  const centred = boxes.every(({ x0, x1 }) => Math.abs((x0 + x1) / 2 - middle) <= 0.04 * content.width);
  return centred && Math.max(...widths) - Math.min(...widths) >= 0.2 * content.width && Math.min(...widths) <= (2 / 3) * content.width;
}

/**
 * Space between a block and the nearest block above (or below) it that overlaps it horizontally;
 * up to the text's top (or bottom) when there is none: the page's, or `textTop` when that is higher.
 */
function verticalGap(layout: PageLayout, entry: BlockLayout, side: 'above' | 'below', textTop = layout.content.y): number {
  const { bbox } = entry.block;
  const tolerance = 0.3 * layout.lineHeight;
  let gap = side === 'above' ? bbox.y - Math.min(textTop, layout.content.y) : layout.content.y + layout.content.height - (bbox.y + bbox.height);
  for (const other of layout.blocks) {
    if (other === entry || other.noise !== 'none') continue;
    const box = other.block.bbox;
    if (!(box.x < bbox.x + bbox.width && bbox.x < box.x + box.width)) continue;
    if (side === 'above' && box.y + box.height <= bbox.y + tolerance) gap = Math.min(gap, bbox.y - (box.y + box.height));
    if (side === 'below' && box.y >= bbox.y + bbox.height - tolerance) gap = Math.min(gap, box.y - (bbox.y + bbox.height));
  }
  return gap;
}

/** A page number read with a few marks of OCR noise beside it ("16 wet, SEO" from an ornament): the words besides the number are far less sure than the page's. */
function otherWordsAreNoise(entry: BlockLayout, number: NumberToken, pageConfidence: number): boolean {
  const others = entry.lines.flatMap((line) => line.words).filter((word) => !word.text.includes(number.text));
  if (others.length === 0 || others.length > 3) return false;
  const confidence = others.reduce((sum, word) => sum + word.confidence, 0) / others.length;
  return confidence < 0.5 * pageConfidence;
}

function overlapsVertically(a: { y: number; height: number }, b: { y: number; height: number }): boolean {
  return Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y) > 0.3 * Math.min(a.height, b.height);
}

/** The page number printed on one page, where it was found, and how sure we are. */
function readPageNumber(layout: PageLayout, classes: Map<BlockLayout, BlockLabel>): PageReading {
  const of = (classification: BlockClass) => layout.blocks.filter((entry) => classes.get(entry)?.classification === classification);
  for (const entry of of('PAGE_NUMBER')) {
    const number = numberOnly(entry.text) ?? numberAtEdge(entry.text);
    if (number) return { number, location: entry.above ? 'header' : 'footer', confidence: 0.9 * number.weight };
  }
  for (const entry of of('HEADER')) {
    const number = numberAtEdge(entry.lines[0]?.text ?? '');
    if (number) return { number, location: 'header', confidence: 0.8 * number.weight };
  }
  // OCR often merges the running head into the first body block, or the folio into the last one.
  // Only body text qualifies: a chapter heading's "CHAPTER IV" is no folio.
  const kept = layout.blocks
    .filter((entry) => entry.noise === 'none' && classes.get(entry)?.classification === 'BODY')
    .sort((a, b) => a.block.bbox.y - b.block.bbox.y);
  const firstLine = kept[0]?.lines[0];
  if (
    firstLine &&
    firstLine.bbox.y <= layout.content.y + layout.lineHeight &&
    firstLine.bbox.y < 0.3 * layout.page.height &&
    firstLine.text.split(/\s+/).length <= 6
  ) {
    const number = numberOnly(firstLine.text) ?? numberAtEdge(firstLine);
    if (number) return { number, location: 'header', confidence: 0.6 * number.weight };
  }
  const lowest = [...kept].sort((a, b) => b.block.bbox.y + b.block.bbox.height - (a.block.bbox.y + a.block.bbox.height))[0];
  const lastLine = lowest?.lines.at(-1);
  if (lastLine && lastLine.bbox.y > 0.7 * layout.page.height) {
    const number = numberOnly(lastLine.text);
    if (number) return { number, location: 'footer', confidence: 0.6 * number.weight };
  }
  return { number: null, location: 'none', confidence: 0.5 };
}

/** The nearest block under this one that overlaps it horizontally. */
function blockBelow(layout: PageLayout, entry: BlockLayout): BlockLayout | undefined {
  const { bbox } = entry.block;
  return layout.blocks
    .filter((other) => other !== entry && other.noise === 'none' && other.block.bbox.y >= bbox.y + bbox.height - 0.3 * layout.lineHeight)
    .filter((other) => other.block.bbox.x < bbox.x + bbox.width && bbox.x < other.block.bbox.x + other.block.bbox.width)
    .sort((a, b) => a.block.bbox.y - b.block.bbox.y)[0];
}

/**
 * A running head that neither repeats nor carries a page number, known by its place and type: one
 * short line at the top of the page, set apart from the text by white space, in capitals or smaller
 * than the text (a heading at the top of a page is larger, and is followed by text, not by space).
 */
function looksLikeRunningHead(layout: PageLayout, entry: BlockLayout): boolean {
  const { bbox } = entry.block;
  if (!entry.topLine || entry.lines.length !== 1 || entry.words > 10 || bbox.y > 0.12 * layout.page.height) return false;
  const letters = entry.text.replace(/[^\p{L}]/gu, '');
  if (letters.length < 3 || entry.scale >= 1.15) return false;
  const capitals = letters === letters.toUpperCase();
  return (capitals || entry.scale < 0.85) && verticalGap(layout, entry, 'below') >= 1.2 * layout.lineHeight;
}

/**
 * Pages before the book's text that are a title page or a copyright page: the leading pages with
 * little text and no paragraph (no block of 4+ lines, under 60 words). One that says "copyright",
 * "©", "all rights reserved", "ISBN", "first published" is COPYRIGHT; one set in display type
 * (a block 1.3 times the page's text size or more) is TITLE_PAGE. A scan that starts inside the
 * book has a text page first, and so no front matter.
 */
function frontMatterPages(layouts: readonly PageLayout[]): Map<number, BlockClass> {
  const found = new Map<number, BlockClass>();
  if (layouts.length < 3) return found;
  for (const [at, layout] of layouts.entries()) {
    const kept = layout.blocks.filter((entry) => entry.noise === 'none');
    const words = kept.reduce((sum, entry) => sum + entry.words, 0);
    if (words >= 60 || kept.some((entry) => entry.lines.length >= 4)) break;
    if (kept.some((entry) => COPYRIGHT_WORDS.test(entry.text))) found.set(at, 'COPYRIGHT');
    else if (kept.some((entry) => entry.scale >= 1.3)) found.set(at, 'TITLE_PAGE');
  }
  return found;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

const round = (value: number) => Math.round(Math.min(1, Math.max(0, value)) * 100) / 100;
