import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type OcrPage, OcrPageSchema } from '@bookpipe/contracts';
import { openScan } from '@bookpipe/storage';
import { memoryIo } from '@bookpipe/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from './program.js';
import { viewCommand } from './view-command.js';

/** A one-line OCR page, as the OCR stage writes it. */
function ocrPage(pageNumber: number, text: string): OcrPage {
  const bbox = { x: 100, y: 100, width: 800, height: 40 };
  const words = text.split(' ').map((word, i) => ({ text: word, bbox: { ...bbox, x: 100 + i * 90, width: 80 }, confidence: i === 0 ? 0.4 : 0.9 }));
  return {
    pageNumber,
    width: 1000,
    height: 1400,
    engine: { name: 'tesseract.js', version: 'test', language: 'eng', psm: 3 },
    meanConfidence: 0.8,
    blocks: [{ blockNum: 1, bbox, paragraphs: [{ parNum: 1, bbox, text, confidence: 0.9, lines: [{ bbox, text, confidence: 0.9, words }] }] }],
  };
}

describe('bookpipe view', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'bookpipe-cli-view-'));
    const scan = openScan({ root, scanId: 'tiny' });
    await scan.init();
    await scan.updateMetadata({ totalPages: 2 });
    const ocr = scan.stage('ocr', { schema: OcrPageSchema });
    await ocr.savePage(1, ocrPage(1, 'It was a <script>dark</script> and'), { pageNum: 1, processingTimeSeconds: 1, costUsd: 0 });
    await ocr.checkpoint.markFailed(2, 'tesseract exited with code 1');
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('prints only the path of index.html on stdout, and on stderr what the scan lacks', async () => {
    const io = memoryIo();
    expect(await main(['view', 'tiny', '--root', root], io)).toBe(0);
    const index = join(root, 'tiny', 'view', 'index.html');
    expect(io.out()).toBe(`${index}\n`);
    expect(io.err()).toContain('view of 2 pages written; stages not run: source, correction, label, merge; 1 pages failed in some stage');
    const html = await readFile(index, 'utf8');
    expect(html).toContain('href="pages/page_0002.html"');
    expect(await readFile(join(root, 'tiny', 'view', 'pages', 'page_0001.html'), 'utf8')).toContain('&lt;script&gt;dark&lt;/script&gt;');
    expect(await readFile(join(root, 'tiny', 'view', 'pages', 'page_0002.html'), 'utf8')).toContain(
      '<strong>ocr</strong> failed: tesseract exited with code 1',
    );
  });

  it('--out writes elsewhere; --open hands the index to the opener and says so when none can start', async () => {
    const io = memoryIo();
    const out = join(root, 'report');
    const opened: string[] = [];
    expect(
      await viewCommand('tiny', { root, out, open: true }, io, async (path) => {
        opened.push(path);
        return false;
      }),
    ).toBe(0);
    expect(io.out()).toBe(`${join(out, 'index.html')}\n`);
    expect(opened).toEqual([join(out, 'index.html')]);
    expect(io.err()).toContain(`Could not start a browser here: open file://${join(out, 'index.html')} yourself.`);
    expect(existsSync(join(root, 'tiny', 'view'))).toBe(false);
  });

  it('a folder that cannot be written: the error names it and suggests --out, no "unexpected error"', async () => {
    // Issue 15 item 8. A file where the view folder should be stands in for a read-only root, a full disk
    // or a folder of someone else's (all the same path through the code; the tests run as root here).
    await writeFile(join(root, 'tiny', 'view'), 'not a folder');
    const io = memoryIo();
    expect(await main(['view', 'tiny', '--root', root], io)).toBe(1);
    const folder = join(root, 'tiny', 'view');
    expect(io.err()).toMatch(new RegExp(`^bookpipe: Cannot write the view of scan "tiny" into ${folder}: .+ \\[(ENOTDIR|EEXIST)\\]`));
    expect(io.err()).toContain('write the view elsewhere: `bookpipe view tiny --out <folder>`');
    expect(io.err()).not.toContain('unexpected error');

    const blocked = join(root, 'a-file');
    await writeFile(blocked, '');
    const out = memoryIo();
    expect(await main(['view', 'tiny', '--root', root, '--out', join(blocked, 'report')], out)).toBe(1);
    expect(out.err()).toContain(`Cannot write the view of scan "tiny" into ${join(blocked, 'report')}: a part of the path is a file, not a folder [ENOTDIR]`);
    expect(out.err()).toContain('pass another folder to --out');
  });

  it('an unknown scan: exit 1 and the next step', async () => {
    const io = memoryIo();
    expect(await main(['view', 'nope', '--root', root], io)).toBe(1);
    expect(io.err()).toContain('There is no scan "nope"');
    expect(io.err()).toContain('bookpipe run <pdf-or-folder> --scan-id nope');
  });
});
