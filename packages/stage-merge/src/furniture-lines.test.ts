import { BookSchema, type LabelPage, LabelPageSchema, type LineLabel, MergePageSchema } from '@bookpipe/contracts';
import { smallPage } from '@bookpipe/testkit';
import { describe, expect, it } from 'vitest';
import { buildBook } from './build-book.js';
import { continues } from './continuation.js';
import { stripFurnitureFromText, withoutFurniture } from './furniture-lines.js';
import { mergePage } from './merge-page.js';
import { renderMarkdown } from './render-markdown.js';

// Two pages of an old print as OCR reads them: the running head and its folio are the first line of
// the text block, the catch-word (the next page's first word) and the signature mark its last.
const pages = () => [
  smallPage(1, [[['DE ELECTIONE 12', 'the decree of election is absolute', 'and it cannot be changed by the compo-', 'B 3 sitor']]]),
  smallPage(2, [[['IN FORM. CONC. 13', 'sitor of the work, as the author says.']]]),
];
const lines: LineLabel[][] = [
  [
    { blockNum: 1, parNum: 1, lineNum: 1, words: [1, 2], classification: 'HEADER', confidence: 0.9 },
    { blockNum: 1, parNum: 1, lineNum: 1, words: [3, 3], classification: 'PAGE_NUMBER', confidence: 0.9 },
    { blockNum: 1, parNum: 1, lineNum: 4, words: [1, 2], classification: 'SIGNATURE_MARK', confidence: 0.7 },
    { blockNum: 1, parNum: 1, lineNum: 4, words: [3, 3], classification: 'CATCHWORD', confidence: 0.9 },
  ],
  [
    { blockNum: 1, parNum: 1, lineNum: 1, words: [1, 3], classification: 'HEADER', confidence: 0.9 },
    { blockNum: 1, parNum: 1, lineNum: 1, words: [4, 4], classification: 'PAGE_NUMBER', confidence: 0.9 },
  ],
];
const label = (index: number): LabelPage =>
  LabelPageSchema.parse({
    printedPageNumber: String(12 + index),
    numberingStyle: 'arabic',
    pageNumberLocation: 'header',
    pageNumberConfidence: 0.9,
    pageRegion: 'body',
    pageRegionConfidence: 0.6,
    blocks: [{ blockNum: 1, classification: 'BODY', confidence: 0.7 }],
    lines: lines[index],
  });

describe('furniture lines in merge', () => {
  it('leaves furniture out of the text, keeps it with its class, and joins the word broken across the page break', () => {
    const merged = pages().map((ocr, index) => mergePage({ ocr, label: label(index) }));
    const [first, second] = merged.map((entry) => entry.page.blocks[0]?.paragraphs[0]);
    expect(first?.text).toBe('the decree of election is absolute and it cannot be changed by the compo-');
    expect(first?.furniture).toEqual([
      { lineNum: 1, words: [1, 2], classification: 'HEADER', text: 'DE ELECTIONE' },
      { lineNum: 1, words: [3, 3], classification: 'PAGE_NUMBER', text: '12' },
      { lineNum: 4, words: [1, 2], classification: 'SIGNATURE_MARK', text: 'B 3' },
      { lineNum: 4, words: [3, 3], classification: 'CATCHWORD', text: 'sitor' },
    ]);
    expect(first?.ocrText).toBe('DE ELECTIONE 12\nthe decree of election is absolute\nand it cannot be changed by the compo-\nB 3 sitor');
    expect(second?.text).toBe('sitor of the work, as the author says.');
    // With the catch-word gone the page ends on the broken word, and the body runs on.
    expect(merged[0]?.page.continuation.endsWithHyphen).toBe(true);
    expect(continues(merged[0]?.edge.end ?? null, merged[1]?.edge.start ?? null)).toBe(true);

    const final = merged.map((entry, index) =>
      MergePageSchema.parse({ ...entry.page, continuation: { ...entry.page.continuation, fromPrevious: index === 1, toNext: index === 0 } }),
    );
    const book = BookSchema.parse(buildBook(final, { scanId: 'old-print' }));
    const paragraph = book.chapters[0]?.content[0];
    expect(paragraph).toMatchObject({
      type: 'paragraph',
      text: 'the decree of election is absolute and it cannot be changed by the compositor of the work, as the author says.',
    });
    expect(book.pages[0]?.removed).toEqual([
      { blockNum: 1, parNum: 1, lineNum: 1, words: [1, 2], classification: 'HEADER', text: 'DE ELECTIONE' },
      { blockNum: 1, parNum: 1, lineNum: 1, words: [3, 3], classification: 'PAGE_NUMBER', text: '12' },
      { blockNum: 1, parNum: 1, lineNum: 4, words: [1, 2], classification: 'SIGNATURE_MARK', text: 'B 3' },
      { blockNum: 1, parNum: 1, lineNum: 4, words: [3, 3], classification: 'CATCHWORD', text: 'sitor' },
    ]);
    const markdown = renderMarkdown(book);
    for (const furniture of ['DE ELECTIONE', 'IN FORM', 'B 3', 'sitor sitor']) expect(markdown).not.toContain(furniture);
    expect(markdown).toContain('compositor <a id="page-13"></a>of the work');
  });

  it('cuts furniture off a corrected text when its ends read as the furniture, and falls back to OCR when they do not', () => {
    const ocr = pages()[0]!;
    const cut = withoutFurniture(1, ocr.blocks[0]!.paragraphs[0]!, label(0).lines ?? []);
    expect(cut.leading).toEqual(['DE', 'ELECTIONE', '12']);
    expect(cut.trailing).toEqual(['B', '3', 'sitor']);
    expect(stripFurnitureFromText('DE ELECTIONE 12 the decree of election is absolute and it cannot be changed by the compo- B 3 sitor', cut)).toBe(
      'the decree of election is absolute and it cannot be changed by the compo-',
    );
    // The corrector mended the head's words ("DE ELECTIONE" read "BE ELECTYONE") and merged the signature.
    expect(stripFurnitureFromText('BE ELECTYONE 12 the decree is absolute by the compo- B3 sitor', cut)).toBe('the decree is absolute by the compo-');
    expect(stripFurnitureFromText('The decree of election is absolute, and it cannot be changed.', cut)).toBeNull();

    const correction = {
      paragraphs: [{ blockNum: 1, parNum: 1, text: 'The decree of election is absolute, and it cannot be changed.', notes: '', confidence: 0.8 }],
    };
    const merged = mergePage({ ocr, label: label(0), correction }).page.blocks[0]?.paragraphs[0];
    expect(merged).toMatchObject({ textSource: 'ocr', text: 'the decree of election is absolute and it cannot be changed by the compo-' });
  });

  it('takes a whole furniture line out and drops a paragraph left with no text', () => {
    const ocr = smallPage(3, [[['RUNNING HEAD'], ['a paragraph of text that stays']]]);
    const only: LineLabel[] = [{ blockNum: 1, parNum: 1, lineNum: 1, classification: 'HEADER', confidence: 0.8 }];
    const merged = mergePage({ ocr, label: { ...label(0), lines: only } }).page;
    expect(merged.blocks[0]?.paragraphs.map((p) => [p.text, p.furniture])).toEqual([
      ['', [{ lineNum: 1, classification: 'HEADER', text: 'RUNNING HEAD' }]],
      ['a paragraph of text that stays', undefined],
    ]);
    const book = buildBook([merged], { scanId: 'one' });
    expect(book.pages[0]?.removed).toEqual([{ blockNum: 1, parNum: 1, lineNum: 1, classification: 'HEADER', text: 'RUNNING HEAD' }]);
    expect(renderMarkdown(book)).not.toContain('RUNNING HEAD');
  });

  it('sets a heading line apart from the paragraph it closes or opens, and keeps one inside a paragraph as text', () => {
    // OCR read the centred "§. VII." as the last line of one paragraph, and "III." as the first of another.
    const ocr = smallPage(4, [
      [
        ['the first section ends here', 'with its last words.', '§. VII.'],
        ['III.', 'the next section begins'],
      ],
    ]);
    const headings: LineLabel[] = [
      { blockNum: 1, parNum: 1, lineNum: 3, classification: 'SECTION_HEADING', confidence: 0.7 },
      { blockNum: 1, parNum: 2, lineNum: 1, classification: 'SECTION_HEADING', confidence: 0.7 },
    ];
    const correction = {
      paragraphs: [{ blockNum: 1, parNum: 1, text: 'the first section ends here with its last words. §. VII.', notes: '', confidence: 0.8 }],
    };
    const merged = MergePageSchema.parse(mergePage({ ocr, label: { ...label(0), lines: headings }, correction }).page);
    expect(merged.blocks[0]?.paragraphs.map((p) => [p.text, p.textSource, p.headings])).toEqual([
      ['the first section ends here with its last words.', 'correction', [{ lineNum: 3, classification: 'SECTION_HEADING', text: '§. VII.', at: 'end' }]],
      ['the next section begins', 'ocr', [{ lineNum: 1, classification: 'SECTION_HEADING', text: 'III.', at: 'start' }]],
    ]);
    const book = BookSchema.parse(buildBook([merged], { scanId: 'treatise' }));
    expect(book.chapters[0]?.content.map((item) => [item.type, item.text])).toEqual([
      ['paragraph', 'the first section ends here with its last words.'],
      ['heading', '§. VII.'],
      ['heading', 'III.'],
      ['paragraph', 'the next section begins'],
    ]);
    expect(renderMarkdown(book)).toContain('### §. VII.\n\n### III.\n\nthe next section begins');

    // A heading label on a line with text above and below it in the paragraph: the line stays text, in its place.
    const inside = smallPage(5, [[['text before', 'II.', 'text after']]]);
    const middle: LineLabel[] = [{ blockNum: 1, parNum: 1, lineNum: 2, classification: 'SECTION_HEADING', confidence: 0.7 }];
    const kept = mergePage({ ocr: inside, label: { ...label(0), lines: middle } }).page.blocks[0]?.paragraphs[0];
    expect([kept?.text, kept?.headings]).toEqual(['text before II. text after', undefined]);
  });
});
