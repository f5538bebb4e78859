/**
 * Issue 15 item 6: a source PNG damaged in the middle (64 bytes overwritten, signature and IEND intact)
 * is found and made again from its unchanged input, through the real `bookpipe` bin on real scans.
 * On main before the fix the damage went unseen: OCR read the damaged image, and every rerun failed
 * with advice the CLI could not follow.
 */
import { copyFile, open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bookpipe, evalFile, hasBin, hasEval, noteSkip, tempFolder } from '../support/disk-cli.js';

noteSkip('source-verify');
// Several real runs with OCR (a few seconds a page on a busy machine).
vi.setConfig({ testTimeout: 300_000 });

/** Overwrites 64 bytes in the middle of a file, as a failing disk or a careless tool would. */
async function damageMiddle(file: string): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    const { size } = await handle.stat();
    await handle.write(Buffer.alloc(64, 0x5a), 0, 64, Math.floor(size / 2));
  } finally {
    await handle.close();
  }
}

describe.skipIf(!hasEval || !hasBin)('a damaged source page (real scans, the real bin)', () => {
  let work: Awaited<ReturnType<typeof tempFolder>>;
  let inputs: string[];
  let root: string;
  beforeAll(async () => {
    work = await tempFolder('bookpipe-source-verify-');
    root = path.join(work.dir, 'scans');
    // Copies: the case where an input changes edits one.
    inputs = [];
    for (const name of ['c015.tiff', 'c016.tiff']) {
      const copy = path.join(work.dir, name);
      await copyFile(evalFile('old-books', name), copy);
      inputs.push(copy);
    }
  });
  afterAll(() => work[Symbol.asyncDispose]());

  const scanFile = (scanId: string, ...parts: string[]) => path.join(root, scanId, ...parts);

  it('is refused when OCR reads it, found by status --verify, re-rendered by the next run: the book is byte-identical', async () => {
    const reference = await bookpipe(['run', ...inputs, '--scan-id', 'reference', '--root', root]);
    expect(reference.code, reference.stderr).toBe(0);

    expect((await bookpipe(['run', ...inputs, '--scan-id', 'damaged', '--root', root, '--stages', 'source'])).code).toBe(0);
    const page2 = scanFile('damaged', 'source', 'page_0002.png');
    const good = await readFile(page2);
    await damageMiddle(page2);
    const damaged = await readFile(page2);
    expect(damaged.subarray(0, 8).equals(good.subarray(0, 8)) && damaged.subarray(-12).equals(good.subarray(-12))).toBe(true);

    // OCR alone: page 2 fails, naming the file and a command that remakes it; page 1 is read.
    const ocr = await bookpipe(['run', '--scan-id', 'damaged', '--root', root, '--stages', 'ocr']);
    expect(ocr.code).toBe(1);
    expect(ocr.stderr).toContain('page_0002.png');
    expect(ocr.stderr).toMatch(/its bytes are not the ones written \(SHA-256/);
    expect(ocr.stderr).toContain(`bookpipe run <the book's PDF or page images> --scan-id damaged --root ${root} --stages source`);

    // status --verify names the damaged page and the command with the scan's own inputs.
    const status = await bookpipe(['status', 'damaged', '--root', root, '--verify']);
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/page 2: its bytes are not the ones written/);
    expect(status.stdout).toContain(`bookpipe run ${inputs.join(' ')} --scan-id damaged --root ${root} --stages source`);

    // The next run remakes page 2 from its unchanged input (and OCRs it): the same book as without the damage.
    const rerun = await bookpipe(['run', ...inputs, '--scan-id', 'damaged', '--root', root, '--json']);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.events.filter((e) => e.type === 'page:done' && e.stage === 'source').map((e) => (e as { page: number }).page)).toEqual([2]);
    expect((await readFile(page2)).equals(good)).toBe(true);
    // book.md names its scan; the rest is byte for byte the same.
    const book = (await readFile(scanFile('damaged', 'merge', 'book.md'), 'utf8')).replaceAll('"damaged"', '"reference"').replace('# damaged', '# reference');
    expect(book).toBe(await readFile(scanFile('reference', 'merge', 'book.md'), 'utf8'));
    for (const page of ['page_0001.json', 'page_0002.json']) {
      expect(await readFile(scanFile('damaged', 'ocr', page), 'utf8')).toBe(await readFile(scanFile('reference', 'ocr', page), 'utf8'));
    }
    const verified = await bookpipe(['status', 'damaged', '--root', root, '--verify']);
    expect(verified.code, verified.stdout).toBe(0);
    expect(verified.stdout).toContain('verify: every page file read in full; all as written');
  });

  it('when the input changed since, the run says which and how to go on, and makes no page from the other file', async () => {
    expect((await bookpipe(['run', ...inputs, '--scan-id', 'changed', '--root', root, '--stages', 'source'])).code).toBe(0);
    await damageMiddle(scanFile('changed', 'source', 'page_0002.png'));
    const edited = path.join(work.dir, 'c016-edited.tiff');
    await copyFile(evalFile('old-books', 'c017.tiff'), edited);
    const run = await bookpipe(['run', inputs[0]!, edited, '--scan-id', 'changed', '--root', root, '--stages', 'source']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/c016-edited\.tiff/);
    expect(run.stderr).toContain('--clean');
    const status = await bookpipe(['status', 'changed', '--root', root, '--verify']);
    expect(status.stdout).toMatch(/page 2: its bytes are not the ones written/);
  });
});
