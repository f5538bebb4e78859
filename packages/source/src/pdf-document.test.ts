import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encryptedPdf, evalFile, hasEval, noteSkip, pdfWithBrokenPage, tempDir, truncatedCopy } from '@bookpipe/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PdfDocument, type PdfRenderOptions } from './pdf-document.js';
import { DEFAULT_MAX_INPUT_PIXELS, DEFAULT_MAX_PIXELS } from './pixel-budget.js';

noteSkip('pdf-document');

const at300: PdfRenderOptions = { dpi: 300, maxPixels: DEFAULT_MAX_PIXELS, maxInputPixels: DEFAULT_MAX_INPUT_PIXELS, colour: 'rgb' };
const pdf = (name: string) => evalFile('ocrmypdf-resources', name);

async function renderAll(path: string, options = at300) {
  const doc = await PdfDocument.open(path);
  try {
    return Array.from({ length: doc.pageCount }, (_, i) => doc.renderPage(i, options));
  } finally {
    doc.close();
  }
}

/** Mean of the samples: 255 is a white page. */
function meanLevel(data: Buffer): number {
  let sum = 0;
  for (const v of data) sum += v;
  return sum / data.length;
}

describe.skipIf(!hasEval)('PdfDocument on real PDFs', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    tmp = await tempDir();
  });
  afterAll(() => tmp.remove());

  it('renders linn.pdf (US Letter) at 300 DPI: 2550 x 3300', async () => {
    const [page] = await renderAll(pdf('linn.pdf'));
    expect(page!.pixels).toMatchObject({ width: 2550, height: 3300, channels: 3 });
    expect(page!.dpi).toBe(300);
    expect(page!.downsampled).toBe(false);
    expect(page!.rotate).toBe(0);
    // A page of text: mostly white paper, some ink.
    const level = meanLevel(page!.pixels.data);
    expect(level).toBeGreaterThan(200);
    expect(level).toBeLessThan(254);
  });

  it('cardinal.pdf: no /Rotate on any page, the content itself is turned; page boxes alternate portrait/landscape', async () => {
    const pages = await renderAll(pdf('cardinal.pdf'));
    expect(pages.map((p) => [p.pixels.width, p.pixels.height, p.rotate])).toEqual([
      [2550, 3300, 0],
      [3300, 2550, 0],
      [2550, 3300, 0],
      [3300, 2550, 0],
    ]);
  });

  it('rotated_skew.pdf: /Rotate 90 on a landscape MediaBox is applied, giving a portrait page', async () => {
    const [page] = await renderAll(pdf('rotated_skew.pdf'));
    expect(page!.rotate).toBe(90);
    expect([page!.pixels.width, page!.pixels.height]).toEqual([2550, 3300]);
  });

  it('renders straight to one gray channel when asked', async () => {
    const [page] = await renderAll(pdf('linn.pdf'), { ...at300, colour: 'gray' });
    expect(page!.pixels.channels).toBe(1);
    expect(page!.pixels.data.length).toBe(2550 * 3300);
  });

  it('blank.pdf and no_contents.pdf are valid: each gives one white page, not an error', async () => {
    for (const name of ['blank.pdf', 'no_contents.pdf']) {
      const pages = await renderAll(pdf(name));
      expect(pages).toHaveLength(1);
      expect(meanLevel(pages[0]!.pixels.data)).toBe(255);
    }
    const [noContents] = await renderAll(pdf('no_contents.pdf'));
    expect([noContents!.pixels.width, noContents!.pixels.height]).toEqual([3000, 3000]); // a 10 x 10 in box
  });

  it('2400dpi.pdf: a small page holding a 2400 DPI image renders at 300 DPI within the budget', async () => {
    const [page] = await renderAll(pdf('2400dpi.pdf'));
    expect([page!.pixels.width, page!.pixels.height]).toEqual([500, 358]);
    expect(page!.downsampled).toBe(false);
  });

  it('invalid.pdf (a header and EOF, no objects) is refused on open, naming the file', async () => {
    await expect(PdfDocument.open(pdf('invalid.pdf'))).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      message: expect.stringMatching(/invalid\.pdf is not a readable PDF \(mupdf: .*no objects found/),
    });
  });

  it('hugemono.pdf (a 116 x 116 in page, a 35000 x 35000 image) is refused before anything is decoded', async () => {
    const doc = await PdfDocument.open(pdf('hugemono.pdf'));
    try {
      expect(() => doc.renderPage(0, at300)).toThrow(
        /hugemono\.pdf, page 1: the page is 116\.7 x 116\.7 in; at 300 DPI that is 35000 x 35000 px \(1225\.0 Mpx\), over the input limit of 268\.4 Mpx/,
      );
      // At a DPI where the page itself is within the limit, its declared image still is not.
      expect(() => doc.renderPage(0, { ...at300, dpi: 100 })).toThrow(/holds an image of 35000 x 35000 px \(1225\.0 Mpx\), over the input limit/);
    } finally {
      doc.close();
    }
  });

  it('a truncated PDF is refused as truncated, naming the file (mupdf alone repairs it and renders a blank page)', async () => {
    const linn = pdf('linn.pdf');
    const size = (await readFile(linn)).length;
    for (const fraction of [0.5, 0.9, 0.99]) {
      const path = await truncatedCopy(linn, join(tmp.dir, `linn-cut-${fraction}.pdf`), Math.floor(size * fraction));
      await expect(PdfDocument.open(path)).rejects.toMatchObject({
        code: 'INPUT_INVALID',
        details: { file: path, truncated: true },
        message: expect.stringContaining(`${path} is truncated: it does not end with a PDF trailer`),
      });
    }
  });

  it('an encrypted PDF is refused as password protected', async () => {
    const path = await encryptedPdf(join(tmp.dir, 'locked.pdf'));
    await expect(PdfDocument.open(path)).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      details: { encrypted: true },
      message: expect.stringContaining(`${path} is password protected`),
    });
  });

  it('one broken page fails alone, naming file and page; the pages around it render', async () => {
    const path = await pdfWithBrokenPage(join(tmp.dir, 'broken-page-2.pdf'), 2);
    const doc = await PdfDocument.open(path);
    try {
      expect(doc.pageCount).toBe(4);
      expect(doc.renderPage(0, at300).pixels.width).toBe(2550);
      expect(() => doc.renderPage(1, at300)).toThrow(/broken-page-2\.pdf, page 2: mupdf could not draw all of the page \(error: .*jbig2/);
      expect(doc.renderPage(2, at300).pixels.width).toBe(2550);
      expect(meanLevel(doc.renderPage(3, at300).pixels.data)).toBeLessThan(254);
    } finally {
      doc.close();
    }
  });
});
