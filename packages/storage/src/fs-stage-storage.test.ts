import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BasePageMetricsSchema, ErrorCode } from '@bookpipe/core';
import { deadPid, evalDir, runChild, tempDir } from '@bookpipe/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type FsBookStorage, openScan, STAGE_FILE } from './index.js';

const PageSchema = z.object({ text: z.string(), words: z.number().int() });
const m = (pageNum: number) => ({ pageNum, processingTimeSeconds: 0.5, costUsd: 0 });

let root: string;
let cleanup: () => Promise<void>;
let scan: FsBookStorage;
beforeEach(async () => {
  ({ dir: root, remove: cleanup } = await tempDir('bookpipe-storage-'));
  scan = openScan({ root, scanId: 'book' });
  await scan.init();
});
afterEach(() => cleanup());

describe('JSON pages', () => {
  it('savePage writes a validated page file and journals its metrics; loadPage reads it back', async () => {
    const stage = scan.stage('ocr', { schema: PageSchema, metricsSchema: BasePageMetricsSchema });
    await stage.savePage(2, { text: 'hello', words: 1 }, m(2));
    expect(stage.pagePath(2)).toBe(join(scan.dir, 'ocr', 'page_0002.json'));
    expect(JSON.parse(await readFile(stage.pagePath(2), 'utf8'))).toEqual({ text: 'hello', words: 1 });
    expect(await stage.loadPage(2)).toEqual({ text: 'hello', words: 1 });
    expect(await stage.listPages()).toEqual([2]);
    expect(await stage.checkpoint.metrics()).toEqual(new Map([[2, m(2)]]));
    const journal = (await readFile(join(stage.dir, 'checkpoint.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    // Written before the rename, with the file's byte length so that resume can tell the journalled file from an older one.
    expect(journal).toEqual([{ type: 'page', page: 2, metrics: m(2), bytes: (await stat(stage.pagePath(2))).size, at: expect.any(String) }]);
  });

  it('writes pages as compact JSON, and reads pages written indented (by earlier versions) the same', async () => {
    const stage = scan.stage('ocr', { schema: PageSchema });
    await stage.savePage(1, { text: 'one', words: 1 }, m(1));
    expect(await readFile(stage.pagePath(1), 'utf8')).toBe('{"text":"one","words":1}\n');
    await writeFile(stage.pagePath(2), `${JSON.stringify({ text: 'two', words: 1 }, null, 2)}\n`);
    const fresh = openScan({ root, scanId: 'book' }).stage('ocr', { schema: PageSchema });
    expect(await fresh.loadPage(2)).toEqual({ text: 'two', words: 1 });
    expect(await fresh.checkpoint.remainingPages([1, 2, 3])).toEqual([3]);
  });

  it('savePage refuses data or metrics that do not validate, and leaves the old file', async () => {
    const stage = scan.stage('ocr', { schema: PageSchema, metricsSchema: BasePageMetricsSchema });
    await stage.savePage(1, { text: 'old', words: 1 }, m(1));
    const cases: Array<[unknown, Record<string, unknown> & { pageNum: number }, RegExp]> = [
      [{ text: 'new' }, m(1), /words/],
      [{ text: 'new', words: 1 }, { pageNum: 1 }, /checkpoint schema.*processingTimeSeconds/],
      [{ text: 'new', words: 1 }, m(2), /pageNum 2/],
      [{ text: 'new', words: 1n }, m(1), /cannot be written as JSON/],
      [{ text: 'new', words: 1 }, { ...m(1), tokens: 1n }, /metrics cannot be journalled as JSON/],
      // What is validated is what lands on disk: NaN becomes null in JSON, which is not an int.
      [{ text: 'new', words: Number.NaN }, m(1), /words/],
    ];
    for (const [data, metrics, why] of cases) {
      const error = await stage.savePage(1, data, metrics).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: ErrorCode.PAGE_INVALID, message: expect.stringMatching(why) });
      expect((error as Error).message).toContain(stage.pagePath(1));
    }
    expect(await stage.loadPage(1)).toEqual({ text: 'old', words: 1 });
    expect((await stage.checkpoint.metrics()).size).toBe(1);
  });

  it('loadPage: a missing page says which stage to run; an invalid one names the file', async () => {
    const stage = scan.stage('ocr', { schema: PageSchema });
    await expect(stage.loadPage(3)).rejects.toMatchObject({ code: ErrorCode.DEPENDENCY_MISSING, message: expect.stringContaining('Run the ocr stage first') });
    await mkdir(stage.dir, { recursive: true });
    await writeFile(stage.pagePath(3), '{"text": "cut sho');
    await expect(stage.loadPage(3)).rejects.toMatchObject({
      code: ErrorCode.PAGE_INVALID,
      message: expect.stringMatching(/page_0003\.json.*not valid JSON|not valid JSON.*page_0003\.json/),
    });
    await writeFile(stage.pagePath(3), '{"text": 5, "words": 1}');
    await expect(stage.loadPage(3)).rejects.toMatchObject({ code: ErrorCode.PAGE_INVALID, message: expect.stringContaining('text') });
    // A caller's own schema replaces the stage's.
    expect(await stage.loadPage(3, z.object({ text: z.number() }))).toEqual({ text: 5 });
  });

  it('refuses page numbers that are not integers from 1', async () => {
    const stage = scan.stage('ocr');
    await expect(stage.savePage(0, {}, { pageNum: 0 })).rejects.toMatchObject({ code: ErrorCode.PAGE_INVALID });
    expect(() => stage.pagePath(1.5)).toThrowError(expect.objectContaining({ code: ErrorCode.PAGE_INVALID }));
  });
});

describe('atomic writes', () => {
  it('a write interrupted between temp file and rename leaves the old file, and the temp file is ignored', async () => {
    const stage = scan.stage('ocr', { schema: PageSchema });
    await stage.savePage(1, { text: 'old', words: 1 }, m(1));
    // What a process killed mid-write leaves behind: a partial temp file next to the page file.
    const pid = deadPid();
    const temp = join(stage.dir, `.page_0001.json.${pid}.0badf00d.tmp`);
    await writeFile(temp, '{"text": "new but cut');
    expect(await stage.listPages()).toEqual([1]);
    expect(await stage.loadPage(1)).toEqual({ text: 'old', words: 1 });
    expect(await stage.checkpoint.remainingPages([1, 2])).toEqual([2]);
    // Resume cleans up temp files of dead writers.
    expect(existsSync(temp)).toBe(false);
  });

  it('a write that fails half-way (file size limit, EFBIG) keeps the old page and removes the temp file', async () => {
    const stage = scan.stage('pages', { schema: z.object({ text: z.string() }) });
    await stage.savePage(1, { text: 'old' }, { pageNum: 1 });
    // A real failure in the middle of the write: the child may not write files over 16 KiB.
    const child = runChild(new URL('../test-programs/save-page.ts', import.meta.url), [root, 'book', '1', String(100_000)], { shellPrefix: 'ulimit -f 16' });
    const result = await child.waitFor();
    await child.exited;
    expect(result).toMatchObject({ event: 'failed', code: ErrorCode.STORAGE_ERROR, message: expect.stringContaining('EFBIG') });
    expect(result.message).toContain(stage.pagePath(1));
    expect(await stage.loadPage(1)).toEqual({ text: 'old' });
    expect((await readdir(stage.dir)).sort()).toEqual(['checkpoint.jsonl', 'page_0001.json', 'stage.json']);
    expect([...(await stage.checkpoint.metrics()).keys()]).toEqual([1]);
  });

  it('a rename that fails (a folder in the way) is a STORAGE_ERROR naming the path, with no temp file left', async () => {
    const stage = scan.stage('ocr');
    await mkdir(join(stage.pagePath(4), 'blocker'), { recursive: true });
    await expect(stage.savePage(4, { a: 1 }, { pageNum: 4 })).rejects.toMatchObject({
      code: ErrorCode.STORAGE_ERROR,
      message: expect.stringContaining(stage.pagePath(4)),
    });
    expect((await readdir(stage.dir)).sort()).toEqual(['checkpoint.jsonl', 'page_0004.json', 'stage.json']);
    // Journalled before the rename failed, then taken back at once: the page is not done.
    const journal = (await readFile(join(stage.dir, 'checkpoint.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(journal).toMatchObject([
      { type: 'page', page: 4 },
      { type: 'repair', page: 4, problem: 'file-missing' },
    ]);
    expect((await stage.checkpoint.metrics()).size).toBe(0);
  });
});

describe('stage files', () => {
  it('filePath refuses names that leave the stage folder', () => {
    const stage = scan.stage('merge');
    for (const bad of ['../x', '../../etc/passwd', '/etc/passwd', 'a/../../x', '', '.', 'x\0y']) {
      expect(() => stage.filePath(bad), bad).toThrowError(expect.objectContaining({ code: ErrorCode.INPUT_INVALID }));
    }
    expect(stage.filePath('logs/merge-1.jsonl')).toBe(join(stage.dir, 'logs', 'merge-1.jsonl'));
    expect(stage.filePath('a/../book.md')).toBe(join(stage.dir, 'book.md'));
  });

  it('writeFile is atomic and creates folders; readFile reads; the journal and page files are off limits', async () => {
    const stage = scan.stage('merge');
    expect(await stage.writeFile('book.md', '# One\n')).toBe(join(stage.dir, 'book.md'));
    await stage.writeFile('book.md', '# Two\n');
    await stage.writeFile('deep/er/x.bin', Uint8Array.of(1, 2));
    expect(await stage.readFile('book.md')).toBe('# Two\n');
    expect(await readFile(stage.filePath('deep/er/x.bin'))).toEqual(Buffer.from([1, 2]));
    expect((await readdir(stage.dir)).sort()).toEqual(['book.md', 'deep', STAGE_FILE]);
    // stage.json records what the stage wrote, so that clean removes it and nothing else.
    expect(JSON.parse(await readFile(join(stage.dir, STAGE_FILE), 'utf8'))).toEqual({ files: ['book.md', 'deep'] });
    await expect(stage.readFile('book.json')).rejects.toMatchObject({
      code: ErrorCode.DEPENDENCY_MISSING,
      message: expect.stringContaining('Run the merge stage first'),
    });
    await expect(stage.writeFile('checkpoint.jsonl', '')).rejects.toMatchObject({ code: ErrorCode.INPUT_INVALID });
    await expect(stage.writeFile('page_0001.json', '{}')).rejects.toMatchObject({ code: ErrorCode.INPUT_INVALID });
  });

  it('clean removes pages, journal and files but keeps logs/, and the checkpoint forgets', async () => {
    const stage = scan.stage('ocr');
    await stage.savePage(1, { a: 1 }, { pageNum: 1 });
    await stage.checkpoint.markStageComplete({ pagesProcessed: 1 });
    await stage.writeFile('report.csv', 'x');
    await stage.writeFile('logs/ocr-1.jsonl', '{}\n');
    expect((await stage.checkpoint.status()).complete).toBe(true);
    await stage.clean();
    expect(await readdir(stage.dir)).toEqual(['logs']);
    expect(await stage.listPages()).toEqual([]);
    expect(await stage.checkpoint.status()).toMatchObject({ complete: false, completedPages: [] });
    expect((await stage.checkpoint.metrics()).size).toBe(0);
  });
});

/** The smallest bytes storage takes for a PNG page: the signature, then the IEND chunk. */
const tinyPng = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);

describe('page formats recorded in stage.json', () => {
  it("a stage's first page records its format, so a reader opens the stage by its name alone", async () => {
    const writer = scan.stage('scans', { pageFormat: 'png' });
    expect(existsSync(join(writer.dir, STAGE_FILE))).toBe(false);
    await writer.savePage(1, tinyPng, { pageNum: 1 });
    await writer.savePage(2, tinyPng, { pageNum: 2 });
    expect(await readFile(join(writer.dir, STAGE_FILE), 'utf8')).toBe('{"pageFormat":"png"}\n');

    // "scans" is no built-in stage: without the record a reader would look for JSON pages.
    const reader = openScan({ root, scanId: 'book' }).stage('scans');
    expect(reader.pageFormat).toBe('png');
    expect(await reader.listPages()).toEqual([1, 2]);
    expect(Buffer.from(await reader.loadPageBytes(2)).equals(tinyPng)).toBe(true);
    expect(await reader.checkpoint.remainingPages([1, 2, 3])).toEqual([3]);
  });

  it('without a record (a scan written before, or a stage yet to write): the built-in format, JSON for the others', async () => {
    const source = scan.stage('source', { pageFormat: 'png' });
    await source.savePage(1, tinyPng, { pageNum: 1 });
    await rm(join(source.dir, STAGE_FILE));
    expect(scan.stage('source').pageFormat).toBe('png');
    expect(await scan.stage('source').listPages()).toEqual([1]);
    expect(await scan.pageNumbers()).toEqual([1]);
    expect(scan.stage('ocr').pageFormat).toBe('json');
    expect(scan.stage('my-stage').pageFormat).toBe('json');
    // A damaged record counts as none, and the next save writes it again.
    await writeFile(join(source.dir, STAGE_FILE), '{"pageFormat":');
    expect(scan.stage('source').pageFormat).toBe('png');
    await scan.stage('source', { pageFormat: 'png' }).savePage(2, tinyPng, { pageNum: 2 });
    expect(JSON.parse(await readFile(join(source.dir, STAGE_FILE), 'utf8'))).toEqual({ pageFormat: 'png' });
  });

  it('a stage writing another format than its folder holds is refused before any page is written; after clean it may', async () => {
    await scan.stage('pics', { pageFormat: 'png' }).savePage(1, tinyPng, { pageNum: 1 });
    const json = scan.stage('pics', { pageFormat: 'json' });
    const error = await json.savePage(2, { text: 'two' }, m(2)).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: ErrorCode.STORAGE_ERROR,
      message: `Stage "pics" of scan "book" holds png pages (${join(json.dir, STAGE_FILE)}), but this stage writes json pages. Give the stage another name, or clean the old one first (\`bookpipe clean book --stage pics\`).`,
    });
    expect((await readdir(json.dir)).sort()).toEqual(['checkpoint.jsonl', 'page_0001.png', STAGE_FILE]);
    await json.clean();
    await json.savePage(2, { text: 'two' }, m(2));
    expect(scan.stage('pics').pageFormat).toBe('json');
    expect(await scan.stage('pics').listPages()).toEqual([2]);
  });

  it('writeFile refuses stage.json', async () => {
    await expect(scan.stage('ocr').writeFile(STAGE_FILE, '{"pageFormat":"png"}')).rejects.toMatchObject({ code: ErrorCode.INPUT_INVALID });
  });
});

const realPng = join(evalDir, 'ocrmypdf-resources', 'typewriter.png');
const hasEval = existsSync(realPng);
if (!hasEval) console.warn(`[storage tests] ${realPng} is absent: the PNG page tests are skipped.`);

describe.skipIf(!hasEval)('PNG pages (a real scan from ../shared/eval)', () => {
  it('saves a complete PNG, refuses a truncated one, and resume redoes a truncated file', async () => {
    const png = await readFile(realPng);
    const source = scan.stage('source', { pageFormat: 'png' });
    await source.savePage(1, png, { pageNum: 1 });
    expect(source.pagePath(1)).toMatch(/page_0001\.png$/);
    expect(Buffer.from(await source.loadPageBytes(1)).equals(png)).toBe(true);
    await expect(source.savePage(2, png.subarray(0, png.length - 100), { pageNum: 2 })).rejects.toMatchObject({
      code: ErrorCode.PAGE_INVALID,
      message: expect.stringContaining('IEND'),
    });
    await expect(source.savePage(2, { not: 'bytes' }, { pageNum: 2 })).rejects.toMatchObject({ code: ErrorCode.PAGE_INVALID });
    await expect(source.savePage(2, Buffer.from('GIF89a...'), { pageNum: 2 })).rejects.toMatchObject({
      code: ErrorCode.PAGE_INVALID,
      message: expect.stringContaining('signature'),
    });
    await source.savePage(2, png, { pageNum: 2 });

    // Page 2 cut short behind our back (a copy that died half-way): a fresh manager redoes it.
    await writeFile(source.pagePath(2), png.subarray(0, 5000));
    const fresh = openScan({ root, scanId: 'book' }).stage('source', { pageFormat: 'png' });
    expect(await fresh.checkpoint.remainingPages([1, 2, 3])).toEqual([2, 3]);
    await expect(fresh.loadPageBytes(2)).rejects.toMatchObject({ code: ErrorCode.PAGE_INVALID });
    expect((await fresh.checkpoint.status()).invalidPages).toEqual([{ page: 2, problem: expect.stringContaining('IEND') }]);
  });
});
