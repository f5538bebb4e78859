/**
 * Disk and file faults, through the real `bookpipe` bin on three real pages (old-books c015-c017), all
 * five stages (correction and label in their deterministic modes: no key in the environment).
 *
 * The promise checked: no silently wrong book. Either the run after the fault (or after the user's
 * repair) ends with exactly the book of an uninterrupted run, or the run stops with an error that names
 * the file and the next step, and every file already written is unchanged (the scan folder hashed
 * before and after). Each scenario works on its own copy of the clean run's scan, under its own root
 * and with the same scan id, so book.md compares byte for byte.
 *
 * Mechanisms: a full disk is a tiny tmpfs when this process may mount (root on a plain machine), and a
 * file size limit (`ulimit -f`, EFBIG) always; a storage root that is not writable is chmod 555 when
 * permission bits stop us (not root), a read-only bind mount when we are root and may mount, and always
 * a root whose parent is a regular file. Each test logs which mechanism ran.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bookpipe,
  type CliRun,
  canMount,
  chmodStopsWrites,
  evalFile,
  hasBin,
  hasEval,
  hashTree,
  isLogFile,
  mountReadOnly,
  mountTmpfs,
  noteSkip,
  pagesDone,
  tempFolder,
  treeChanges,
  usedBytes,
} from '../support/disk-cli.js';

const SUITE = 'disk-faults';
noteSkip(SUITE);

const PAGES = ['c015', 'c016', 'c017'].map((page) => evalFile('old-books', `${page}.tiff`));
const SCAN = 'book';

/** `bookpipe run <the three pages> --scan-id book --root <root> --json`. */
function run(root: string, extra: string[] = [], options: { fileSizeLimit?: number } = {}): Promise<CliRun> {
  return bookpipe(['run', ...PAGES, '--scan-id', SCAN, '--root', root, '--workers', '2', '--json', ...extra], options);
}

/** JSON text with every `createdAt` and `updatedAt` dropped: the only fields a redone write may change. */
function withoutStamps(text: string): unknown {
  return JSON.parse(text, (key, value: unknown) => (key === 'createdAt' || key === 'updatedAt' ? undefined : value));
}

function note(test: string, mechanism: string): void {
  console.info(`[${SUITE}] ${test}: mechanism = ${mechanism}`);
}

describe.skipIf(!hasEval || !hasBin)('disk and file faults through the bookpipe CLI (3 real pages, all stages)', () => {
  let work: { dir: string } & AsyncDisposable;
  let cleanRoot: string;
  let cleanBook: string;
  let cases = 0;

  beforeAll(async () => {
    work = await tempFolder('bookpipe-disk-faults-');
    cleanRoot = path.join(work.dir, 'clean');
    const clean = await run(cleanRoot);
    expect(clean.code, clean.stderr).toBe(0);
    cleanBook = await readFile(path.join(cleanRoot, SCAN, 'merge/book.md'), 'utf8');
    expect(cleanBook).toContain('King Manus');
  }, 300_000);
  afterAll(async () => work?.[Symbol.asyncDispose]());

  /** A fresh root holding a copy of the clean run's scan (no lock file). */
  async function copyOfClean(root = path.join(work.dir, `case-${++cases}`)): Promise<{ root: string; scanDir: string }> {
    await mkdir(root, { recursive: true });
    await cp(path.join(cleanRoot, SCAN), path.join(root, SCAN), { recursive: true, filter: (source) => path.basename(source) !== '.lock' });
    return { root, scanDir: path.join(root, SCAN) };
  }

  const bookOf = (scanDir: string) => readFile(path.join(scanDir, 'merge/book.md'), 'utf8');
  const cleanFile = (file: string) => readFile(path.join(cleanRoot, SCAN, file));

  /** A page file as the clean run made it: PNG bytes equal, JSON equal but for its `createdAt` stamp. */
  async function expectCleanPage(scanDir: string, file: string): Promise<void> {
    const [now, clean] = [await readFile(path.join(scanDir, file)), await cleanFile(file)];
    if (file.endsWith('.png')) expect(now.equals(clean), file).toBe(true);
    else expect(withoutStamps(now.toString('utf8')), file).toEqual(withoutStamps(clean.toString('utf8')));
  }

  /**
   * Proves a failed run changed nothing already written: every file is as before, except that a
   * journal may have grown by appended lines and metadata.json may carry a new `updatedAt` (the source
   * stage re-records its inputs each run, atomically); new files only where `mayAdd` allows.
   */
  async function expectNothingChanged(
    scanDir: string,
    before: Map<string, string>,
    saved: Map<string, string>,
    mayAdd: (file: string) => boolean = isLogFile,
  ): Promise<void> {
    const changes = treeChanges(before, await hashTree(scanDir));
    expect(changes.removed).toEqual([]);
    expect(changes.added.filter((file) => !mayAdd(file))).toEqual([]);
    for (const file of changes.changed) {
      const now = await readFile(path.join(scanDir, file), 'utf8');
      if (file.endsWith('checkpoint.jsonl')) expect(now.startsWith(saved.get(file)!), `${file} only grew`).toBe(true);
      else if (file === 'metadata.json') expect(withoutStamps(now)).toEqual(withoutStamps(saved.get(file)!));
      else expect.fail(`${file} was changed by a run that failed`);
    }
  }

  /** The text of every file under `dir`, to compare after a run with `expectNothingChanged`. */
  async function snapshot(scanDir: string): Promise<{ hashes: Map<string, string>; texts: Map<string, string> }> {
    const hashes = await hashTree(scanDir);
    const texts = new Map<string, string>();
    for (const file of hashes.keys()) if (file.endsWith('.jsonl') || file.endsWith('.json')) texts.set(file, await readFile(path.join(scanDir, file), 'utf8'));
    return { hashes, texts };
  }

  describe('a page file deleted or truncated between runs: the next run redoes exactly that page', () => {
    it.each([
      { file: 'source/page_0002.png', damage: 'deleted', stage: 'source', page: 2 },
      { file: 'ocr/page_0002.json', damage: 'truncated', stage: 'ocr', page: 2 },
      { file: 'ocr/page_0001.json', damage: 'emptied', stage: 'ocr', page: 1 },
      { file: 'correction/page_0003.json', damage: 'truncated', stage: 'correction', page: 3 },
      { file: 'label/page_0001.json', damage: 'deleted', stage: 'label', page: 1 },
      { file: 'merge/page_0002.json', damage: 'deleted', stage: 'merge', page: 2 },
      { file: 'merge/page_0003.json', damage: 'truncated', stage: 'merge', page: 3 },
    ] as const)(
      '$stage page $page $damage',
      async ({ file, damage, stage, page }) => {
        const { root, scanDir } = await copyOfClean();
        const target = path.join(scanDir, file);
        if (damage === 'deleted') await rm(target);
        else await truncate(target, damage === 'emptied' ? 0 : Math.floor((await stat(target)).size / 2));

        const again = await run(root);
        expect(again.code, again.stderr).toBe(0);
        expect(pagesDone(again)).toEqual({ [stage]: [page] });
        // The redone page is the page the clean run made, and so is the book.
        await expectCleanPage(scanDir, file);
        expect(await bookOf(scanDir)).toBe(cleanBook);
      },
      120_000,
    );

    it('book.md deleted: written again from the merge pages, no page redone (was: run "done" with no book)', async () => {
      const { root, scanDir } = await copyOfClean();
      await rm(path.join(scanDir, 'merge/book.md'));
      const again = await run(root);
      expect(again.code, again.stderr).toBe(0);
      expect(pagesDone(again)).toEqual({});
      expect(again.events).toContainEqual({
        type: 'stage:event',
        stage: 'merge',
        event: { type: 'merge:warning', message: `${path.join(scanDir, 'merge/book.md')} was missing: written again from the merge pages.` },
      });
      expect(again.stderr).toContain(`book.md:   ${path.join(scanDir, 'merge/book.md')}`);
      expect(await bookOf(scanDir)).toBe(cleanBook);
    }, 60_000);
  });

  describe('metadata.json corrupted', () => {
    it.each([
      { damage: 'truncated', corrupt: (text: string) => text.slice(0, Math.floor(text.length / 2)), problem: 'it is not valid JSON', recover: true },
      {
        damage: 'not an object',
        corrupt: () => '[1, 2, 3]\n',
        problem: 'it does not match the metadata schema: (root): Invalid input: expected object, received array',
        recover: false,
      },
      { damage: 'binary junk', corrupt: () => '\u0000\u0001garbage\u00ff', problem: 'it is not valid JSON', recover: false },
    ])(
      '$damage: a clear error naming the file and the next step, nothing else written',
      async ({ corrupt, problem, recover }) => {
        const { root, scanDir } = await copyOfClean();
        const metadata = path.join(scanDir, 'metadata.json');
        await writeFile(metadata, corrupt(await readFile(metadata, 'utf8')));
        const before = await hashTree(scanDir);

        const failed = await run(root);
        expect(failed.code).toBe(1);
        expect(failed.stderr).toContain(`${metadata} of scan "${SCAN}" is corrupt: ${problem}`);
        // The next step is a command the CLI has (not "run the source stage", which then asks for force).
        expect(failed.stderr).toMatch(
          /Fix it by hand, or delete it and remake it from the files the scan was made from: `bookpipe run .+ --scan-id \S+ --root \S+ --stages source --clean`/,
        );
        expect(failed.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/); // no stack trace
        const changes = treeChanges(before, await hashTree(scanDir));
        expect(changes.changed).toEqual([]);
        expect(changes.removed).toEqual([]);
        expect(changes.added.filter((file) => !isLogFile(file))).toEqual([]);

        if (!recover) return;
        // The next step, the CLI's way: delete it, and start afresh (`--clean` is the CLI's form of the
        // source stage's `force`; without it the source stage refuses pages it has no record of).
        await rm(metadata);
        const refused = await run(root);
        expect(refused.code).toBe(1);
        expect(refused.stderr).toContain(`Scan "${SCAN}" already holds 3 source pages, but metadata.json does not say which files they came from`);
        const fresh = await run(root, ['--clean']);
        expect(fresh.code, fresh.stderr).toBe(0);
        expect(await bookOf(scanDir)).toBe(cleanBook);
      },
      180_000,
    );
  });

  describe('checkpoint.jsonl corrupted or truncated: repaired from the page files, nothing redone', () => {
    it.each([
      { stage: 'ocr', damage: 'a line replaced by junk', corrupt: (text: string) => text.replace(/^.*$/m, '{"type":"page","page":\u0000 garbage') },
      { stage: 'ocr', damage: 'cut in the middle of its first line', corrupt: (text: string) => text.slice(0, Math.floor(text.indexOf('\n') / 2)) },
      { stage: 'source', damage: 'emptied', corrupt: () => '' },
      { stage: 'merge', damage: 'random bytes', corrupt: () => '\u00ff\u00fe\u0000\u0007not a journal\n\u0001\u0002' },
    ])(
      '$stage journal $damage',
      async ({ stage, corrupt }) => {
        const { root, scanDir } = await copyOfClean();
        const journal = path.join(scanDir, stage, 'checkpoint.jsonl');
        await writeFile(journal, corrupt(await readFile(journal, 'utf8')));
        const pagesBefore = [...(await hashTree(scanDir))].filter(([file]) => /page_\d+\.(png|json)$/.test(file));

        const again = await run(root);
        expect(again.code, again.stderr).toBe(0);
        expect(pagesDone(again)).toEqual({});
        const after = await hashTree(scanDir);
        for (const [file, hash] of pagesBefore) expect(after.get(file), file).toBe(hash);
        expect(await bookOf(scanDir)).toBe(cleanBook);

        // The journal is usable again: the run after says every stage is complete.
        const status = await bookpipe(['status', SCAN, '--root', root]);
        expect(status.code, status.stderr).toBe(0);
        expect(status.stdout).toMatch(new RegExp(`\\n  ${stage} +3/3 pages  complete`));
      },
      60_000,
    );
  });

  describe('storage root not writable', () => {
    it('an existing scan on a root that cannot be written: the error names the scan and the next step, nothing changes', async (ctx) => {
      const { root, scanDir } = await copyOfClean();
      await rm(path.join(scanDir, 'merge'), { recursive: true }); // work left to do
      const before = await hashTree(scanDir);
      let mechanism: string;
      let restore: () => Promise<void>;
      if (chmodStopsWrites()) {
        mechanism = 'chmod 555 on the scan folder and its stage folders (not root: permission bits apply)';
        const dirs = [scanDir, ...['source', 'ocr', 'correction', 'label'].map((s) => path.join(scanDir, s))];
        for (const dir of dirs) await chmod(dir, 0o555);
        restore = async () => {
          for (const dir of dirs) await chmod(dir, 0o755);
        };
      } else if (canMount()) {
        mechanism = 'read-only bind mount of the storage root (root ignores chmod 555; mount is permitted)';
        const mount = mountReadOnly(root);
        restore = async () => mount[Symbol.asyncDispose]();
      } else {
        ctx.skip(); // the parent-is-a-file test below covers this machine
        return;
      }
      note('root not writable', mechanism);

      let failed: CliRun;
      try {
        failed = await run(root);
      } finally {
        await restore();
      }
      expect(failed.code).toBe(1);
      expect(failed.stderr).toContain(`(scan "${SCAN}")`);
      expect(failed.stderr).toMatch(
        chmodStopsWrites()
          ? /permission denied\. Check that the user running bookpipe may read and write this folder \[EACCES\]/
          : /the filesystem is read-only\. Point BOOKPIPE_ROOT at a writable folder \[EROFS\]/,
      );
      expect(failed.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
      expect(treeChanges(before, await hashTree(scanDir))).toEqual({ changed: [], removed: [], added: [] });

      // Writable again: the same command finishes the clean book.
      const again = await run(root);
      expect(again.code, again.stderr).toBe(0);
      expect(pagesDone(again)).toEqual({ merge: [1, 2, 3] });
      expect(await bookOf(scanDir)).toBe(cleanBook);
    }, 120_000);

    it('a root whose parent is a regular file (works as root and without mount): names the path, says to move the file', async () => {
      note('root under a file', 'storage root path whose parent is a regular file (ENOTDIR)');
      const file = path.join(work.dir, 'not-a-folder');
      await writeFile(file, 'a file where a folder should be\n');
      const root = path.join(file, 'scans');
      const failed = await run(root);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toContain(
        `Could not create ${path.join(root, SCAN)} (scan "${SCAN}"): a parent of this path is a file, not a folder. Move that file away [ENOTDIR].`,
      );
      expect(failed.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
      expect(await readFile(file, 'utf8')).toBe('a file where a folder should be\n');
    }, 60_000);

    /** Runs on an empty read-only tmpfs root; returns the run and what the root held afterwards. */
    async function runOnReadOnlyTmpfs(name: string): Promise<{ root: string; failed: CliRun; left: string[] }> {
      const root = path.join(work.dir, name);
      await mkdir(root);
      const mount = mountTmpfs(root, 64 * 1024);
      try {
        execFileSync('mount', ['-o', 'remount,ro', root]);
        const failed = await run(root);
        return { root, failed, left: await readdir(root) };
      } finally {
        await mount[Symbol.asyncDispose]();
      }
    }

    it.skipIf(!canMount())(
      'an empty read-only root (read-only tmpfs): exit 1, names the scan folder, writes nothing',
      async () => {
        note('empty read-only root', 'read-only tmpfs mounted as the storage root');
        const { root, failed, left } = await runOnReadOnlyTmpfs('ro-root');
        expect(failed.code).toBe(1);
        expect(failed.stderr).toContain(`Could not create ${path.join(root, SCAN)} (scan "${SCAN}")`);
        expect(failed.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
        expect(left).toEqual([]);
      },
      60_000,
    );

    // Node's recursive mkdir reports ENOENT ("no such file or directory") on a read-only filesystem;
    // storage's makeDir creates the first missing folder alone to get the real cause.
    it.skipIf(!canMount())(
      'an empty read-only root is reported as read-only [EROFS], not ENOENT',
      async () => {
        const { failed } = await runOnReadOnlyTmpfs('ro-root-2');
        expect(failed.stderr).toContain('the filesystem is read-only. Point BOOKPIPE_ROOT at a writable folder [EROFS]');
      },
      60_000,
    );
  });

  describe('disk full', () => {
    it.skipIf(!canMount())(
      'tmpfs with too little room for the last OCR page: ENOSPC names the page; finished pages kept; room again -> the clean book',
      async () => {
        note('disk full', 'tmpfs resized to what the scan uses plus half an OCR page');
        const root = path.join(work.dir, 'tmpfs-root');
        await mkdir(root);
        const mount = mountTmpfs(root, 64 * 1024 * 1024);
        try {
          const { scanDir } = await copyOfClean(root);
          await rm(path.join(scanDir, 'ocr/page_0003.json'));
          await rm(path.join(scanDir, 'merge'), { recursive: true });
          // Room for less than half the page: its write fails whatever the OCR page format's size.
          const pageBytes = (await stat(path.join(cleanRoot, SCAN, 'ocr/page_0003.json'))).size;
          mount.resize(usedBytes(root) + Math.floor(pageBytes / 2));
          const { hashes: before, texts } = await snapshot(scanDir);

          const failed = await run(root);
          expect(failed.code).toBe(1);
          const page3 = path.join(scanDir, 'ocr/page_0003.json');
          expect(failed.stderr).toContain(
            `Could not write ${page3} (scan "${SCAN}", stage "ocr", page 3): the disk is full. Free some space and run again; finished pages are kept [ENOSPC].`,
          );
          expect(failed.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
          expect(failed.stderr).not.toContain('unexpected error');
          await expectNothingChanged(scanDir, before, texts);

          mount.resize(64 * 1024 * 1024);
          const again = await run(root);
          expect(again.code, again.stderr).toBe(0);
          expect(pagesDone(again)).toMatchObject({ ocr: [3], merge: [1, 2, 3] });
          await expectCleanPage(scanDir, 'ocr/page_0003.json');
          expect(await bookOf(scanDir)).toBe(cleanBook);
        } finally {
          await mount[Symbol.asyncDispose]();
        }
      },
      180_000,
    );

    it('file size limit (ulimit -f, EFBIG; runs where mount is denied too): book.json too big to write; limit lifted -> the clean book', async () => {
      note('file too large', 'child process under `ulimit -f 16` (8 KiB per file; book.json is ~10 KB, merge pages ~5 KB)');
      const { root, scanDir } = await copyOfClean();
      await rm(path.join(scanDir, 'merge'), { recursive: true });
      const { hashes: before, texts } = await snapshot(scanDir);

      const failed = await run(root, [], { fileSizeLimit: 8 * 1024 });
      expect(failed.code).toBe(1);
      expect(failed.signal).toBeNull();
      expect(failed.stderr).toContain(
        `${path.join(scanDir, 'merge/book.json')} (scan "${SCAN}", stage "merge"): the file is larger than this process may write (ulimit -f). Raise the limit and run again [EFBIG].`,
      );
      expect(failed.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
      await expectNothingChanged(scanDir, before, texts, (file) => file.startsWith('merge/') || isLogFile(file));
      expect(existsSync(path.join(scanDir, 'merge/book.json'))).toBe(false);

      const again = await run(root);
      expect(again.code, again.stderr).toBe(0);
      expect(await bookOf(scanDir)).toBe(cleanBook);
    }, 120_000);
  });
});
