import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BookSummary } from '@bookpipe/book-pipeline';
import { BookpipeError } from '@bookpipe/core';
import { tempDir } from '@bookpipe/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { libraryInputs } from './library-inputs.js';
import { summaryTable } from './run-all-command.js';

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return BookpipeError.isInstance(error) ? `${error.code}: ${error.message}` : String(error);
}

describe('the books of `bookpipe run-all`', () => {
  let dir: string;
  let remove: () => Promise<void>;
  beforeAll(async () => {
    ({ dir, remove } = await tempDir('bookpipe-run-all-inputs-'));
    const lib = join(dir, 'library');
    await mkdir(join(lib, 'b-images'), { recursive: true });
    await mkdir(join(lib, 'empty-folder'));
    await mkdir(join(lib, '.hidden'));
    await writeFile(join(lib, 'b-images', 'page1.TIF'), '');
    await writeFile(join(lib, 'c.PDF'), '');
    await writeFile(join(lib, 'a.pdf'), '');
    await writeFile(join(lib, 'notes.txt'), '');
    await writeFile(join(lib, 'loose.png'), '');
  });
  afterAll(() => remove());

  it('a folder: its PDFs and folders of page images, one book each in name order; what is left out is said', async () => {
    const lib = join(dir, 'library');
    const found = await libraryInputs(lib);
    expect(found.books).toEqual([join(lib, 'a.pdf'), join(lib, 'b-images'), join(lib, 'c.PDF')]);
    expect(found.notes).toEqual([
      `Left out of ${lib} (neither a PDF nor a folder of page images): empty-folder/, loose.png, notes.txt. A book of loose page images needs a folder of its own.`,
    ]);
  });

  it('a list file: one path a line, relative to the list, comments and blank lines ignored', async () => {
    const list = join(dir, 'list.txt');
    await writeFile(list, `# my books\n\nlibrary/a.pdf\n  ${join(dir, 'library', 'b-images')}  \r\n# library/c.PDF\n`);
    expect((await libraryInputs(list)).books).toEqual([join(dir, 'library', 'a.pdf'), join(dir, 'library', 'b-images')]);
  });

  it('a list naming missing paths is refused with every such line, before anything runs', async () => {
    const list = join(dir, 'bad-list.txt');
    await writeFile(list, 'library/a.pdf\nlibrary/gone.pdf\n\n/nowhere/x.pdf\n');
    expect(await refusal(libraryInputs(list))).toBe(
      `CONFIG_INVALID: ${list} names 2 paths that do not exist (relative paths are read from the list's folder):\n  line 2: library/gone.pdf (${join(dir, 'library', 'gone.pdf')})\n  line 4: /nowhere/x.pdf\nFix or remove those lines; nothing was run.`,
    );
  });

  it('a missing target, an empty list and a folder without books are refused with the next step', async () => {
    expect(await refusal(libraryInputs(join(dir, 'nope')))).toMatch(/^CONFIG_INVALID: .*nope does not exist\. Give a folder of books/);
    const empty = join(dir, 'empty.txt');
    await writeFile(empty, '# nothing yet\n');
    expect(await refusal(libraryInputs(empty))).toBe(
      `CONFIG_INVALID: ${empty} lists no book: write one PDF or folder of page images per line ("#" starts a comment).`,
    );
    expect(await refusal(libraryInputs(join(dir, 'library', 'empty-folder')))).toMatch(/holds no book: put PDFs or folders of page images/);
  });
});

describe('the summary table of `bookpipe run-all`', () => {
  const book = (over: Partial<BookSummary>): BookSummary => ({
    scanId: 'x',
    inputs: [],
    status: 'done',
    pages: 8,
    failedPages: 0,
    seconds: 65,
    costUsd: 0.0123,
    notes: [],
    ...over,
  });

  it('lists book, pages, status, time, cost and book.md, aligned', () => {
    const table = summaryTable(
      [
        book({ scanId: 'long-book-name', status: 'incomplete', failedPages: 2 }),
        book({ scanId: 'broken', status: 'failed', pages: null, costUsd: null, seconds: 1 }),
        book({ scanId: 'later', status: 'not-started', pages: null, costUsd: 0 }),
      ],
      { costs: true, root: '/nonexistent-root' },
    );
    expect(table).toBe(
      [
        'book            pages  status                 time  cost          book.md',
        'long-book-name  8      incomplete (2 failed)  1:05  $0.0123       -',
        'broken          -      failed                 0:01  cost unknown  -',
        'later           -      not-started            -     $0.0000       -',
        '',
      ].join('\n'),
    );
  });
});
