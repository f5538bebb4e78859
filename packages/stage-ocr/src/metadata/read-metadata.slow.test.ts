/**
 * The deterministic metadata reader on the real OCR (native tesseract) of real first pages: the
 * earliest pages of each book in ../shared/eval. None of them is a title page (old-books starts at
 * prefaces and chapter openings, g006 — the one copyright page — is a black binarisation that OCR
 * reads nothing from; vd-sbb and ajmc are body pages), so what these pages can show is precision:
 * no confident title, author, year, publisher or ISBN read from running text, and the language right.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OcrPage } from '@bookpipe/contracts';
import { evalDir, hasEval, noteSkip, pagesIn, toPng } from '@bookpipe/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOcrEngine } from '../create-ocr-engine.js';
import type { OcrEngine } from '../engine.js';
import { DEFAULT_MIN_METADATA_CONFIDENCE } from './book-metadata.js';
import { readMetadata } from './read-metadata.js';

noteSkip('read-metadata.slow.test.ts');

interface Book {
  name: string;
  images: string[];
  /** ISO 639-1 code of the book's language. */
  language: string;
}

/** The first two pages of each old book, the first page of each vd-sbb work and of the ajmc commentary. */
function firstPages(): Book[] {
  const oldBooks = pagesIn(join(evalDir, 'old-books'));
  const books: Book[] = [];
  for (const letter of new Set(oldBooks.map((p) => p.name[0]!))) {
    books.push({
      name: `old-books ${letter}`,
      images: oldBooks
        .filter((p) => p.name[0] === letter)
        .slice(0, 2)
        .map((p) => p.image),
      language: 'en',
    });
  }
  const vdSbb: Record<string, string> = {
    borrdisc_689809840: 'fr',
    catapabin_657601357: 'fr',
    baltdiss_77478492X: 'la',
    baurodwe_665546211: 'de',
    dubivehie_775844071_0002: 'de',
  };
  for (const [work, language] of Object.entries(vdSbb)) {
    books.push({
      name: `vd-sbb ${work}`,
      images: pagesIn(join(evalDir, 'vd-sbb', work))
        .slice(0, 1)
        .map((p) => p.image),
      language,
    });
  }
  books.push({
    name: 'ajmc',
    images: pagesIn(join(evalDir, 'ajmc-commentaries', 'cu31924087948174', 'imgs'))
      .slice(0, 1)
      .map((p) => p.image),
    language: 'en',
  });
  return books;
}

describe.skipIf(!hasEval)('readMetadata on the real first pages of ../shared/eval', () => {
  let tmp: string;
  let engine: OcrEngine;
  const read = new Map<string, OcrPage[]>();
  const books = hasEval ? firstPages() : [];

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'stage-ocr-metadata-'));
    engine = await createOcrEngine({ engine: 'native', maxWorkers: 2 });
    await Promise.all(
      books.map(async (book) => {
        const pages = await Promise.all(book.images.map(async (image, i) => (await engine.recognize(await toPng(image, tmp), i + 1)).page));
        read.set(book.name, pages);
      }),
    );
  }, 900_000);
  afterAll(async () => {
    await engine?.destroy();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('reads no confident title, author, year, publisher or ISBN from prefaces, chapter openings and body pages', () => {
    const confident: string[] = [];
    for (const book of books) {
      const reading = readMetadata(read.get(book.name)!);
      for (const field of ['title', 'author', 'year', 'publisher', 'isbn'] as const) {
        const found = reading[field];
        if (found && found.confidence >= DEFAULT_MIN_METADATA_CONFIDENCE) confident.push(`${book.name}: ${field} ${JSON.stringify(found)}`);
      }
    }
    expect(confident).toEqual([]);
  });

  it('gets the language right wherever it is confident, and is confident on most books', () => {
    const results = books.map((book) => ({ book: book.name, truth: book.language, found: readMetadata(read.get(book.name)!).language }));
    const confident = results.filter((r) => r.found && r.found.confidence >= DEFAULT_MIN_METADATA_CONFIDENCE);
    console.info(
      `[stage-ocr] language: confident and right on ${confident.filter((r) => r.found!.value === r.truth).length}/${results.length} books`,
      results.map((r) => `${r.book}=${r.found?.value}@${r.found?.confidence}`).join(', '),
    );
    expect(confident.filter((r) => r.found!.value !== r.truth)).toEqual([]);
    expect(confident.length).toBeGreaterThanOrEqual(results.length - 2);
  });
});
