import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode } from '@bookpipe/core';
import { tempDir } from '@bookpipe/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type FsBookStorage, openScan } from './index.js';

const m = (pageNum: number) => ({ pageNum, processingTimeSeconds: 0.5, costUsd: 0 });
const PageSchema = z.object({ text: z.string() });

let root: string;
let outside: string;
let cleanup: () => Promise<void>;
let scan: FsBookStorage;
beforeEach(async () => {
  ({ dir: root, remove: cleanup } = await tempDir('bookpipe-nofollow-'));
  outside = join(root, 'outside');
  await mkdir(outside);
  await writeFile(join(outside, 'precious.txt'), 'a user file\n');
  scan = openScan({ root: join(root, 'scans'), scanId: 'book' });
  await scan.init();
});
afterEach(() => cleanup());

/** What a refusal says: the link, where it points, and what to do. */
const linkError = (link: string) => ({
  code: ErrorCode.STORAGE_ERROR,
  message: expect.stringMatching(
    new RegExp(
      `^${link.replace(/[/.]/g, '\\$&')} \\(scan "book", stage "\\w+"\\) is a symbolic link \\(to ${outside.replace(/[/.]/g, '\\$&')}.*Remove the link`,
    ),
  ),
});

describe('a symbolic link inside a scan is never followed', () => {
  it('a stage folder that is a link: clean removes nothing outside, saves and reads are refused', async () => {
    const merge = scan.stage('merge');
    await symlink(outside, merge.dir);
    await writeFile(join(outside, 'page_0001.json'), '{"text":"outside"}\n');
    await writeFile(join(outside, 'checkpoint.jsonl'), '');
    await expect(merge.clean()).rejects.toMatchObject(linkError(merge.dir));
    await expect(merge.savePage(2, { text: 'x' }, m(2))).rejects.toMatchObject(linkError(merge.dir));
    await expect(merge.writeFile('book.md', '# x\n')).rejects.toMatchObject(linkError(merge.dir));
    await expect(merge.listPages()).rejects.toMatchObject(linkError(merge.dir));
    await expect(merge.checkpoint.markStageComplete({})).rejects.toMatchObject(linkError(merge.dir));
    expect(() => merge.filePath('logs/merge-1.jsonl')).toThrowError(expect.objectContaining(linkError(merge.dir)));
    expect((await readdir(outside)).sort()).toEqual(['checkpoint.jsonl', 'page_0001.json', 'precious.txt']);
    expect(await readFile(join(outside, 'checkpoint.jsonl'), 'utf8')).toBe('');
  });

  it('a journal that is a link is not written through, nor read', async () => {
    const stage = scan.stage('correction', { schema: PageSchema });
    await mkdir(stage.dir);
    const target = join(outside, 'precious.txt');
    await symlink(target, join(stage.dir, 'checkpoint.jsonl'));
    await expect(stage.savePage(1, { text: 'x' }, m(1))).rejects.toMatchObject({
      code: ErrorCode.STORAGE_ERROR,
      message: expect.stringContaining('is a symbolic link'),
    });
    await expect(stage.checkpoint.status()).rejects.toMatchObject({
      message: expect.stringContaining(`${join(stage.dir, 'checkpoint.jsonl')} (scan "book", stage "correction") is a symbolic link`),
    });
    expect(await readFile(target, 'utf8')).toBe('a user file\n');
    // Nothing was renamed into place without its journal line.
    expect(existsSync(stage.pagePath(1))).toBe(false);
  });

  it("a stage's logs/ folder or a report that is a link: filePath refuses it, so nothing is logged or written through it", async () => {
    const stage = scan.stage('label');
    await mkdir(stage.dir);
    await symlink(outside, join(stage.dir, 'logs'));
    expect(() => stage.filePath('logs/label-1.jsonl')).toThrowError(expect.objectContaining(linkError(join(stage.dir, 'logs'))));
    await symlink(join(outside, 'precious.txt'), join(stage.dir, 'report.csv'));
    await expect(stage.readFile('report.csv')).rejects.toMatchObject({ message: expect.stringContaining('is a symbolic link') });
    await expect(stage.writeFile('report.csv', 'x')).rejects.toMatchObject({ message: expect.stringContaining('is a symbolic link') });
    expect(await readFile(join(outside, 'precious.txt'), 'utf8')).toBe('a user file\n');
  });

  it("a page file that is a link to a file outside: not read, its bytes never copied into the journal's repair note; redone as a real file", async () => {
    const stage = scan.stage('ocr', { schema: PageSchema });
    await stage.savePage(1, { text: 'one' }, m(1));
    const secret = join(outside, 'secret.txt');
    await writeFile(secret, 'SECRET-TOKEN-1234 not json');
    await symlink(secret, stage.pagePath(2));
    await expect(stage.loadPage(2)).rejects.toMatchObject({ message: expect.stringContaining('is a symbolic link') });
    expect(await stage.checkpoint.remainingPages([1, 2])).toEqual([2]);
    const status = await stage.checkpoint.status();
    expect(status.invalidPages).toEqual([{ page: 2, problem: expect.stringContaining('symbolic link') }]);
    expect(await readFile(join(stage.dir, 'checkpoint.jsonl'), 'utf8')).not.toContain('SECRET');
    await stage.savePage(2, { text: 'two' }, m(2));
    expect(await stage.loadPage(2)).toEqual({ text: 'two' });
    expect(await readFile(secret, 'utf8')).toBe('SECRET-TOKEN-1234 not json');
  });

  it('the default view folder (the scan\'s "view") that is a link is not written through', async () => {
    const view = scan.stage('view');
    await symlink(outside, view.dir);
    await expect(view.writeFile('index.html', '<html>')).rejects.toMatchObject(linkError(view.dir));
    expect(await readdir(outside)).toEqual(['precious.txt']);
  });

  it('a metadata.json that is a link is not read: its bytes never reach an error message', async () => {
    const secret = join(outside, 'secret.txt');
    await writeFile(secret, 'SECRET-TOKEN-1234 not json');
    await rm(scan.metadataPath);
    await symlink(secret, scan.metadataPath);
    const error = await scan.readMetadata().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCode.STORAGE_ERROR, message: expect.stringContaining(`${scan.metadataPath} (scan "book") is a symbolic link`) });
    expect((error as Error).message).not.toContain('SECRET');
  });
});
