/** Renders every page of a PDF to a grayscale PNG with mupdf, as the source stage does. */
import { readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';

export async function renderPdf(pdf: string, outDir: string, dpi = 300): Promise<string[]> {
  const mupdf = await import('mupdf');
  const doc = mupdf.Document.openDocument(await readFile(pdf), 'application/pdf');
  const out: string[] = [];
  try {
    for (let i = 0; i < doc.countPages(); i++) {
      const page = doc.loadPage(i);
      // toPixmap applies the page's /Rotate, as any viewer does.
      const pixmap = page.toPixmap(mupdf.Matrix.scale(dpi / 72, dpi / 72), mupdf.ColorSpace.DeviceGray, false, true);
      const file = join(outDir, `${basename(pdf, '.pdf')}-${i + 1}.png`);
      await writeFile(file, pixmap.asPNG());
      out.push(file);
      pixmap.destroy();
      page.destroy();
    }
  } finally {
    doc.destroy();
  }
  return out;
}
