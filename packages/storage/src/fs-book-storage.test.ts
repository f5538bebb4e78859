import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode } from '@bookpipe/core';
import { tempDir } from '@bookpipe/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listScans, openScan } from './index.js';

let root: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir: root, remove: cleanup } = await tempDir('bookpipe-storage-')));
afterEach(() => cleanup());

const fixedClock = (iso: string) => () => new Date(iso);

describe('openScan: scan ids that would leave the root are refused', () => {
  it.each([
    ['../x', 'path separator'],
    ['..', 'starts with "."'],
    ['/etc', 'path separator'],
    ['a/b', 'path separator'],
    ['a\\b', 'path separator'],
    ['nul\0', 'NUL'],
    ['x'.repeat(129), '129 characters'],
    ['', 'empty'],
  ])('%j (%s)', (scanId, why) => {
    expect(() => openScan({ root, scanId })).toThrowError(expect.objectContaining({ code: ErrorCode.SCAN_ID_INVALID, message: expect.stringContaining(why) }));
  });

  it('puts a valid scan directly under the resolved root', () => {
    const scan = openScan({ root: join(root, 'sub', '..'), scanId: 'Book 1923' });
    expect(scan.root).toBe(root);
    expect(scan.dir).toBe(join(root, 'Book 1923'));
  });
});

describe('metadata.json', () => {
  it('init creates the folder and metadata.json once, with scanId and createdAt', async () => {
    const scan = openScan({ root, scanId: 'b', now: fixedClock('2020-01-02T03:04:05.000Z') });
    expect(await scan.exists()).toBe(false);
    expect(await scan.init()).toEqual({ scanId: 'b', createdAt: '2020-01-02T03:04:05.000Z' });
    expect(await scan.exists()).toBe(true);
    const again = openScan({ root, scanId: 'b', now: fixedClock('2021-01-01T00:00:00.000Z') });
    expect((await again.init()).createdAt).toBe('2020-01-02T03:04:05.000Z');
  });

  it('readMetadata on a missing scan says to run the source stage first', async () => {
    await expect(openScan({ root, scanId: 'nope' }).readMetadata()).rejects.toMatchObject({
      code: ErrorCode.SCAN_NOT_FOUND,
      message: expect.stringMatching(/nope.*metadata\.json.*Run `bookpipe run` \/ the source stage first/),
    });
  });

  it.each([
    ['{"scanId": "b", "createdAt": ', 'not valid JSON'],
    ['{"scanId": "b", "createdAt": "x", "totalPages": -3}', 'totalPages'],
    ['[]', 'does not match'],
  ])('readMetadata names the file when it is corrupt: %j', async (content, why) => {
    const scan = openScan({ root, scanId: 'b' });
    await mkdir(scan.dir, { recursive: true });
    await writeFile(scan.metadataPath, content);
    await expect(scan.readMetadata()).rejects.toMatchObject({
      code: ErrorCode.FILE_CORRUPT,
      message: expect.stringContaining(scan.metadataPath),
    });
    await expect(scan.readMetadata()).rejects.toThrow(why);
  });

  it('updateMetadata merges, keeps unknown fields, protects scanId and createdAt, and sets updatedAt', async () => {
    let t = '2020-01-01T00:00:00.000Z';
    const scan = openScan({ root, scanId: 'b', now: () => new Date(t) });
    await scan.init();
    await writeFile(scan.metadataPath, JSON.stringify({ ...(await scan.readMetadata()), custom: { keep: true } }));
    t = '2020-06-01T00:00:00.000Z';
    const updated = await scan.updateMetadata({ title: 'Moby-Dick', totalPages: 3, scanId: 'other' });
    expect(updated).toEqual({ scanId: 'b', createdAt: '2020-01-01T00:00:00.000Z', updatedAt: t, title: 'Moby-Dick', totalPages: 3, custom: { keep: true } });
    const viaFn = await scan.updateMetadata((m) => ({ ...m, author: 'Melville' }));
    expect(viaFn).toMatchObject({ author: 'Melville', title: 'Moby-Dick', custom: { keep: true } });
    expect(JSON.parse(await readFile(scan.metadataPath, 'utf8'))).toEqual(viaFn);
  });

  it('concurrent updates in one process do not lose each other', async () => {
    const scan = openScan({ root, scanId: 'b' });
    await scan.init();
    await Promise.all(Array.from({ length: 20 }, (_, i) => scan.updateMetadata((m) => ({ ...m, [`k${i}`]: i }))));
    const m = await scan.readMetadata();
    for (let i = 0; i < 20; i++) expect(m[`k${i}`]).toBe(i);
  });

  it('an invalid update is refused and leaves the file as it was', async () => {
    const scan = openScan({ root, scanId: 'b' });
    await scan.init();
    const before = await readFile(scan.metadataPath, 'utf8');
    await expect(scan.updateMetadata({ totalPages: -1 })).rejects.toMatchObject({
      code: ErrorCode.INPUT_INVALID,
      message: expect.stringContaining('totalPages'),
    });
    expect(await readFile(scan.metadataPath, 'utf8')).toBe(before);
  });
});

describe('pages and stages of a scan', () => {
  it('pageNumbers: from totalPages, else from the source page files, else none', async () => {
    const scan = openScan({ root, scanId: 'b' });
    expect(await scan.pageNumbers()).toEqual([]);
    await mkdir(join(scan.dir, 'source'), { recursive: true });
    for (const name of ['page_0001.png', 'page_0003.png', '.page_0002.png.123.abcdef01.tmp', 'notes.txt']) await writeFile(join(scan.dir, 'source', name), '');
    expect(await scan.pageNumbers()).toEqual([1, 3]);
    await scan.init();
    await scan.updateMetadata({ totalPages: 4 });
    expect(await scan.pageNumbers()).toEqual([1, 2, 3, 4]);
  });

  it('stage() refuses names that are not plain folder names', () => {
    const scan = openScan({ root, scanId: 'b' });
    for (const bad of ['', '..', '../x', 'a/b', '.hidden', 'x y']) {
      expect(() => scan.stage(bad)).toThrowError(expect.objectContaining({ code: ErrorCode.GRAPH_INVALID }));
    }
    expect(scan.stage('ocr_2-b').dir).toBe(join(scan.dir, 'ocr_2-b'));
  });

  it('stageNames lists stage folders, not files or dot folders', async () => {
    const scan = openScan({ root, scanId: 'b' });
    expect(await scan.stageNames()).toEqual([]);
    await scan.init();
    await scan.stage('ocr').writeFile('report.csv', 'pageNum\n');
    await scan.stage('source').writeFile('x.txt', '');
    await mkdir(join(scan.dir, '.trash'));
    expect(await scan.stageNames()).toEqual(['ocr', 'source']);
  });

  it('listScans lists scans with a metadata.json', async () => {
    expect(await listScans(join(root, 'missing'))).toEqual([]);
    await openScan({ root, scanId: 'b' }).init();
    await openScan({ root, scanId: 'a' }).init();
    await mkdir(join(root, 'not-a-scan'));
    await writeFile(join(root, 'file'), '');
    expect(await listScans(root)).toEqual(['a', 'b']);
  });
});
