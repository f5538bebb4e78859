/**
 * The README's first command end to end: the sample book generated, then the real `bookpipe` bin
 * run on it offline with no key (as `pnpm demo` does), and book.md read back. It must show the
 * whole pipeline: chapter headings as Markdown headings, footnotes as Markdown footnotes, printed
 * page numbers as anchors, and no running head or page number left in the text.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { generateSampleBook } from '@bookpipe/testkit/sample-book';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = path.resolve(import.meta.dirname, '../../../..');
const bin = path.join(repoRoot, 'packages/cli/dist/bin.js');

describe.skipIf(!existsSync(bin))('the sample book through the bookpipe CLI, offline (pnpm demo)', () => {
  let dir: string;
  let md: string;
  let pages: number;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bookpipe-sample-book-'));
    ({ pages } = await generateSampleBook(path.join(dir, 'sample-book.pdf')));
    // No key and no base URL: the deterministic correction and label stages.
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/_API_KEY$|^BOOKPIPE_/.test(name)));
    await promisify(execFile)(process.execPath, [bin, 'run', 'sample-book.pdf', '--workers', '2'], { cwd: dir, env });
    md = await readFile(path.join(dir, 'scans', 'sample-book', 'merge', 'book.md'), 'utf8');
  }, 300_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** The text of the chapters, without the page anchors and footnote calls bookpipe adds. */
  const chapterText = () =>
    md
      .slice(md.indexOf('\n## '))
      .replace(/<a id="[^"]+"><\/a>/g, '')
      .replace(/\[\^[^\]]+\]/g, '');

  it('has each chapter heading ("CHAPTER I" and the title under it) as one Markdown heading', () => {
    const headings = [...md.matchAll(/^## (.+)$/gm)].map((match) => match[1]);
    expect(headings).toEqual(["CHAPTER I — The Compositor's Case", 'CHAPTER II — Notes at the Foot of the Page', 'CHAPTER III — Reading It Again']);
  });

  it('has the footnotes as Markdown footnotes, called from their paragraphs', () => {
    expect(md).toMatch(/^\[\^p3-1\]: The distinction is older than printing\./m);
    // tesseract.js reads a stray "(" before "Gibbon" on this page: OCR noise is kept, never dropped.
    expect(md).toMatch(/^\[\^p6-1\]: \(?Gibbon is the usual example/m);
    expect(md).toMatch(/that was left\.\[\^p3-1\]/);
    expect(md).toMatch(/misses half the fun\.\[\^p6-1\] Others/);
    // Notes are not in the running text.
    expect(
      chapterText()
        .split('\n')
        .filter((line) => line.includes('Scribes marked a divided word')),
    ).toHaveLength(1);
  });

  it('marks where each printed page starts, numbers read in the running heads or inferred on the openings', () => {
    const anchors = [...md.matchAll(/<a id="([^"]+)"><\/a>/g)].map((match) => match[1]);
    expect(anchors).toHaveLength(pages);
    expect(anchors).toEqual(['scan-page-1', 'scan-page-2', 'page-1', 'page-2', 'page-3', 'page-4', 'page-5', 'page-6']);
  });

  it('leaves the running heads and page numbers out of the text', () => {
    const text = chapterText();
    // Running heads: the book's title over even pages, the chapter's over odd ones, in capitals.
    for (const head of ['THE PATIENT PAGE', "THE COMPOSITOR'S CASE", 'NOTES AT THE FOOT OF THE PAGE', 'READING IT AGAIN']) expect(text).not.toContain(head);
    // The book's text has no figure in it: any digit in the chapters is a page number (or a note mark) left behind.
    expect(text.match(/\d+/g) ?? []).toEqual([]);
    // Sentences carried over a page break join up (no folio or head between them).
    for (const across of ['the compositor added to the page', 'Still, there was always a last correction', 'a number is misread'])
      expect(text).toContain(across);
    expect(text).toContain('A book that has waited a hundred years on a shelf can wait a few minutes more while we read it properly.');
  });

  it('keeps the title page and its year as text, not as a page number', () => {
    expect(md.slice(0, md.indexOf('\n## '))).toContain('Harrow & Finch 1923');
    expect(md).not.toContain('page-1923');
  });
});
