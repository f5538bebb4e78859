import type { CorrectionPage, LabelPage } from '@bookpipe/contracts';
import { smallPage } from '@bookpipe/testkit';
import { describe, expect, it } from 'vitest';
import { type PageContext, pageHtml } from './page-html.js';
import { buildPageModel, type PageInputs } from './page-model.js';
import { contentSecurityPolicy } from './styles.js';

const ctx = (missingStages: string[] = []): PageContext => ({ scanId: 'book', title: null, pages: [1, 2, 3], missingStages });
const inputs = (extra: Partial<PageInputs>): PageInputs => ({
  page: 2,
  failures: [],
  unreadable: [],
  image: { href: '../images/page_0002.webp', width: 800, height: 1200 },
  lowConfidence: 0.6,
  ...extra,
});

function correction(paragraphs: CorrectionPage['paragraphs']): CorrectionPage {
  return {
    pageNumber: 2,
    method: 'llm',
    model: 'test-model',
    paragraphs,
    totals: { paragraphs: paragraphs.length, corrected: 1, charactersChanged: 2 },
    flags: [],
    createdAt: '2026-11-29T00:00:00Z',
  };
}

/** Markup outside the text: every tag the document holds, by name. */
function tagNames(doc: string): Set<string> {
  return new Set([...doc.matchAll(/<([a-zA-Z][\w-]*)/g)].map((m) => m[1]!.toLowerCase()));
}

describe('pageHtml', () => {
  it('escapes what OCR and the model wrote: a <script> in the OCR text, markup in notes and the book title stay text', () => {
    const ocr = smallPage(2, [[['Hello <script>alert(1)</script> "x" & \'y\'', '<img src=x onerror=alert(2)>']]]);
    const model = buildPageModel(
      inputs({
        ocr,
        correction: correction([
          { blockNum: 1, parNum: 1, text: 'Hello <b onmouseover="alert(3)">bold</b>', notes: '</span><script>alert(4)</script>', confidence: 0.8 },
        ]),
      }),
    );
    const doc = pageHtml(model, { ...ctx(), title: '<iframe src="https://evil.example">' });
    const tags = tagNames(doc);
    for (const tag of ['script', 'img', 'iframe', 'b']) expect(tags.has(tag)).toBe(false);
    // No event-handler attribute in any real tag (escaped text has no "<").
    expect(doc).not.toMatch(/<[^>]*\son\w+\s*=/i);
    expect(doc).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(doc).toContain('&lt;/span&gt;&lt;script&gt;alert(4)&lt;/script&gt;');
    expect(doc).toContain('&lt;iframe src=&quot;https://evil.example&quot;&gt;');
    // The word boxes' tooltips carry the words too, escaped.
    expect(doc).toContain('<title>&lt;script&gt;alert(1)&lt;/script&gt; (0.90)</title>');
    expect(doc).toContain('&quot;x&quot; &amp; &#39;y&#39;');
  });

  it("says which paragraphs kept their OCR text because the correction model's text was refused", () => {
    const ocr = smallPage(2, [[['Tbe first paragraph.'], ['The second one.']]]);
    const flagged = {
      ...correction([]),
      flags: [{ blockNum: 1, parNum: 2, reason: 'empty' as const, detail: 'emptied a paragraph of 15 characters' }],
    };
    const doc = pageHtml(buildPageModel(inputs({ ocr, correction: flagged })), ctx());
    expect(doc).toContain(
      `<p class="notice">The correction model's text was refused for 1 paragraph(s), which keep the OCR text: <a href="#box-b1-p2">block 1 ¶2</a> emptied (emptied a paragraph of 15 characters).</p>`,
    );
    expect(pageHtml(buildPageModel(inputs({ ocr, correction: correction([]) })), ctx())).not.toContain('was refused');
  });

  it('forbids remote loads and scripts in its Content-Security-Policy, and links nothing remote', () => {
    const doc = pageHtml(buildPageModel(inputs({ ocr: smallPage(2, [[['Text']]]) })), ctx());
    const csp = contentSecurityPolicy();
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/script-src 'none'/);
    expect(doc).toContain(`content="${csp.replace(/'/g, '&#39;')}"`);
    expect(doc).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it('highlights corrections word by word and marks low-confidence words in the text and on the image', () => {
    const ocr = smallPage(2, [[['The qnick brown fox'], ['jumps over']]], { qnick: 0.31, brown: 0.59, jumps: 0.6 });
    const model = buildPageModel(
      inputs({
        ocr,
        correction: correction([
          { blockNum: 1, parNum: 1, text: 'The quick brown fox', notes: 'qnick -> quick', confidence: 0.9 },
          { blockNum: 1, parNum: 2, text: null, notes: '', confidence: 0.95 },
        ]),
      }),
    );
    const doc = pageHtml(model, ctx());
    expect(doc).toContain(
      '<del title="read by OCR, not in the final text"><mark class="low" title="OCR confidence 0.31">qnick</mark></del> <ins title="not read by OCR">quick</ins>',
    );
    // 0.59 is under the 0.6 threshold, 0.6 is not.
    expect(doc).toContain('<mark class="low" title="OCR confidence 0.59">brown</mark>');
    expect(doc).not.toContain('>jumps</mark>');
    expect(doc.match(/<rect class="word low"/g)).toHaveLength(2);
    expect(doc).toContain('1 of 2 paragraphs changed from the OCR text');
    expect(doc).toContain('corrected, unchanged');
  });

  it('colours blocks by label class and draws boxes in source pixels inside a viewBox of the OCR page size', () => {
    const ocr = smallPage(2, [[['CHAPTER I']], [['Body text here']]]);
    const label: LabelPage = {
      printedPageNumber: '12',
      numberingStyle: 'arabic',
      pageNumberLocation: 'header',
      pageNumberConfidence: 0.9,
      pageRegion: 'body',
      pageRegionConfidence: 0.9,
      blocks: [
        { blockNum: 1, classification: 'CHAPTER_HEADING', confidence: 0.8 },
        { blockNum: 2, classification: 'BODY', confidence: 0.95 },
      ],
    };
    const doc = pageHtml(buildPageModel(inputs({ ocr, label, printed: { value: '12', inferred: false, source: 'label-page' } })), ctx(['merge']));
    expect(doc).toContain('viewBox="0 0 1600 2400"');
    expect(doc).toContain('<image href="../images/page_0002.webp" x="0" y="0" width="1600" height="2400" preserveAspectRatio="none"/>');
    const b1 = ocr.blocks[0]!.bbox;
    expect(doc).toContain(`<rect class="blk c-CHAPTER_HEADING" id="box-b1" x="${b1.x}" y="${b1.y}" width="${b1.width}" height="${b1.height}">`);
    expect(doc).toContain('<rect class="blk c-BODY" id="box-b2"');
    expect(doc).toMatch(/<ul class="legend"[\s\S]*c-CHAPTER_HEADING[\s\S]*chapter heading[\s\S]*c-BODY/);
    expect(doc).toContain('<strong>12</strong>');
    expect(doc).toContain('Stages not run on this scan: merge.');
  });

  it('shows an OCR-only page: OCR text, unlabelled blocks, and the stages that are missing', () => {
    const doc = pageHtml(buildPageModel(inputs({ ocr: smallPage(2, [[['Only OCR here']]]) })), ctx(['correction', 'label', 'merge']));
    expect(doc).toContain('Stages not run on this scan: correction, label, merge. The text is shown as OCR read it. Blocks are not classified.');
    expect(doc).toContain('<rect class="blk c-unlabelled" id="box-b1"');
    expect(doc).toContain('not known (the label stage has not run)');
    expect(doc).toContain('not known (no merge page)');
    expect(doc).toContain('<p>Only OCR here</p>');
    expect(doc).not.toContain('<del title');
  });

  it('states failures and pages without OCR or image', () => {
    const model = buildPageModel(inputs({ image: null, failures: [{ stage: 'ocr', error: 'tesseract <crashed>' }] }));
    const doc = pageHtml(model, ctx());
    expect(doc).toContain('<strong>ocr</strong> failed: tesseract &lt;crashed&gt;');
    expect(doc).toContain('This page failed in ocr');
    expect(doc).toContain('No OCR text for this page.');
    expect(doc).toMatch(/← page 1<\/a>[\s\S]*page 3 →<\/a>/);
  });
});
