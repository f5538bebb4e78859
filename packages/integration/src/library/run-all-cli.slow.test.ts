/**
 * Issue 17 item 1: `bookpipe run-all` through the real bin (packages/cli/dist/bin.js), offline, no key.
 *
 * - A folder of three books gives the same book.md and book.json, byte for byte, as three single
 *   `bookpipe run`s, and the three books share one OCR engine (`ocrEnginesStarted` of the closing
 *   `library:done` line: the pool is created once, whatever the timing).
 * - A corrupt PDF fails its book alone: the other book comes out whole, the summary names the failure,
 *   the exit code is 1.
 * - A run-all SIGKILLed in the middle of OCR (after the first page:done event, not after a delay)
 *   resumes: the same command again ends whole, with the same books as the single runs.
 *
 * The books are small sample books (the testkit's generator, three texts written here, two or three
 * pages each), so the suite reads about 25 pages in all.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateSampleBook } from '@bookpipe/testkit/sample-book';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, hasBin, runCli } from '../crash/cli-child.js';

const SUITE = 'run-all through the bookpipe CLI';
if (!hasBin) console.warn(`[${SUITE}] skipped: the CLI is not built; run \`pnpm build\`.`);

/** Three short books in the sample book's text format (see testkit's sample-book/book.txt). */
const BOOKS: Record<string, string> = {
  'harbour-lights': `@title Harbour Lights
@author Edith Marsh
@publisher Harrow & Finch
@year 1911

@chapter The Breakwater

The harbour was built in the year the old pier fell into the sea, and the town has measured its history from that winter ever since. The fishermen who remember it speak of the storm as if it were a person, with a temper and a grudge, who came up the estuary one night and took what it wanted.

The new breakwater was made of granite brought down the coast on flat barges, each stone numbered in white paint so that the masons could set it in its place. Some of the numbers can still be read at low tide, when the weed falls back from the lower courses.

The lights at the end of the breakwater were lit for the first time on a calm evening in October, and half the town walked out along the wall to see them. Children were lifted on to shoulders; an old man who had lost two sons to the sea stood apart and said nothing at all.
`,
  'orchard-notes': `@title Notes from an Orchard
@author Thomas Wren
@publisher Harrow & Finch
@year 1905

@chapter Grafting

An apple grown from a pip is never the apple it came from. The tree that grows from it may bear fruit that is sour, or small, or strange in colour, and so every orchard of named apples is a collection of cuttings, each one taken from a tree that was taken from a tree, back to a single seedling that someone once thought worth keeping.

The grafter works in late winter, before the sap rises. He cuts a twig from the tree he wants, shapes its end into a wedge, and sets it into a cleft in the stock, binding the two together with raffia and sealing the wound with wax. If the bark of one meets the bark of the other, they will grow together, and by summer the twig will be in leaf.

It is slow work and uncertain. A careful grafter expects to lose one in five, and he keeps a book in which each graft is written down with its date, its stock and its variety, so that in ten years he will know which of his trees are which.
`,
  'the-lamplighter': `@title The Lamplighter
@author Ruth Callow
@publisher Harrow & Finch
@year 1898

@chapter Evening Rounds

Before the streets were lit by electricity, every lamp in the town was lit by hand. The lamplighter set out at dusk with a long pole, a ladder on his shoulder and a can of oil at his belt, and walked the same round every evening of the year, whatever the weather.

He knew every lamp by its faults. One had a door that stuck in frost, another a wick that smoked if it was turned up too high, and a third, on the corner by the chapel, would not stay lit in a north wind however carefully it was trimmed. The people who lived near it learned to walk home early when the wind was in the north.

In the morning he walked the round again to put the lamps out, and in the afternoon he cleaned the glass, because a dirty lamp gave half the light of a clean one, and the town council, which paid for the oil, was not a body that liked to pay for light it did not get.
`,
};

describe.skipIf(!hasBin)(SUITE, () => {
  let dir: string;
  let books: string;
  const env = cleanEnv({ BOOKPIPE_LOG_LEVEL: 'warn' });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bookpipe-run-all-'));
    books = path.join(dir, 'books');
    await mkdir(books);
    for (const [name, text] of Object.entries(BOOKS)) {
      const textFile = path.join(dir, `${name}.txt`);
      await writeFile(textFile, text);
      await generateSampleBook(path.join(books, `${name}.pdf`), textFile);
    }
    // The reference: each book on its own, the way a user runs one book.
    for (const name of Object.keys(BOOKS)) {
      const single = await runCli(['run', path.join(books, `${name}.pdf`), '--root', 'single', '--workers', '2', '--json'], { cwd: dir, env });
      expect(single.code, single.stderr).toBe(0);
    }
  }, 600_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** book.md and book.json of `root`/`scanId`, against the single run's, byte for byte. */
  async function expectSameBooks(root: string): Promise<void> {
    for (const name of Object.keys(BOOKS)) {
      for (const file of ['book.md', 'book.json']) {
        const got = await readFile(path.join(dir, root, name, 'merge', file));
        const want = await readFile(path.join(dir, 'single', name, 'merge', file));
        expect(got.equals(want), `${root}/${name}/merge/${file} differs from the single run's`).toBe(true);
      }
    }
  }

  it('a folder of three books: the same books as three single runs, one OCR engine for all, a summary', async () => {
    const run = await runCli(['run-all', books, '--out', 'library', '--workers', '2', '--json'], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const done = lines.find((line) => line.type === 'library:done') as {
      ok: boolean;
      ocrEnginesStarted: number;
      books: Array<{ scanId: string; status: string; pages: number }>;
    };
    expect(done.ok).toBe(true);
    // One engine (one piscina pool of warm tesseract workers) served the three books.
    expect(done.ocrEnginesStarted).toBe(1);
    expect(done.books.map((book) => [book.scanId, book.status])).toEqual(Object.keys(BOOKS).map((name) => [name, 'done']));
    // Every pipeline event says which book it belongs to.
    const pageEvents = lines.filter((line) => line.type === 'page:done');
    expect(new Set(pageEvents.map((line) => line.scanId))).toEqual(new Set(Object.keys(BOOKS)));
    // Two books at a time, by event order (not timing): the second book's OCR pages are read before the
    // first book's merge ends (the pool serves both across the book boundary); the third book starts
    // only once one of the first two is done.
    const at = (match: (line: Record<string, unknown>) => boolean) => lines.findIndex(match);
    const [first, second, third] = Object.keys(BOOKS);
    const secondOcrPage = at((l) => l.type === 'page:done' && l.stage === 'ocr' && l.scanId === second);
    const firstMergeDone = at((l) => l.type === 'stage:done' && l.stage === 'merge' && l.scanId === first);
    expect(secondOcrPage).toBeGreaterThanOrEqual(0);
    expect(secondOcrPage).toBeLessThan(firstMergeDone);
    expect(at((l) => l.type === 'book:start' && l.scanId === third)).toBeGreaterThan(at((l) => l.type === 'book:done'));
    await expectSameBooks('library');

    // Rerun: each book resumes with nothing to do; the table (no --json) lists them done.
    const again = await runCli(['run-all', books, '--out', 'library', '--workers', '2'], { cwd: dir, env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^book\s+pages\s+status\s+time\s+book\.md$/m);
    for (const name of Object.keys(BOOKS)) expect(again.stdout).toMatch(new RegExp(`^${name}\\s+\\d+\\s+done\\s`, 'm'));
    expect(again.stderr).toContain('ocr: skipped');
  }, 600_000);

  it('a corrupt book fails alone: the other book is whole, the summary names the failure, exit code 1', async () => {
    const mixed = path.join(dir, 'mixed');
    await mkdir(mixed);
    await writeFile(path.join(mixed, 'broken.pdf'), '%PDF-1.7\nthis is not a PDF body\n');
    const { copyFile } = await import('node:fs/promises');
    await copyFile(path.join(books, 'harbour-lights.pdf'), path.join(mixed, 'harbour-lights.pdf'));
    const run = await runCli(['run-all', mixed, '--out', 'mixed-out', '--workers', '2'], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/^broken\s+-\s+failed\s/m);
    expect(run.stdout).toMatch(/^harbour-lights\s+\d+\s+done\s/m);
    expect(run.stderr).toMatch(/\[broken\] book FAILED: .*broken\.pdf/);
    expect(run.stderr).toContain('Not whole: broken.');
    const md = await readFile(path.join(dir, 'mixed-out', 'harbour-lights', 'merge', 'book.md'));
    expect(md.equals(await readFile(path.join(dir, 'single', 'harbour-lights', 'merge', 'book.md')))).toBe(true);
  }, 600_000);

  it('a list file with a missing path is refused before anything runs, naming the line', async () => {
    const list = path.join(dir, 'list.txt');
    await writeFile(list, `# my library\n\nbooks/harbour-lights.pdf\nbooks/no-such-book.pdf\n`);
    const run = await runCli(['run-all', list, '--out', 'listed'], { cwd: dir, env });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('line 4: books/no-such-book.pdf');
    expect(existsSync(path.join(dir, 'listed'))).toBe(false);
  });

  it('SIGTERM stops run-all like run: exit 143, no further book started, locks released; the same command resumes', async () => {
    // The first book is the 8-page sample book, so it is still rendering when the signal lands.
    const folder = path.join(dir, 'stoppable');
    await mkdir(folder);
    await generateSampleBook(path.join(folder, 'a-sample.pdf'));
    const { copyFile } = await import('node:fs/promises');
    for (const name of ['harbour-lights', 'orchard-notes']) await copyFile(path.join(books, `${name}.pdf`), path.join(folder, `${name}.pdf`));
    const args = ['run-all', folder, '--out', 'stopped', '--stages', 'source', '--books', '1', '--json'];
    let pid = 0;
    let sent = false;
    const run = await runCli(args, {
      cwd: dir,
      env,
      onSpawn: (p) => (pid = p),
      onEvent: (event) => {
        if (!sent && event.type === 'page:done') {
          sent = true;
          process.kill(pid, 'SIGTERM');
        }
      },
    });
    expect(run.code, run.stderr).toBe(143);
    const done = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { type: string; aborted: boolean; books: Array<{ status: string }> };
    expect(done.type).toBe('library:done');
    expect(done.aborted).toBe(true);
    expect(done.books.map((book) => book.status)).toEqual(['stopped', 'not-started', 'not-started']);
    expect(run.stderr).toContain('Finished pages are saved. Run the same command again to resume every book');
    expect(existsSync(path.join(dir, 'stopped', 'a-sample', '.lock'))).toBe(false);

    const resumed = await runCli(args, { cwd: dir, env });
    expect(resumed.code, resumed.stderr).toBe(0);
    const first = resumed.events.find((event) => event.type === 'stage:start' && (event as { scanId?: string }).scanId === 'a-sample');
    expect(first).toMatchObject({ type: 'stage:start', stage: 'source', totalPages: 8 });
    expect((first as { remainingPages: number }).remainingPages).toBeLessThan(8);
  }, 600_000);

  it('a run-all SIGKILLed during OCR resumes: the same command again ends whole, with the same books', async () => {
    const args = ['run-all', books, '--out', 'killed', '--workers', '2', '--json'];
    const killed = await runCli(args, { cwd: dir, env, kill: { kind: 'page-done', stage: 'ocr', fraction: 0, delayMs: 0 } });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    // Killed mid-library: some book had not finished (its lock is left behind, taken over as stale).
    expect(killed.events.filter((event) => (event as { type: string }).type === 'book:done').length).toBeLessThan(3);
    const resumed = await runCli(args, { cwd: dir, env });
    expect(resumed.code, resumed.stderr).toBe(0);
    // Pages the killed run saved were not read again.
    const ocrSkipped = resumed.events.filter((event) => event.type === 'stage:start' && event.stage === 'ocr' && event.remainingPages < event.totalPages);
    expect(ocrSkipped.length).toBeGreaterThan(0);
    await expectSameBooks('killed');
  }, 600_000);
});
