import { existsSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode } from '@bookpipe/core';
import { tempDir } from '@bookpipe/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FsBookStorage, openScan } from './index.js';

/** A PNG as storage checks it (signature, IEND) with 4 KB of bytes between: what a damage in the middle leaves intact. */
function pngWithBody(seed: number): Buffer {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const body = Buffer.alloc(4096, seed);
  const iend = Buffer.from([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);
  return Buffer.concat([signature, body, iend]);
}

/** Overwrites 64 bytes in the middle of a file, as a failing disk or a careless tool would. */
async function damageMiddle(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    const { size } = await handle.stat();
    await handle.write(Buffer.alloc(64, 0x5a), 0, 64, Math.floor(size / 2));
  } finally {
    await handle.close();
  }
}

let root: string;
let cleanup: () => Promise<void>;
let scan: FsBookStorage;
beforeEach(async () => {
  ({ dir: root, remove: cleanup } = await tempDir('bookpipe-checksum-'));
  scan = openScan({ root, scanId: 'book' });
  await scan.init();
});
afterEach(() => cleanup());

describe('image pages carry a SHA-256 in the journal', () => {
  it('savePage journals the hash; a reader refuses the page once 64 bytes in its middle are overwritten', async () => {
    const source = scan.stage('source', { pageFormat: 'png' });
    await source.savePage(1, pngWithBody(1), { pageNum: 1 });
    await source.savePage(2, pngWithBody(2), { pageNum: 2 });
    const journal = (await readFile(join(source.dir, 'checkpoint.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { sha256?: string });
    expect(journal.map((r) => r.sha256)).toEqual([expect.stringMatching(/^[0-9a-f]{64}$/), expect.stringMatching(/^[0-9a-f]{64}$/)]);

    await damageMiddle(source.pagePath(2));
    // A later stage's reader (a fresh object, as OCR's would be).
    const reader = openScan({ root, scanId: 'book' }).stage('source');
    expect(Buffer.from(await reader.loadPageBytes(1)).equals(pngWithBody(1))).toBe(true);
    const error = await reader.loadPageBytes(2).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCode.PAGE_INVALID, details: { page: 2, stage: 'source', file: source.pagePath(2) } });
    expect((error as Error).message).toMatch(/^Page 2 of stage "source" in scan "book" is invalid: its bytes are not the ones written \(SHA-256 /);
    expect((error as Error).message).toMatch(/Run the source stage again: it redoes invalid pages\.$/);
  });

  it('status({ verify }) finds the damaged and the missing pages; a plain status does not read whole files', async () => {
    const source = scan.stage('source', { pageFormat: 'png' });
    for (const page of [1, 2, 3]) await source.savePage(page, pngWithBody(page), { pageNum: page });
    await source.checkpoint.markStageComplete({});
    await damageMiddle(source.pagePath(2));
    await (await import('node:fs/promises')).rm(source.pagePath(3));

    const fresh = openScan({ root, scanId: 'book' }).stage('source').checkpoint;
    expect(await fresh.status()).toMatchObject({ completedPages: [1, 2], invalidPages: [], missingPages: [] });
    const verified = await openScan({ root, scanId: 'book' }).stage('source').checkpoint.status({ verify: true });
    expect(verified).toMatchObject({ completedPages: [1], missingPages: [3] });
    expect(verified.invalidPages).toEqual([{ page: 2, problem: expect.stringMatching(/^its bytes are not the ones written/) }]);
  });

  it('remainingPages redoes a damaged page and removes its file, so it is never taken for a good page again', async () => {
    const source = scan.stage('source', { pageFormat: 'png' });
    for (const page of [1, 2]) await source.savePage(page, pngWithBody(page), { pageNum: page });
    await damageMiddle(source.pagePath(2));

    const resumed = openScan({ root, scanId: 'book' }).stage('source', { pageFormat: 'png' });
    expect(await resumed.checkpoint.remainingPages([1, 2])).toEqual([2]);
    expect(existsSync(resumed.pagePath(2))).toBe(false);
    // Asked again (processPages asks after the pipeline did): still to do, not "valid with metrics missing".
    expect(await resumed.checkpoint.remainingPages([1, 2])).toEqual([2]);
    const status = await resumed.checkpoint.status();
    expect(status.repairs).toEqual([
      {
        page: 2,
        problem: 'file-invalid',
        detail: expect.stringMatching(/its bytes are not the ones written .* \(the damaged file was removed\)$/),
        at: expect.any(String),
      },
    ]);
    await resumed.savePage(2, pngWithBody(2), { pageNum: 2 });
    expect(await resumed.checkpoint.remainingPages([1, 2])).toEqual([]);
  });
});
