/**
 * The bad-input catalogue, end to end through the real `bookpipe` bin: one table of case -> expected
 * (exit code, the lines on stderr that name the file / page and the next step, the error code the
 * stage's log records), for every kind of input a user can get wrong. Only the source stage runs
 * (`--stages source`): it is the stage that reads the user's files. The inputs are the real files of
 * ../shared/eval, or made from them at test time (cut short, encrypted, renamed, hundreds of pages).
 *
 * Scan ids are also checked through the library (`openScan`), where a NUL can be passed at all.
 */
import { spawn } from 'node:child_process';
import { copyFile, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode } from '@bookpipe/core';
import { openScan } from '@bookpipe/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bin, bookpipe, type CliRun, evalFile, hasBin, hasEval, noteSkip, tempFolder } from '../support/disk-cli.js';
import { encryptedPdf, manyPagesPdf, pdfWithoutPages, pngSize, truncatedCopy, truncatedFraction } from '../support/disk-inputs.js';

const SUITE = 'bad-input catalogue';
noteSkip(SUITE);

const resource = (name: string) => evalFile('ocrmypdf-resources', name);
/** A stack frame ("    at fn (file.js:1:2)"): never shown unless BOOKPIPE_DEBUG=1. */
const STACK_FRAME = /\n\s+at .+:\d+:\d+/;

interface Case {
  name: string;
  /** Makes the input files in `dir` (or names real ones); returns the paths given to `bookpipe run`. */
  inputs: (dir: string) => Promise<string[]>;
  exit: number;
  /** Each must appear in stderr; a function gets the input paths. */
  stderr: (inputs: string[]) => Array<string | RegExp>;
  /** The BookpipeError code the source stage's log records for the failure. */
  code?: string;
  /** For an accepted input: the size of each page written. */
  pages?: Array<{ width: number; height: number }>;
}

/** Every JSON line of the source stage's logs. */
async function sourceLog(scanDir: string): Promise<Array<Record<string, unknown>>> {
  const dir = path.join(scanDir, 'source', 'logs');
  const files = await readdir(dir).catch(() => [] as string[]);
  const lines: Array<Record<string, unknown>> = [];
  for (const file of files.sort()) {
    for (const line of (await readFile(path.join(dir, file), 'utf8')).split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
  }
  return lines;
}

/** The source pages a scan holds, with their pixel sizes. */
async function sourcePages(scanDir: string): Promise<Array<{ file: string; width: number; height: number }>> {
  const dir = path.join(scanDir, 'source');
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => /^page_\d{4}\.png$/.test(f)).sort();
  return Promise.all(files.map(async (file) => ({ file, ...pngSize(await readFile(path.join(dir, file))) })));
}

const CASES: Case[] = [
  {
    name: 'empty PDF: invalid.pdf (a header and %%EOF, no objects)',
    inputs: async () => [resource('invalid.pdf')],
    exit: 1,
    stderr: ([pdf]) => [`source: FAILED: ${pdf} is not a readable PDF (mupdf: `, 'Check that the file is complete, or export it again.'],
    code: ErrorCode.INPUT_INVALID,
  },
  {
    name: 'empty PDF: a well-formed PDF with no pages',
    inputs: async (dir) => [await pdfWithoutPages(path.join(dir, 'no-pages.pdf'))],
    exit: 1,
    stderr: ([pdf]) => [`source: FAILED: ${pdf} has no pages. Check that this is the right file.`],
    code: ErrorCode.INPUT_INVALID,
  },
  {
    name: 'blank.pdf (one blank page, heavy metadata) is a real page, not an error',
    inputs: async () => [resource('blank.pdf')],
    exit: 0,
    stderr: () => ['source: done in'],
    pages: [{ width: 2550, height: 3300 }],
  },
  {
    name: 'no_contents.pdf (a 10 x 10 in page with no content stream) is a real blank page',
    inputs: async () => [resource('no_contents.pdf')],
    exit: 0,
    stderr: () => ['source: done in'],
    pages: [{ width: 3000, height: 3000 }],
  },
  {
    name: 'zero-byte PDF',
    inputs: async (dir) => [await writeEmpty(path.join(dir, 'zero.pdf'))],
    exit: 1,
    stderr: ([file]) => [`source: FAILED: Input ${file} is empty (0 bytes). Replace it with the real file or leave it out.`],
    code: ErrorCode.INPUT_INVALID,
  },
  {
    // Issue 15 item 2: the first bad file used to stop the whole book, and each rerun revealed only the next.
    name: 'a zero-byte PNG, a symlink loop and a dangling symlink in a folder of real page images: each fails its own page, all named in one run',
    inputs: async (dir) => {
      const folder = path.join(dir, 'pages');
      await mkdir(folder);
      await copyFile(evalFile('old-books', 'c015.tiff'), path.join(folder, 'page_1.tiff'));
      await writeEmpty(path.join(folder, 'page_2.png'));
      await symlink(path.join(folder, 'page_3.png'), path.join(folder, 'page_3.png'));
      await symlink(path.join(dir, 'moved-away.png'), path.join(folder, 'page_4.png'));
      return [folder];
    },
    exit: 1,
    stderr: ([folder]) => [
      `source: page 2 failed: Book page 2: Input ${path.join(folder!, 'page_2.png')} is empty (0 bytes). Replace it with the real file or leave it out.`,
      `source: page 3 failed: Book page 3: Input ${path.join(folder!, 'page_3.png')} is a symbolic link that leads back to itself`,
      `source: page 4 failed: Book page 4: Input ${path.join(folder!, 'page_4.png')} is a symbolic link to ${path.join(path.dirname(folder!), 'moved-away.png')}, which does not exist.`,
      '3 input pages were refused',
    ],
    code: ErrorCode.INPUT_INVALID,
    pages: [{ width: 1400, height: 2067 }],
  },
  {
    name: 'encrypted PDF (linn.pdf with a user password, AES-256)',
    inputs: async (dir) => [await encryptedPdf(path.join(dir, 'locked.pdf'))],
    exit: 1,
    stderr: ([pdf]) => [
      `source: FAILED: ${pdf} is password protected (encrypted PDF). Remove the password first (for example \`qpdf --decrypt --password=... in.pdf out.pdf\`) and pass the decrypted file.`,
    ],
    code: ErrorCode.INPUT_INVALID,
  },
  {
    name: 'truncated PDF (the first half of linn.pdf; mupdf alone would repair it into a blank page)',
    inputs: async (dir) => [await truncatedFraction(resource('linn.pdf'), path.join(dir, 'linn-half.pdf'), 0.5)],
    exit: 1,
    stderr: ([pdf]) => [
      `source: FAILED: ${pdf} is truncated: it does not end with a PDF trailer`,
      'Check that the file is complete (a download or copy cut short), or export it again.',
    ],
    code: ErrorCode.INPUT_INVALID,
    pages: [],
  },
  {
    name: 'truncated PNG (the first 20,000 bytes of linn.png)',
    inputs: async (dir) => [await truncatedCopy(resource('linn.png'), path.join(dir, 'linn-cut.png'), 20_000)],
    exit: 1,
    stderr: ([png]) => [
      new RegExp(
        `source: page 1 failed: Book page 1: ${escapeRegExp(png!)}: cannot decode the image \\(.+\\)\\. The file may be truncated or corrupt: replace it with a complete copy or leave it out\\.`,
      ),
    ],
    code: ErrorCode.INPUT_INVALID,
  },
  {
    name: 'truncated TIFF (the first 30,000 bytes of old-books c015.tiff)',
    inputs: async (dir) => [await truncatedCopy(evalFile('old-books', 'c015.tiff'), path.join(dir, 'c015-cut.tiff'), 30_000)],
    exit: 1,
    stderr: ([tif]) => [new RegExp(`source: FAILED: ${escapeRegExp(tif!)}: cannot decode the image \\(.+\\)\\. The file may be truncated or corrupt`)],
    code: ErrorCode.INPUT_INVALID,
  },
  {
    name: 'a text file named .png',
    inputs: async (dir) => [await writeText(path.join(dir, 'notes.png'), 'Chapter 1 — notes for the scan, not an image\n')],
    exit: 1,
    stderr: ([file]) => [
      `source: FAILED: Input ${file} is not a PDF or an image (PNG, JPEG, TIFF, WebP): its first bytes match none of these formats. Replace it with the real file or leave it out.`,
    ],
    code: ErrorCode.INPUT_INVALID,
  },
  {
    name: 'a JSON file named .png',
    inputs: async (dir) => [await writeText(path.join(dir, 'page.png'), '{"page": 1, "text": "not an image"}\n')],
    exit: 1,
    stderr: ([file]) => [`source: FAILED: Input ${file} is not a PDF or an image`],
    code: ErrorCode.INPUT_INVALID,
  },
  {
    name: 'a real PDF named .png is read as the PDF it is (format from the bytes, not the name)',
    inputs: async (dir) => {
      const file = path.join(dir, 'linn-really-a-pdf.png');
      await copyFile(resource('linn.pdf'), file);
      return [file];
    },
    exit: 0,
    stderr: () => ['source: done in'],
    pages: [{ width: 2550, height: 3300 }],
  },
  {
    name: 'huge image: hugemono.pdf (35000 x 35000 px at 300 DPI) is refused before decoding, page 1 named',
    inputs: async () => [resource('hugemono.pdf')],
    exit: 1,
    stderr: ([pdf]) => [
      `source: page 1 failed: Book page 1: ${pdf}, page 1: the page is 116.7 x 116.7 in; at 300 DPI that is 35000 x 35000 px (1225.0 Mpx), over the input limit of 268.4 Mpx.`,
      'Some pages failed:',
    ],
    code: ErrorCode.INPUT_INVALID,
    pages: [],
  },
  {
    name: 'huge image: 2400dpi.pdf (a 2400 DPI image on a small page) renders at 300 DPI',
    inputs: async () => [resource('2400dpi.pdf')],
    exit: 0,
    stderr: () => ['source: done in'],
    pages: [{ width: 500, height: 358 }],
  },
  {
    name: 'huge image: enormous.pdf (a very large page) is downsampled to the 2^26 px budget',
    inputs: async () => [resource('enormous.pdf')],
    exit: 0,
    stderr: () => ['source: done in'],
    pages: [{ width: 8192, height: 8192 }],
  },
  {
    name: 'unicode and spaces in the path: Bücher/Der Zauberberg – Band 1.pdf',
    inputs: async (dir) => {
      const folder = path.join(dir, 'Bücher');
      await mkdir(folder);
      const file = path.join(folder, 'Der Zauberberg – Band 1.pdf');
      await copyFile(resource('linn.pdf'), file);
      return [file];
    },
    exit: 0,
    stderr: () => ['bookpipe: scan "der-zauberberg-band-1" in ', 'source: done in'],
    pages: [{ width: 2550, height: 3300 }],
  },
  {
    name: 'unicode and spaces in a folder of page images (a symlinked real page inside)',
    inputs: async (dir) => {
      const folder = path.join(dir, 'Bücher', 'Seiten – Band 2');
      await mkdir(folder, { recursive: true });
      await symlink(resource('linn.png'), path.join(folder, 'Seite 1 ü.png'));
      return [folder];
    },
    exit: 0,
    stderr: () => ['bookpipe: scan "seiten-band-2" in ', 'source: done in'],
    pages: [{ width: 2550, height: 3300 }],
  },
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

async function writeEmpty(file: string): Promise<string> {
  await writeFile(file, '');
  return file;
}

async function writeText(file: string, text: string): Promise<string> {
  await writeFile(file, text);
  return file;
}

/** The scan id the CLI derives from the first input (its own rule, checked by the unicode case). */
function derivedScanDir(root: string, stderr: string): string {
  const match = /bookpipe: scan "([^"]+)" in (.+)\n/.exec(stderr);
  if (!match) throw new Error(`the CLI did not say which scan it used:\n${stderr}`);
  expect(match[2]).toBe(path.join(root, match[1]!));
  return match[2]!;
}

describe.skipIf(!hasEval || !hasBin)('bad input catalogue through the bookpipe CLI (source stage)', () => {
  let work: { dir: string } & AsyncDisposable;
  beforeAll(async () => {
    work = await tempFolder('bookpipe-bad-input-');
  });
  afterAll(async () => work?.[Symbol.asyncDispose]());

  let n = 0;
  it.each(CASES)(
    '$name',
    async (c) => {
      const dir = path.join(work.dir, `case-${++n}`);
      await mkdir(dir);
      const root = path.join(dir, 'scans');
      const inputs = await c.inputs(dir);
      const run = await bookpipe(['run', ...inputs, '--root', root, '--stages', 'source'], { cwd: dir });

      expect(run.code, run.stderr).toBe(c.exit);
      for (const expected of c.stderr(inputs)) {
        if (typeof expected === 'string') expect(run.stderr).toContain(expected);
        else expect(run.stderr).toMatch(expected);
      }
      expect(run.stderr).not.toMatch(STACK_FRAME);
      expect(run.stderr).not.toContain('unexpected error');

      const scanDir = derivedScanDir(root, run.stderr);
      if (c.code !== undefined) {
        const failure = (await sourceLog(scanDir)).find((line) => line.level === 'error');
        expect(failure, 'the source log records the failure').toBeDefined();
        expect((failure!.error as { code?: string }).code).toBe(c.code);
      }
      if (c.pages !== undefined) {
        const pages = await sourcePages(scanDir);
        expect(pages.map(({ width, height }) => ({ width, height }))).toEqual(c.pages);
        expect(pages.map((p) => p.file)).toEqual(c.pages.map((_, i) => `page_${String(i + 1).padStart(4, '0')}.png`));
        for (const page of pages) expect(page.width * page.height).toBeLessThanOrEqual(2 ** 26);
      }
      if (c.exit === 0) {
        const metadata = JSON.parse(await readFile(path.join(scanDir, 'metadata.json'), 'utf8')) as {
          totalPages: number;
          sourceFiles: Array<{ path: string }>;
        };
        expect(metadata.totalPages).toBe(c.pages!.length);
        // The path is recorded as given (a folder's files under it), unicode and spaces intact.
        expect(metadata.sourceFiles.length).toBeGreaterThan(0);
        for (const file of metadata.sourceFiles) expect(file.path.startsWith(path.resolve(inputs[0]!)), file.path).toBe(true);
      }
    },
    120_000,
  );

  it('a PDF of 300 pages of mixed sizes (built from real scans): 300 pages numbered 0001-0300, each at its own size', async () => {
    const dir = path.join(work.dir, 'many');
    await mkdir(dir);
    const pdf = path.join(dir, 'many pages.pdf');
    const built = await manyPagesPdf(pdf, 300);
    expect(new Set(built.map((p) => `${p.widthPt}x${p.heightPt}`)).size).toBeGreaterThanOrEqual(8);
    const root = path.join(dir, 'scans');
    const run = await bookpipe(['run', pdf, '--root', root, '--stages', 'source'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('source: 300 pages, 300 to do');
    const scanDir = path.join(root, 'many-pages');
    const pages = await sourcePages(scanDir);
    expect(pages.map((p) => p.file)).toEqual(built.map((_, i) => `page_${String(i + 1).padStart(4, '0')}.png`));
    expect(pages.map(({ width, height }) => ({ width, height }))).toEqual(built.map((p) => ({ width: p.widthPx, height: p.heightPx })));
    const metadata = JSON.parse(await readFile(path.join(scanDir, 'metadata.json'), 'utf8')) as {
      totalPages: number;
      sourceFiles: Array<{ path: string; pages: number; firstPage: number }>;
    };
    expect(metadata).toMatchObject({ totalPages: 300, sourceFiles: [{ path: pdf, pages: 300, firstPage: 1 }] });
  }, 600_000);

  describe('scan ids that would leave the storage root or break the filesystem', () => {
    const ids: Array<{ id: string; problem: string }> = [
      { id: '..', problem: 'it starts with "." (".." would leave the storage root)' },
      { id: '../escape', problem: 'it contains a path separator' },
      { id: 'a/b', problem: 'it contains a path separator' },
      { id: 'a\\b', problem: 'it contains a path separator' },
      { id: '.hidden', problem: 'it starts with "." (".." would leave the storage root)' },
      { id: 'x'.repeat(300), problem: 'it is 300 characters long (at most 128)' },
      { id: '', problem: 'it is empty' },
    ];

    it.each(ids)(
      '--scan-id $id.length chars "$id": refused before anything is written, exit 1',
      async ({ id, problem }) => {
        const dir = path.join(work.dir, `id-${++n}`);
        await mkdir(dir);
        const root = path.join(dir, 'scans');
        const run = await bookpipe(['run', resource('linn.png'), '--scan-id', id, '--root', root, '--stages', 'source'], { cwd: dir });
        expect(run.code).toBe(1);
        expect(run.stderr).toBe(`bookpipe: Invalid scan id ${JSON.stringify(id.slice(0, 80))}: ${problem}. Use a plain name such as "my-book-1923".\n`);
        // Nothing was created: not the root, not a folder beside it.
        expect(await readdir(dir)).toEqual([]);
      },
      60_000,
    );

    it.each([...ids, { id: 'nul\u0000byte', problem: 'it contains a NUL character' }])(
      'openScan({ scanId: $id.length chars }) throws SCAN_ID_INVALID: $problem',
      async ({ id, problem }) => {
        const root = path.join(work.dir, `lib-${++n}`);
        expect(() => openScan({ root, scanId: id })).toThrow(
          expect.objectContaining({ code: ErrorCode.SCAN_ID_INVALID, message: expect.stringContaining(problem) }),
        );
      },
    );

    it('a NUL in --scan-id cannot reach the CLI: the OS argument vector cannot hold it (Node refuses to spawn)', async () => {
      await expect(
        new Promise<CliRun>((done, fail) => {
          try {
            const child = spawn(process.execPath, [bin, 'run', resource('linn.png'), '--scan-id', 'nul\u0000byte']);
            child.on('error', fail);
            child.on('close', (code) => done({ code, signal: null, stdout: '', stderr: '', events: [] }));
          } catch (error) {
            fail(error);
          }
        }),
      ).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    });

    it('a unicode scan id with spaces is a plain name: accepted, its folder named as given', async () => {
      const dir = path.join(work.dir, `id-${++n}`);
      await mkdir(dir);
      const root = path.join(dir, 'scans');
      const run = await bookpipe(['run', resource('linn.png'), '--scan-id', 'Der Zauberberg Band 1 über', '--root', root, '--stages', 'source'], { cwd: dir });
      expect(run.code, run.stderr).toBe(0);
      expect(await readdir(root)).toEqual(['Der Zauberberg Band 1 über']);
      expect((await sourcePages(path.join(root, 'Der Zauberberg Band 1 über'))).map((p) => p.file)).toEqual(['page_0001.png']);
    }, 60_000);
  });
});
