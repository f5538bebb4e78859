/**
 * Real files damaged the way downloads and disks damage them, made from the eval data's PDFs: a
 * truncated copy, a PDF with one broken page image, an encrypted PDF.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { ocrmypdf } from './eval-data.js';

/** Copies the first `bytes` bytes of a real file: a truncated download or an interrupted copy. */
export async function truncatedCopy(source: string, dest: string, bytes: number): Promise<string> {
  const data = await readFile(source);
  await writeFile(dest, data.subarray(0, bytes));
  return dest;
}

/**
 * cardinal.pdf with one broken page: page `brokenPage` (1-based) gets its own copy of the page image
 * whose compressed data is replaced by junk, the way a damaged download or a bad disk sector breaks a
 * single page. The other pages keep the original image.
 */
export async function pdfWithBrokenPage(dest: string, brokenPage: number): Promise<string> {
  const mupdf = await import('mupdf');
  const doc = mupdf.Document.openDocument(await readFile(ocrmypdf('cardinal.pdf')), 'application/pdf').asPDF()!;
  const page = (doc.loadPage(brokenPage - 1) as import('mupdf').PDFPage).getObject();
  const resources = page.getInheritable('Resources');
  const image = resources.get('XObject').get('Im0');
  const dict = doc.newDictionary();
  image.resolve().forEach((value, key) => {
    if (key !== 'Length') dict.put(key as string, value);
  });
  const broken = doc.addRawStream(Buffer.alloc(4000, 0x5a), dict);
  const xobjects = doc.newDictionary();
  xobjects.put('Im0', broken);
  const ownResources = doc.newDictionary();
  resources.forEach((value, key) => {
    ownResources.put(key as string, value);
  });
  ownResources.put('XObject', xobjects);
  page.put('Resources', ownResources);
  await writeFile(dest, doc.saveToBuffer('').asUint8Array());
  doc.destroy();
  return dest;
}

/** linn.pdf saved with a user password (AES-128). */
export async function encryptedPdf(dest: string): Promise<string> {
  const mupdf = await import('mupdf');
  const doc = mupdf.Document.openDocument(await readFile(ocrmypdf('linn.pdf')), 'application/pdf').asPDF()!;
  await writeFile(dest, doc.saveToBuffer('encrypt=aes-128,user-password=secret,owner-password=owner').asUint8Array());
  doc.destroy();
  return dest;
}
