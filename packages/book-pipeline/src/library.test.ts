import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { BookpipeError, loadConfig } from '@bookpipe/core';
import { openScan } from '@bookpipe/storage';
import { blankPagePng, tempDir } from '@bookpipe/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LibraryEvent, libraryBooks, runLibrary } from './library.js';

// The library's own rules (scan ids, a book failing alone, events, book concurrency) on the source stage
// only: small page images, no OCR. Three books sharing one OCR pool and their books against single runs
// are proved through the real bin in packages/integration (library/run-all-cli.slow.test.ts).
describe('runLibrary', () => {
  let dir: string;
  let remove: () => Promise<void>;
  const folders: string[] = [];
  beforeAll(async () => {
    ({ dir, remove } = await tempDir('bookpipe-library-'));
    for (const name of ['alpha', 'beta', 'gamma']) {
      const folder = join(dir, 'books', name);
      await mkdir(folder, { recursive: true });
      await blankPagePng(join(folder, 'p1.png'), 200, 300);
      await blankPagePng(join(folder, 'p2.png'), 200, 300);
      folders.push(folder);
    }
  });
  afterAll(() => remove());
  const config = loadConfig({});

  it('names each book from its input and refuses two books for one scan, naming both, before anything runs', () => {
    expect(libraryBooks(['/x/My Book.pdf', { scanId: 'kept', inputs: [] }])).toEqual([
      { scanId: 'my-book', inputs: ['/x/My Book.pdf'] },
      { scanId: 'kept', inputs: [] },
    ]);
    expect(() => libraryBooks(['/a/book.pdf', '/b/Book.pdf'])).toThrow(
      'Two books would be read into the same scan "book": /a/book.pdf and /b/Book.pdf. Rename one of the files, or give each book its own scanId.',
    );
  });

  it('runs every book into its own scan; a locked book fails alone; events carry the scan id; at most `concurrency` books at once', async () => {
    const root = join(dir, 'scans-1');
    // Another runner holds beta's scan: beta fails with SCAN_LOCKED, as a single `run` would.
    const held = await openScan({ root, scanId: 'beta' }).acquireLock();
    const events: LibraryEvent[] = [];
    let running = 0;
    let most = 0;
    try {
      const result = await runLibrary(folders, {
        openScan: (scanId) => openScan({ root, scanId }),
        config,
        stages: ['source'],
        concurrency: 2,
        onEvent: (event) => {
          events.push(event);
          if (event.type === 'book:start') most = Math.max(most, ++running);
          if (event.type === 'book:done') running -= 1;
        },
      });
      expect(result.books.map((book) => [book.scanId, book.status, book.pages])).toEqual([
        ['alpha', 'done', 2],
        ['beta', 'failed', null],
        ['gamma', 'done', 2],
      ]);
      expect(result.ok).toBe(false);
      expect(result.books[1]!.errorCode).toBe('SCAN_LOCKED');
      expect(result.books[1]!.error).toContain('beta');
      // No OCR stage ran: no engine was started.
      expect(result.ocrEnginesStarted).toBe(0);
    } finally {
      await held.release();
    }
    expect(most).toBeLessThanOrEqual(2);
    for (const event of events) expect(['alpha', 'beta', 'gamma']).toContain(event.scanId);
    expect(events.filter((event) => event.type === 'page:done' && event.scanId === 'gamma')).toHaveLength(2);

    // The lock is free now: the same call resumes (alpha and gamma have nothing to do) and reads beta.
    const again = await runLibrary(folders, { openScan: (scanId) => openScan({ root, scanId }), config, stages: ['source'] });
    expect(again.books.map((book) => book.status)).toEqual(['done', 'done', 'done']);
    expect(again.books[0]!.result?.stages.source).toMatchObject({ status: 'skipped' });

    // An existing scan (no inputs) runs without the source stage; asked for the source stage alone, it says why not.
    const existing = await runLibrary([{ scanId: 'alpha', inputs: [] }], { openScan: (scanId) => openScan({ root, scanId }), config, stages: ['source'] });
    expect(existing.books[0]).toMatchObject({ status: 'failed', pages: 2, errorCode: 'CONFIG_INVALID' });
    expect(existing.books[0]!.error).toContain('Book "alpha" is an existing scan (no inputs), and the only stage asked, source, reads inputs');
  });

  it('one book at a time with concurrency 1, in input order; a stop before the start leaves every book not started', async () => {
    const root = join(dir, 'scans-2');
    const order: string[] = [];
    const result = await runLibrary(folders, {
      openScan: (scanId) => openScan({ root, scanId }),
      config,
      stages: ['source'],
      concurrency: 1,
      onEvent: (event) => {
        if (event.type === 'book:start' || event.type === 'book:done') order.push(`${event.type} ${event.scanId}`);
      },
    });
    expect(result.ok).toBe(true);
    expect(order).toEqual(['book:start alpha', 'book:done alpha', 'book:start beta', 'book:done beta', 'book:start gamma', 'book:done gamma']);

    const cancel = new AbortController();
    cancel.abort();
    const stopped = await runLibrary(folders, {
      openScan: (scanId) => openScan({ root: join(dir, 'scans-3'), scanId }),
      config,
      stages: ['source'],
      cancel: cancel.signal,
    });
    expect(stopped.aborted).toBe(true);
    expect(stopped.books.map((book) => book.status)).toEqual(['not-started', 'not-started', 'not-started']);
  });

  it('refuses an invalid concurrency', async () => {
    const error = await runLibrary(folders, { openScan: (scanId) => openScan({ root: join(dir, 'x'), scanId }), config, concurrency: 0 }).catch(
      (e: unknown) => e,
    );
    expect(BookpipeError.isInstance(error) && error.message).toBe('[book-pipeline] Invalid option `concurrency`: 0. Expected an integer >= 1.');
  });
});
