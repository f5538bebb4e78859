import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type OcrPage, OcrPageSchema } from '@bookpipe/contracts';
import { openScan } from '@bookpipe/storage';
import { memoryIo } from '@bookpipe/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from './program.js';

/** A one-line OCR page: what the OCR stage writes, enough for the merge stage. */
function ocrPage(pageNumber: number, text: string): OcrPage {
  const bbox = { x: 100, y: 100, width: 800, height: 40 };
  const words = text.split(' ').map((word, i) => ({ text: word, bbox: { ...bbox, x: 100 + i * 90, width: 80 }, confidence: 0.9 }));
  return {
    pageNumber,
    width: 1000,
    height: 1400,
    engine: { name: 'tesseract.js', version: 'test', language: 'eng', psm: 3 },
    meanConfidence: 0.9,
    blocks: [{ blockNum: 1, bbox, paragraphs: [{ parNum: 1, bbox, text, confidence: 0.9, lines: [{ bbox, text, confidence: 0.9, words }] }] }],
  };
}

describe('bookpipe (in process)', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'bookpipe-cli-'));
    const scan = openScan({ root, scanId: 'tiny' });
    await scan.init();
    await scan.updateMetadata({ totalPages: 2 });
    const ocr = scan.stage('ocr', { schema: OcrPageSchema });
    await ocr.savePage(1, ocrPage(1, 'It was a dark and'), { pageNum: 1, processingTimeSeconds: 1, costUsd: 0 });
    await ocr.savePage(2, ocrPage(2, 'stormy night.'), { pageNum: 2, processingTimeSeconds: 1, costUsd: 0 });
    await ocr.checkpoint.markStageComplete({});
    await ocr.writeFile('report.csv', 'pageNum,words,note\n1,5,"a, b"\n2,2,\n');
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('run --stages merge on an OCR-only scan: says what merge goes without, and where book.md is', async () => {
    const io = memoryIo();
    const code = await main(['run', '--scan-id', 'tiny', '--root', root, '--stages', 'merge'], io);
    expect(code).toBe(0);
    expect(io.err()).toContain('merge: without correction and label (not in this run, not complete in the scan)');
    expect(io.err()).toContain('merge: done in');
    const bookMd = join(root, 'tiny', 'merge', 'book.md');
    expect(io.err()).toContain(`book.md:   ${bookMd}`);
    expect(await readFile(bookMd, 'utf8')).toContain('It was a dark and <a id="scan-page-2"></a>stormy night.');
  });

  it('run --json: one JSON pipeline event per line on stdout', async () => {
    const io = memoryIo();
    expect(await main(['run', '--scan-id', 'tiny', '--root', root, '--stages', 'merge', '--json'], io)).toBe(0);
    const events = io
      .out()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string });
    expect(events[0]).toMatchObject({ type: 'pipeline:start', stages: ['merge'] });
    expect(events.at(-1)).toMatchObject({ type: 'pipeline:done', aborted: false });
    expect(events.map((e) => e.type)).toContain('page:done');
  });

  it('status shows each stage; report prints the CSV (JSON with --json); clean removes a stage under the lock', async () => {
    await main(['run', '--scan-id', 'tiny', '--root', root, '--stages', 'merge'], memoryIo());
    const status = memoryIo();
    expect(await main(['status', 'tiny', '--root', root], status)).toBe(0);
    expect(status.out()).toContain('  ocr    2/2 pages  complete\n  merge  2/2 pages  complete\n');
    expect(status.out()).toContain(`book.md: ${join(root, 'tiny', 'merge', 'book.md')}`);

    const report = memoryIo();
    expect(await main(['report', 'tiny', '--stage', 'ocr', '--root', root], report)).toBe(0);
    expect(report.out()).toBe('pageNum,words,note\n1,5,"a, b"\n2,2,\n');
    const json = memoryIo();
    await main(['report', 'tiny', '--stage', 'ocr', '--root', root, '--json'], json);
    expect(JSON.parse(json.out())).toEqual([
      { pageNum: 1, words: 5, note: 'a, b' },
      { pageNum: 2, words: 2, note: null },
    ]);
    const table = memoryIo({}, { tty: true });
    await main(['report', 'tiny', '--stage', 'ocr', '--root', root], table);
    expect(table.out()).toContain('pageNum  words  note\n1        5      a, b\n2        2\n');

    const clean = memoryIo();
    expect(await main(['clean', 'tiny', '--stage', 'ocr', '--root', root], clean)).toBe(0);
    expect(clean.out()).toContain('Cleaned stage "ocr" of scan "tiny"');
    expect(clean.out()).toContain('Stages made from it keep their outputs: merge.');
    expect(await openScan({ root, scanId: 'tiny' }).stage('ocr').listPages()).toEqual([]);
  });

  it('errors: the BookpipeError message and a non-zero exit, no stack trace unless BOOKPIPE_DEBUG=1', async () => {
    const io = memoryIo();
    expect(await main(['status', 'nope', '--root', root], io)).toBe(1);
    expect(io.err()).toBe(`bookpipe: There is no scan "nope" in ${root}. Start one with \`bookpipe run <pdf-or-folder> --scan-id nope\`, or give --root.\n`);

    const report = memoryIo();
    expect(await main(['report', 'tiny', '--stage', 'label', '--root', root], report)).toBe(1);
    expect(report.err()).toContain('Stage "label" of scan "tiny" has no report');

    const debug = memoryIo({ BOOKPIPE_DEBUG: '1' });
    expect(await main(['report', 'tiny', '--stage', 'label', '--root', root], debug)).toBe(1);
    expect(debug.err()).toMatch(/^bookpipe: Stage "label" of scan "tiny" has no report/);
    expect(debug.err()).toMatch(/\n\s+at /);
  });

  it('usage errors exit 2; an API key is never an argument', async () => {
    const io = memoryIo();
    expect(await main(['run', 'a.pdf', '--api-key', 'sk-123'], io)).toBe(2);
    expect(io.err()).toContain("unknown option '--api-key'");
    expect(io.err()).toContain('API keys are never taken as arguments');
    const stages = memoryIo();
    expect(await main(['run', 'a.pdf', '--stages', 'ocr,nope'], stages)).toBe(1);
    expect(stages.err()).toContain('Unknown stage "nope" in --stages');
    const workers = memoryIo();
    expect(await main(['run', 'a.pdf', '--workers', '0'], workers)).toBe(2);
    expect(workers.err()).toContain('expected an integer >= 1');
    const help = memoryIo();
    expect(await main(['--help'], help)).toBe(0);
    expect(help.out()).toContain('Usage: bookpipe');
  });
});
