import type { LabelPage } from '@bookpipe/contracts';
import { smallPage } from '@bookpipe/testkit';
import { describe, expect, it } from 'vitest';
import { mergePage } from './merge-page.js';

const page = () =>
  smallPage(7, [
    [['THE PATIENT PAGE']],
    [['  The compositor worked against the clock. A line that was too long was', 'broken, and the word was divided by a compo-', 'sitor who read backwards']],
    [['12']],
  ]);

const label = (classes: Array<[number, LabelPage['blocks'][number]['classification']]>, extra: Partial<LabelPage> = {}): LabelPage => ({
  printedPageNumber: '12',
  numberingStyle: 'arabic',
  pageNumberLocation: 'footer',
  pageNumberConfidence: 0.9,
  pageRegion: 'body',
  pageRegionConfidence: 0.6,
  blocks: classes.map(([blockNum, classification]) => ({ blockNum, classification, confidence: 0.8 })),
  ...extra,
});

describe('mergePage', () => {
  it('OCR only: keeps every block and paragraph, BODY with confidence 0 and labelMissing, the OCR text with line-end hyphens resolved', () => {
    const { page: merged, counts } = mergePage({ ocr: page() });
    expect(merged.inputs).toEqual({ correction: 'not-used', label: 'not-used' });
    expect(merged.blocks.map((b) => [b.blockNum, b.classification, b.classConfidence, b.labelMissing])).toEqual([
      [1, 'BODY', 0, true],
      [2, 'BODY', 0, true],
      [3, 'BODY', 0, true],
    ]);
    const body = merged.blocks[1]!.paragraphs[0]!;
    expect(body.textSource).toBe('ocr');
    expect(body.correctionMissing).toBe(false);
    expect(body.ocrText).toBe(page().blocks[1]!.paragraphs[0]!.text);
    expect(body.text).toContain('a compositor who read backwards');
    expect(merged.printedPageNumber).toBeNull();
    expect(merged.pageNumberSource).toBe('none');
    expect(counts).toMatchObject({ blocks: 3, paragraphs: 3, blocksWithoutLabel: 3, paragraphsWithoutCorrection: 0 });
    expect(counts.ocrWords).toBe(3 + 13 + 9 + 4 + 1);
  });

  it('takes the corrected text where the correction changed a paragraph, the OCR text where it did not, and says where it had nothing', () => {
    const correction = {
      paragraphs: [
        { blockNum: 1, parNum: 1, text: null, notes: '', confidence: 1 },
        { blockNum: 2, parNum: 1, text: 'The compositor worked  against the clock.\nFixed.', notes: 'merged lines', confidence: 0.8 },
        { blockNum: 9, parNum: 1, text: 'nowhere', notes: '', confidence: 0.5 },
      ],
    };
    const { page: merged, counts } = mergePage({ ocr: page(), correction });
    const [head, body, folio] = merged.blocks.map((b) => b.paragraphs[0]!);
    expect(head).toMatchObject({ text: 'THE PATIENT PAGE', textSource: 'ocr', correctionMissing: false, correctionConfidence: 1 });
    expect(body).toMatchObject({
      text: 'The compositor worked against the clock. Fixed.',
      textSource: 'correction',
      correctionConfidence: 0.8,
      correctionNotes: 'merged lines',
    });
    expect(folio).toMatchObject({ text: '12', textSource: 'ocr', correctionMissing: true, correctionConfidence: null });
    expect(counts).toMatchObject({ correctedParagraphs: 1, paragraphsWithoutCorrection: 1, correctionRefused: 0 });
    expect(counts.unmatched).toEqual(['correction for paragraph 9/1']);
    // Paragraphs whose model text the correction stage refused are counted from its flags.
    const flags = [{ blockNum: 1, parNum: 1, reason: 'empty' as const, detail: 'emptied a paragraph of 16 characters' }];
    expect(mergePage({ ocr: page(), correction: { ...correction, flags } }).counts.correctionRefused).toBe(1);
    expect(merged.inputs.correction).toBe('used');
  });

  it('a correction or label stage that has no page for this one: every paragraph or block says it is missing', () => {
    const { page: merged, counts } = mergePage({ ocr: page(), correction: null, label: null });
    expect(merged.inputs).toEqual({ correction: 'missing', label: 'missing' });
    expect(merged.blocks.every((b) => b.labelMissing && b.paragraphs.every((p) => p.correctionMissing && p.textSource === 'ocr'))).toBe(true);
    expect(counts.paragraphsWithoutCorrection).toBe(3);
  });

  it('keeps a block of the OCR margin pass out of the text unless its label calls it furniture', () => {
    const ocr = page();
    const marked = { ...ocr, blocks: ocr.blocks.map((block) => (block.blockNum === 3 ? { ...block, pass: 'margin' as const } : block)) };
    // The merged class of block 3 when the label calls it `third` (head and body labelled as such).
    const third = (input: typeof ocr, classification: LabelPage['blocks'][number]['classification']) =>
      mergePage({
        ocr: input,
        label: label([
          [1, 'HEADER'],
          [2, 'BODY'],
          [3, classification],
        ]),
      }).page.blocks[2]!.classification;
    // Unlabelled, or labelled as text: an OCR artifact, out of the reading text.
    expect(mergePage({ ocr: marked }).page.blocks[2]).toMatchObject({ classification: 'OCR_ARTIFACT', labelMissing: true });
    expect(third(marked, 'BODY')).toBe('OCR_ARTIFACT');
    // Called furniture: furniture of that class.
    expect(third(marked, 'PAGE_NUMBER')).toBe('PAGE_NUMBER');
    // The same block read by the page read itself is text as labelled.
    expect(third(ocr, 'BODY')).toBe('BODY');
  });

  it('applies block classes, keeps unlabelled blocks as BODY 0, and prefers the book-wide page number to the page label', () => {
    const own = mergePage({
      ocr: page(),
      label: label([
        [1, 'HEADER'],
        [3, 'PAGE_NUMBER'],
        [4, 'BODY'],
      ]),
    });
    expect(own.page.blocks.map((b) => [b.classification, b.classConfidence, b.labelMissing])).toEqual([
      ['HEADER', 0.8, false],
      ['BODY', 0, true],
      ['PAGE_NUMBER', 0.8, false],
    ]);
    expect(own.counts.unmatched).toEqual(['label for block 4']);
    expect(own.page).toMatchObject({ printedPageNumber: '12', numberingStyle: 'arabic', pageNumberInferred: false, pageNumberSource: 'label-page' });

    const reconciled = mergePage({
      ocr: page(),
      label: label([[1, 'HEADER']]),
      pageNumber: { printedPageNumber: '13', numberingStyle: 'arabic', inferred: true },
    });
    expect(reconciled.page).toMatchObject({ printedPageNumber: '13', pageNumberInferred: true, pageNumberSource: 'label-book' });
  });

  it('decides its edges on body text only: the running head above and the page number below are ignored', () => {
    const labelled = mergePage({
      ocr: page(),
      label: label([
        [1, 'HEADER'],
        [2, 'BODY'],
        [3, 'PAGE_NUMBER'],
      ]),
    });
    expect(labelled.edge.start).toMatchObject({ startsLowercase: false, indented: true });
    expect(labelled.edge.end).toMatchObject({ open: true, hyphen: false });
    // Unlabelled, the running head starts the page as if it were body text; the folio "12", with no
    // letter, never counts as body text.
    const unlabelled = mergePage({ ocr: page() });
    expect(unlabelled.edge.start?.text).toBe('THE PATIENT PAGE');
    expect(unlabelled.edge.end?.text).toMatch(/sitor who read backwards$/);
  });
});
