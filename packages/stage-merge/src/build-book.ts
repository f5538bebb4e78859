import {
  type Book,
  type BookChapter,
  type BookFootnote,
  type BookPage,
  type BookParagraph,
  type BookTextPart,
  blockRole,
  type MergeBlock,
  type MergePage,
  type MergeParagraph,
  type PageBreakJoin,
} from '@bookpipe/contracts';
import { decideHyphen, englishLexicon, type Lexicon, textVocabulary, type Vocabulary } from '@bookpipe/text';
import { findMarker, splitMarker } from './footnote-marks.js';

export interface BuildBookOptions {
  scanId: string;
  /** From the scan's metadata.json. */
  title?: string | null;
  author?: string | null;
  year?: number | null;
  language?: string | null;
  /** Pages of the scan that have no merge page, and why. */
  missingPages?: ReadonlyArray<{ page: number; reason: string }>;
  /**
   * Word list for the hyphen of a word broken across a page break.
   * @default englishLexicon() of @bookpipe/stage-correction, loaded only when a page ends with a hyphen
   */
  lexicon?: Lexicon;
}

const lazyEnglish: Lexicon = { rank: (word) => englishLexicon().rank(word) };

/** Closing a page: its anchor and what was left out of the text. */
function bookPage(page: MergePage, anchor: string, removed: BookPage['removed']): BookPage {
  return {
    page: page.pageNumber,
    printedPageNumber: page.printedPageNumber,
    numberingStyle: page.numberingStyle,
    pageNumberInferred: page.pageNumberInferred,
    anchor,
    fromPrevious: page.continuation.fromPrevious,
    toNext: page.continuation.toNext,
    removed,
  };
}

/**
 * Builds the book from its merged pages, in page order, blocks in OCR reading order:
 * - running heads, feet, page numbers and OCR noise are left out of the text (listed per page), and so
 *   are furniture lines the label marked inside text blocks (catch-words, signature marks, marginal notes);
 * - a CHAPTER_HEADING block opens a chapter (heading blocks that follow one another make one title);
 *   SECTION_HEADING blocks become headings inside it;
 * - a page whose body text runs on from the previous page (`continuation`) extends the previous page's
 *   last paragraph; a word broken by a hyphen at the break is joined or kept by `decideHyphen`, with the
 *   book's own words as first evidence;
 * - footnotes are kept with their page, and called from the text where their mark is found, else from
 *   the end of the page's text.
 */
export function buildBook(pages: readonly MergePage[], options: BuildBookOptions): Book {
  const sorted = [...pages].sort((a, b) => a.pageNumber - b.pageNumber);
  const lexicon = options.lexicon ?? lazyEnglish;
  let vocabulary: Vocabulary | undefined;
  const words = () => (vocabulary ??= textVocabulary(sorted.flatMap((page) => page.blocks.flatMap((block) => block.paragraphs.map((p) => p.text)))));

  const chapters: BookChapter[] = [{ title: null, page: null, printedPageNumber: null, content: [] }];
  const footnotes: BookFootnote[] = [];
  const bookPages: BookPage[] = [];
  const anchors = new Set<string>();
  let pageBreakJoins = 0;
  /** The previous page's last body paragraph, when its text runs on to the next page. */
  let runningOn: BookParagraph | null = null;

  for (const page of sorted) {
    const chapter = () => chapters.at(-1)!;
    const removed: BookPage['removed'] = [];
    const notes: MergeBlock[] = [];
    /** The body paragraphs of this page, with the part that is this page's. */
    const body: Array<{ item: BookParagraph; part: BookTextPart }> = [];
    let first = true;
    let lastProse: BookParagraph | null = null;
    const carried = page.continuation.fromPrevious ? runningOn : null;

    for (const block of page.blocks) {
      const role = blockRole(block.classification);
      const paragraphs = block.paragraphs.filter((paragraph) => paragraph.text.length > 0);
      // Furniture lines marked inside a block are listed one by one, whatever the block is.
      for (const paragraph of block.paragraphs) {
        for (const line of paragraph.furniture ?? []) {
          removed.push({
            blockNum: block.blockNum,
            parNum: paragraph.parNum,
            lineNum: line.lineNum,
            ...(line.words ? { words: line.words } : {}),
            classification: line.classification,
            text: line.text,
          });
        }
      }
      if (role === 'furniture') {
        const text = paragraphs.map((p) => p.text).join(' ');
        if (text.length > 0 || !block.paragraphs.some((p) => p.furniture))
          removed.push({ blockNum: block.blockNum, classification: block.classification, text });
        continue;
      }
      if (role === 'note') {
        notes.push(block);
        continue;
      }
      if (paragraphs.length === 0 && !block.paragraphs.some((paragraph) => paragraph.headings)) continue;
      const parts = (texts: string[]) => {
        let offset = 0;
        return paragraphs.map((paragraph, index): BookTextPart => {
          const start = offset;
          offset += (texts[index] ?? '').length + 1;
          return { page: page.pageNumber, blockNum: block.blockNum, parNum: paragraph.parNum, start, end: start + (texts[index] ?? '').length };
        });
      };
      if (role === 'chapter-heading' || role === 'section-heading') {
        const texts = paragraphs.map((paragraph) => paragraph.text);
        const text = texts.join(' ');
        const current = chapter();
        if (role === 'chapter-heading' && current.title !== null && current.content.length === 0 && current.page === page.pageNumber) {
          // "CHAPTER IV" then "THE RETURN": one title.
          current.title = `${current.title} — ${text}`;
        } else if (role === 'chapter-heading') {
          chapters.push({ title: text, page: page.pageNumber, printedPageNumber: page.printedPageNumber, content: [] });
        } else {
          current.content.push({ type: 'heading', level: 3, classification: block.classification, text, parts: parts(texts) });
        }
        first = false;
        lastProse = null;
        continue;
      }
      const addParagraph = (paragraph: MergeParagraph) => {
        const part: BookTextPart = { page: page.pageNumber, blockNum: block.blockNum, parNum: paragraph.parNum, start: 0, end: paragraph.text.length };
        // Captions, and text without a letter (a folio or ornament left unlabelled), are kept but never
        // take part in running text across pages (the rule of the pages' edges).
        if (role === 'caption' || !/\p{L}/u.test(paragraph.text)) {
          chapter().content.push(newParagraph(block, paragraph.text, part));
          return;
        }
        let item: BookParagraph;
        if (first && role === 'prose' && carried) {
          item = carried;
          joinAcrossBreak(item, paragraph.text, part, { lexicon, vocabulary: words });
          pageBreakJoins += 1;
          body.push({ item, part: item.parts.at(-1)! });
        } else {
          item = newParagraph(block, paragraph.text, part);
          chapter().content.push(item);
          if (chapter().page === null) {
            chapter().page = page.pageNumber;
            chapter().printedPageNumber = page.printedPageNumber;
          }
          body.push({ item, part });
        }
        first = false;
        lastProse = role === 'prose' ? item : null;
      };
      // Heading lines the label found at a paragraph's start or end: a chapter opens, or a section heading stands, there.
      const headingLines = (paragraph: MergeParagraph, at: 'start' | 'end') => {
        for (const line of paragraph.headings ?? []) {
          if (line.at !== at) continue;
          const part: BookTextPart = { page: page.pageNumber, blockNum: block.blockNum, parNum: paragraph.parNum, start: 0, end: line.text.length };
          if (line.classification === 'CHAPTER_HEADING') {
            chapters.push({ title: line.text, page: page.pageNumber, printedPageNumber: page.printedPageNumber, content: [] });
          } else {
            chapter().content.push({ type: 'heading', level: 3, classification: line.classification, text: line.text, parts: [part] });
          }
          first = false;
          lastProse = null;
        }
      };
      for (const paragraph of block.paragraphs) {
        headingLines(paragraph, 'start');
        if (paragraph.text.length > 0) addParagraph(paragraph);
        headingLines(paragraph, 'end');
      }
    }
    runningOn = page.continuation.toNext ? lastProse : null;

    // Footnotes stay with their page: called from the page's text where their mark is.
    const used = new Map<BookParagraph, Set<number>>();
    notes.forEach((block, index) => {
      const id = `p${page.pageNumber}-${index + 1}`;
      const { marker, rest } = splitMarker(block.paragraphs.map((paragraph) => paragraph.text).join(' '));
      let found = false;
      if (marker !== null) {
        for (const { item, part } of body) {
          const taken = used.get(item) ?? new Set<number>();
          const at = findMarker(item.text, marker, part.start, part.end, taken);
          if (at >= 0) {
            item.footnoteRefs.push({ footnote: id, at, length: marker.length });
            used.set(item, taken.add(at));
            found = true;
            break;
          }
        }
      }
      const last = body.at(-1);
      if (!found && last) last.item.footnoteRefs.push({ footnote: id, at: last.part.end, length: 0 });
      let offset = 0;
      footnotes.push({
        id,
        page: page.pageNumber,
        printedPageNumber: page.printedPageNumber,
        marker,
        text: rest,
        chapter: chapters.length - 1,
        markerFound: found,
        parts: block.paragraphs.map((paragraph) => {
          const start = offset;
          offset += paragraph.text.length + 1;
          return { page: page.pageNumber, blockNum: block.blockNum, parNum: paragraph.parNum, start, end: start + paragraph.text.length };
        }),
      });
    });

    bookPages.push(bookPage(page, uniqueAnchor(page, anchors), removed));
  }

  const items = chapters.flatMap((chapter) => chapter.content);
  const paragraphs = items.filter((item): item is BookParagraph => item.type === 'paragraph');
  // An untitled first chapter with nothing in it (the book opens with a chapter heading) is dropped.
  const kept = chapters[0]!.content.length === 0 && chapters.length > 1 ? chapters.slice(1) : chapters;
  const shift = kept.length - chapters.length;
  return {
    format: 'bookpipe.book',
    version: 1,
    scanId: options.scanId,
    title: options.title ?? null,
    author: options.author ?? null,
    year: options.year ?? null,
    language: options.language ?? null,
    inputs: {
      correction: sorted.some((page) => page.inputs.correction === 'used'),
      label: sorted.some((page) => page.inputs.label === 'used'),
    },
    pages: bookPages,
    missingPages: [...(options.missingPages ?? [])].sort((a, b) => a.page - b.page),
    chapters: kept,
    footnotes: footnotes.map((note) => ({ ...note, chapter: Math.max(0, note.chapter + shift) })),
    stats: {
      pages: sorted.length,
      chapters: kept.filter((chapter) => chapter.title !== null).length,
      paragraphs: paragraphs.length,
      words: paragraphs.reduce((sum, paragraph) => sum + countWords(paragraph.text), 0),
      footnotes: footnotes.length,
      pageBreakJoins,
    },
  };
}

function newParagraph(block: MergeBlock, text: string, part: BookTextPart): BookParagraph {
  return { type: 'paragraph', classification: block.classification, text, pages: [part.page], parts: [part], joins: [], footnoteRefs: [] };
}

/**
 * Appends the next page's first paragraph to `item`. A word broken by a hyphen at the break is joined
 * ("compo-" + "sitor,") or kept ("well-" + "known") by `decideHyphen`; it then belongs to the earlier
 * page's part, and the new page's part starts after it.
 */
function joinAcrossBreak(item: BookParagraph, text: string, part: BookTextPart, options: { lexicon: Lexicon; vocabulary: () => Vocabulary }): PageBreakJoin {
  const left = /\S+$/u.exec(item.text)?.[0] ?? '';
  const right = /^\S+/u.exec(text)?.[0] ?? '';
  const decision = left && right ? decideHyphen(left, right, { lexicon: options.lexicon, vocabulary: options.vocabulary() }) : null;
  const previous = item.parts.at(-1)!;
  let join: PageBreakJoin;
  if (decision) {
    const cut = item.text.length - left.length;
    const rest = text.slice(right.length).replace(/^\s+/, '');
    item.text = item.text.slice(0, cut) + decision.joined + (rest ? ` ${rest}` : '');
    previous.end = cut + decision.joined.length;
    // References called at the end of the earlier page move after the joined word.
    for (const ref of item.footnoteRefs) if (ref.at > cut) Object.assign(ref, { at: previous.end, length: 0 });
    item.parts.push({ ...part, start: Math.min(item.text.length, previous.end + 1), end: item.text.length });
    join = { page: part.page, how: decision.keptHyphen ? 'kept' : 'joined', left, right, reason: decision.reason };
  } else {
    const start = item.text.length + 1;
    item.text = `${item.text} ${text}`;
    item.parts.push({ ...part, start, end: item.text.length });
    join = { page: part.page, how: 'space' };
  }
  if (!item.pages.includes(part.page)) item.pages.push(part.page);
  item.joins.push(join);
  return join;
}

/** `page-12` for a printed 12, `scan-page-3` for a page with no printed number; unique within the book. */
function uniqueAnchor(page: MergePage, taken: Set<string>): string {
  const printed = page.printedPageNumber?.replace(/[^\p{L}\p{N}-]+/gu, '-');
  let anchor = printed ? `page-${printed}` : `scan-page-${page.pageNumber}`;
  if (taken.has(anchor)) anchor = `${anchor}-scan-${page.pageNumber}`;
  taken.add(anchor);
  return anchor;
}

function countWords(text: string): number {
  return text.split(/\s+/).filter((token) => /[\p{L}\p{N}]/u.test(token)).length;
}
