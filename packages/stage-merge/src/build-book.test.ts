import { BookSchema, type LabelPage } from '@bookpipe/contracts';
import { smallPage } from '@bookpipe/testkit';
import { describe, expect, it } from 'vitest';
import { buildBook } from './build-book.js';
import { linkPages } from './continuation.js';
import { mergePage } from './merge-page.js';
import { renderMarkdown } from './render-markdown.js';

type Class = LabelPage['blocks'][number]['classification'];
function labelled(pageNumber: number, printed: string | null, blocks: Array<[Class, string[][]]>) {
  const ocr = smallPage(
    pageNumber,
    blocks.map(([, paragraphs]) => paragraphs),
  );
  const label: LabelPage = {
    printedPageNumber: printed,
    numberingStyle: printed === null ? 'none' : 'arabic',
    pageNumberLocation: printed === null ? 'none' : 'footer',
    pageNumberConfidence: 0.9,
    pageRegion: 'body',
    pageRegionConfidence: 0.6,
    blocks: blocks.map(([classification], index) => ({ blockNum: index + 1, classification, confidence: 0.9 })),
  };
  return mergePage({ ocr, label });
}

/** Merges pages and links them, as the stage does. */
function merged(...pages: Array<ReturnType<typeof labelled>>) {
  const links = linkPages(pages.map((p) => ({ pageNumber: p.page.pageNumber, edge: p.edge })));
  return pages.map((p) => ({ ...p.page, continuation: { ...p.page.continuation, ...links.get(p.page.pageNumber)! } }));
}

const book = () =>
  merged(
    labelled(1, null, [
      ['CHAPTER_HEADING', [['CHAPTER I']]],
      ['CHAPTER_HEADING', [['The Compositor']]],
      ['BODY', [['  Every printed page began as a handful of small metal letters,', 'picked one by one from a case by a compo-']]],
      ['FOOTNOTE', [['1 The distinction is older than printing.']]],
      ['PAGE_NUMBER', [['1']]],
    ]),
    labelled(2, '2', [
      ['HEADER', [['THE PATIENT PAGE']]],
      ['BODY', [['sitor who read backwards as easily as you read', 'forwards, as we saw.1'], ['  A new paragraph with a note.']]],
      ['FOOTNOTE', [['1 Scribes marked a divided word.']]],
      ['FOOTNOTE', [['* A note with no call in the text.']]],
      ['PAGE_NUMBER', [['2']]],
    ]),
    labelled(3, '3', [
      ['SECTION_HEADING', [['A SECTION']]],
      ['QUOTE', [['  To be, or not to be.']]],
    ]),
  );

describe('buildBook', () => {
  it('opens chapters at chapter headings, joins a paragraph across the page break with the broken word made whole, and leaves running heads and numbers out', () => {
    const result = buildBook(book(), { scanId: 'sample', title: 'The Patient Page' });
    expect(BookSchema.parse(result)).toEqual(result);
    expect(result.chapters.map((c) => [c.title, c.page])).toEqual([['CHAPTER I — The Compositor', 1]]);
    const [joined, second, heading, quote] = result.chapters[0]!.content;
    expect(joined).toMatchObject({ type: 'paragraph', pages: [1, 2], joins: [{ page: 2, how: 'joined', left: 'compo-', right: 'sitor' }] });
    expect(joined?.type === 'paragraph' && joined.text).toBe(
      'Every printed page began as a handful of small metal letters, picked one by one from a case by a compositor who read backwards as easily as you read forwards, as we saw.1',
    );
    expect(second).toMatchObject({ type: 'paragraph', pages: [2], text: 'A new paragraph with a note.' });
    expect(heading).toMatchObject({ type: 'heading', text: 'A SECTION' });
    expect(quote).toMatchObject({ type: 'paragraph', classification: 'QUOTE' });
    expect(result.pages.map((p) => [p.page, p.anchor, p.removed.map((r) => r.text)])).toEqual([
      [1, 'scan-page-1', ['1']],
      [2, 'page-2', ['THE PATIENT PAGE', '2']],
      [3, 'page-3', []],
    ]);
    expect(result.stats).toMatchObject({ pages: 3, chapters: 1, paragraphs: 3, footnotes: 3, pageBreakJoins: 1 });
  });

  it('keeps footnotes with their page and calls them from their mark, else from the end of the page', () => {
    const result = buildBook(book(), { scanId: 'sample' });
    expect(result.footnotes.map((n) => [n.id, n.page, n.marker, n.markerFound, n.text])).toEqual([
      ['p1-1', 1, '1', false, 'The distinction is older than printing.'],
      ['p2-1', 2, '1', true, 'Scribes marked a divided word.'],
      ['p2-2', 2, '*', false, 'A note with no call in the text.'],
    ]);
    const joined = result.chapters[0]!.content[0]!;
    if (joined.type !== 'paragraph') throw new Error('expected a paragraph');
    // p1-1 had no mark on page 1: called after the word that ends the page ("compositor", whole again).
    const call = joined.footnoteRefs.find((r) => r.footnote === 'p1-1')!;
    expect(joined.text.slice(0, call.at)).toMatch(/by a compositor$/);
    const mark = joined.footnoteRefs.find((r) => r.footnote === 'p2-1')!;
    expect(joined.text.slice(mark.at, mark.at + mark.length)).toBe('1');
  });
});

describe('renderMarkdown', () => {
  it('writes headings, paragraphs whole across pages with an anchor where each page starts, and Markdown footnotes', () => {
    const md = renderMarkdown(buildBook(book(), { scanId: 'sample', title: 'The Patient Page', author: 'M. Hale' }));
    expect(md).toContain('# The Patient Page\n\n*M. Hale*');
    expect(md).toContain('<a id="scan-page-1"></a>\n\n## CHAPTER I — The Compositor');
    expect(md).toContain('by a compositor[^p1-1] <a id="page-2"></a>who read backwards as easily as you read forwards, as we saw.[^p2-1]');
    expect(md).toContain('[^p2-1]: Scribes marked a divided word.');
    expect(md).toContain('[^p1-1]: The distinction is older than printing.');
    expect(md).toContain('<a id="page-3"></a>\n\n### A SECTION');
    expect(md).toContain('> To be, or not to be.');
    expect(md).not.toContain('THE PATIENT PAGE');
  });

  it('escapes Markdown in book text', () => {
    const pages = merged(
      labelled(1, null, [
        ['BODY', [['# not a heading <b> *stars* [x]']]],
        ['BODY', [['1923. A year, not a list.']]],
      ]),
    );
    const md = renderMarkdown(buildBook(pages, { scanId: 'x' }));
    expect(md).toContain('\\# not a heading \\<b\\> \\*stars\\* \\[x\\]');
    expect(md).toContain('\n\n1923\\. A year, not a list.');
  });
});
