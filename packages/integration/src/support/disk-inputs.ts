/**
 * Test support for the bad-input catalogue: damaged and unusual inputs made at test time from the real
 * files of ../shared/eval (never copied into the repository), with mupdf where a PDF must be built.
 */
import { readFile, writeFile } from 'node:fs/promises';
import * as mupdf from 'mupdf';
import { evalFile } from './disk-cli.js';

/** The first `bytes` bytes of a real file: a download or copy cut short. */
export async function truncatedCopy(source: string, dest: string, bytes: number): Promise<string> {
  await writeFile(dest, (await readFile(source)).subarray(0, bytes));
  return dest;
}

/** The first `fraction` of a real file. */
export async function truncatedFraction(source: string, dest: string, fraction: number): Promise<string> {
  const data = await readFile(source);
  await writeFile(dest, data.subarray(0, Math.floor(data.length * fraction)));
  return dest;
}

/** linn.pdf saved with a user password (AES-256). */
export async function encryptedPdf(dest: string): Promise<string> {
  const doc = mupdf.Document.openDocument(await readFile(evalFile('ocrmypdf-resources', 'linn.pdf')), 'application/pdf').asPDF()!;
  try {
    await writeFile(dest, doc.saveToBuffer('encrypt=aes-256,user-password=secret,owner-password=owner').asUint8Array());
  } finally {
    doc.destroy();
  }
  return dest;
}

/** A well-formed PDF with an empty page tree, as some exporters write when given nothing to export. */
export async function pdfWithoutPages(dest: string): Promise<string> {
  const doc = new mupdf.PDFDocument();
  try {
    await writeFile(dest, doc.saveToBuffer('').asUint8Array());
  } finally {
    doc.destroy();
  }
  return dest;
}

/** A page of a built PDF: its size in points and the pixel size the source stage must give it. */
export interface BuiltPage {
  widthPt: number;
  heightPt: number;
  /** At 300 DPI (sizes are multiples of 18 pt = 75 px, so exact). */
  widthPx: number;
  heightPx: number;
  image: string;
}

/**
 * Page sizes in points, all multiples of 18 pt (= 75 px at 300 DPI, so the rendered size is exact):
 * portrait and landscape, pocket-book to octavo, and now and then a full A4-ish plate.
 */
const SIZES: ReadonlyArray<readonly [number, number]> = [
  [162, 252],
  [216, 324],
  [252, 180],
  [180, 288],
  [288, 216],
  [198, 306],
  [144, 216],
];
const PLATE: readonly [number, number] = [594, 846];

/**
 * A PDF of `count` pages of mixed sizes, each showing one of the real scans of ../shared/eval stretched
 * over the page (the images are stored once and shared, so a several-hundred-page file stays small).
 * Every 50th page is a large plate. Returns what each page must become.
 */
export async function manyPagesPdf(dest: string, count: number): Promise<BuiltPage[]> {
  const images = ['old-books/a006.tiff', 'old-books/b013.tiff', 'old-books/g017.tiff', 'ajmc-commentaries/cu31924087948174/imgs/cu31924087948174_0035.png'];
  const doc = new mupdf.PDFDocument();
  const pages: BuiltPage[] = [];
  try {
    const refs = [];
    for (const image of images) refs.push(doc.addImage(new mupdf.Image(await readFile(evalFile(...image.split('/'))))));
    for (let i = 0; i < count; i++) {
      const [w, h] = (i + 1) % 50 === 0 ? PLATE : SIZES[i % SIZES.length]!;
      const which = i % refs.length;
      const resources = doc.addObject({ XObject: { Im0: refs[which]! } });
      doc.insertPage(-1, doc.addPage([0, 0, w, h], 0, resources, `q ${w} 0 0 ${h} 0 0 cm /Im0 Do Q`));
      pages.push({ widthPt: w, heightPt: h, widthPx: (w / 18) * 75, heightPx: (h / 18) * 75, image: images[which]! });
    }
    await writeFile(dest, doc.saveToBuffer('compress').asUint8Array());
  } finally {
    doc.destroy();
  }
  return pages;
}

/** Width and height from a PNG's IHDR chunk. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}
