import { existsSync } from 'node:fs';
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ErrorCode, type PipelineResult, pipelineResult, type StageStats } from '@bookpipe/core';
import { memoryIo } from '@bookpipe/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliNextSteps, printError } from './print-error.js';
import { capOcrWorkers, failureAdvice, pageFailureSummary, runCommand, runConfig, runExitCode, stopGraceSeconds } from './run-command.js';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const evalDir = path.resolve(repoRoot, '../shared/eval');
const hasEval = existsSync(path.join(evalDir, 'README.md'));
if (!hasEval) console.warn(`run-command: the runs on real files are skipped, ${evalDir} is absent (see its README.md).`);
const pdf = (name: string) => path.join(evalDir, 'ocrmypdf-resources', name);

const openai = { kind: 'llm', provider: 'openai', model: 'gpt-4o-mini', baseURL: undefined } as const;
const http401 = (stage: string, page: number) =>
  `Scan "book", stage "${stage}", page ${page}: the openai-compatible model gpt-4o-mini gave no usable answer after 1 attempt(s) ($0.000000): openai-compatible: HTTP 401 invalid api key. Run the stage again to retry this page.`;
function stats(stage: string, failures: StageStats['failures'], processed = 0): StageStats {
  return { stage, pagesProcessed: processed, pagesFailed: failures.length, pagesSkipped: 0, totalCostUsd: 0, durationSeconds: 1, failures, aborted: false };
}
const result = (stages: PipelineResult['stages']): PipelineResult => pipelineResult('book', false, Object.entries(stages));

describe('page failures: the cause once per stage, and the next step that can work', () => {
  it('every page of an LLM stage refused with HTTP 401: one line per stage, the reason once, the key variable to check', () => {
    const pages = [1, 2, 3, 4, 5, 6, 7, 8];
    const lines = pageFailureSummary(
      result({
        correction: {
          status: 'done',
          stats: stats(
            'correction',
            pages.map((p) => ({ page: p, error: http401('correction', p) })),
          ),
        },
        merge: {
          status: 'failed',
          error: 'Stage "merge" needs pages from stage "correction" in scan "book", but correction/ has none. Run the correction stage first.',
        },
      }),
      openai,
    );
    expect(lines).toEqual([
      'correction: 8 of 8 pages failed: the openai-compatible model gpt-4o-mini gave no usable answer: openai-compatible: HTTP 401 invalid api key — check OPENAI_API_KEY (pages 1-8)',
    ]);
  });

  it('lists distinct reasons with their pages, at most three', () => {
    const failures = [
      { page: 2, error: 'Scan "book", stage "label", page 2: HTTP 503 overloaded. Run the stage again to retry this page.' },
      { page: 5, error: 'Scan "book", stage "label", page 5: HTTP 503 overloaded. Run the stage again to retry this page.' },
      { page: 7, error: 'Scan "book", stage "label", page 7: the answer broke the schema.' },
    ];
    expect(pageFailureSummary(result({ label: { status: 'done', stats: stats('label', failures, 7) } }), openai)).toEqual([
      'label: 3 of 10 pages failed: HTTP 503 overloaded (pages 2, 5); the answer broke the schema (page 7)',
    ]);
  });

  it('a refused input page (INPUT_INVALID) is to be fixed or replaced, not retried; transient failures keep the retry advice', () => {
    const input = { page: 2, error: 'Book page 2: /books/hugemono.pdf, page 1: the page is 116.7 x 116.7 in ...', code: ErrorCode.INPUT_INVALID };
    const refused = result({ source: { status: 'done', stats: stats('source', [input], 1) } });
    const advice = failureAdvice(refused, ['run', 'book.pdf'], {});
    expect(advice).toMatch(/refused: rerunning reads the same file again\. Fix or replace the file/);
    expect(advice).not.toMatch(/Run the same command again/);
    // The code decides, not the wording: the same message without INPUT_INVALID keeps the retry advice.
    const { code: _, ...withoutCode } = input;
    expect(failureAdvice(result({ source: { status: 'done', stats: stats('source', [withoutCode], 1) } }), ['run', 'book.pdf'], {})).toMatch(
      /Run the same command again/,
    );
    const outage = result({ correction: { status: 'done', stats: stats('correction', [{ page: 1, error: http401('correction', 1) }], 3) } });
    expect(failureAdvice(outage, ['run', 'book.pdf'], {})).toBe('Run the same command again to retry them: bookpipe run book.pdf');
    const both = result({ source: refused.stages.source!, correction: outage.stages.correction! });
    expect(failureAdvice(both, ['run', 'book.pdf'], {}).split('\n')).toEqual([
      expect.stringMatching(/^1 input page was refused/),
      'Run the same command again to retry the other failed pages: bookpipe run book.pdf',
    ]);
  });

  it('a page refused at the source and therefore failed downstream too is one refused input page, with nothing else to retry', () => {
    // Issue 15 item 8: one refused PDF page read "Those 2 input pages were refused" then "retry the other failed pages".
    const source = { page: 2, error: 'Book page 2: /books/b.pdf, page 2: mupdf could not draw all of the page', code: ErrorCode.INPUT_INVALID };
    const ocr = { page: 2, error: 'OCR of page 2: the image /s/book/source/page_0002.png does not exist.', code: ErrorCode.INPUT_INVALID };
    const correction = { page: 2, error: 'Scan "book", stage "correction", page 2: no OCR page 2.' };
    const chain = result({
      source: { status: 'done', stats: stats('source', [source], 3) },
      ocr: { status: 'done', stats: stats('ocr', [ocr], 3) },
      correction: { status: 'done', stats: stats('correction', [correction], 3) },
    });
    expect(failureAdvice(chain, ['run', 'b.pdf'], {})).toBe(
      '1 input page was refused: rerunning reads the same file again. Fix or replace the file named above (or leave it out), then run the command again.',
    );
  });
});

describe('--workers and the stop grace', () => {
  it('caps the OCR workers at the CPU count and says so, with the memory each one takes', () => {
    const config = runConfig({}, { workers: 32 });
    const capped = capOcrWorkers(config, 2);
    expect(capped.config.ocr.maxWorkers).toBe(2);
    expect(capped.note).toBe(
      'OCR workers: 32 asked (--workers or BOOKPIPE_OCR_WORKERS), but this machine has 2 CPUs: using 2. OCR is CPU-bound; more workers add only memory (about 155 MiB for the first worker and 75 MiB for each further one).',
    );
    expect(capOcrWorkers(runConfig({ BOOKPIPE_OCR_WORKERS: '9' }, {}), 4).config.ocr.maxWorkers).toBe(4);
    expect(capOcrWorkers(runConfig({}, { workers: 2 }), 2)).toEqual({ config: runConfig({}, { workers: 2 }) });
    expect(capOcrWorkers(runConfig({}, {}), 2).config.ocr.maxWorkers).toBeUndefined();
  });

  it('reads BOOKPIPE_STOP_GRACE_SECONDS (default 30) and refuses what is not a number of seconds', () => {
    expect(stopGraceSeconds({})).toBe(30);
    expect(stopGraceSeconds({ BOOKPIPE_STOP_GRACE_SECONDS: '0' })).toBe(0);
    expect(stopGraceSeconds({ BOOKPIPE_STOP_GRACE_SECONDS: '2.5' })).toBe(2.5);
    expect(() => stopGraceSeconds({ BOOKPIPE_STOP_GRACE_SECONDS: 'soon' })).toThrow(/BOOKPIPE_STOP_GRACE_SECONDS="soon" is not a number of seconds/);
    expect(() => stopGraceSeconds({ BOOKPIPE_STOP_GRACE_SECONDS: '-1' })).toThrow(/Set it to 0 or more/);
  });
});

describe('--lang', () => {
  it('sets the OCR languages over BOOKPIPE_OCR_LANG, and refuses what is no list of tesseract codes', () => {
    expect(runConfig({ BOOKPIPE_OCR_LANG: 'fra' }, { lang: 'deu+lat' }).ocr.languages).toBe('deu+lat');
    expect(runConfig({ BOOKPIPE_OCR_LANG: 'fra' }, {}).ocr.languages).toBe('fra');
    expect(runConfig({}, {}).ocr.languages).toBeUndefined();
    expect(() => runConfig({}, { lang: 'deu,lat' })).toThrow(
      '--lang "deu,lat" is not a list of tesseract language codes. Give codes joined by "+", e.g. --lang deu+lat.',
    );
  });
});

describe('the exit code of a run comes from the pipeline result', () => {
  it('0 only when the result is ok; 1 for failed pages or a stage that did not run; 130 when stopped', () => {
    expect(runExitCode(result({ ocr: { status: 'done', stats: stats('ocr', [], 3) }, merge: { status: 'skipped', reason: 'already complete' } }))).toBe(0);
    expect(runExitCode(result({ ocr: { status: 'done', stats: stats('ocr', [{ page: 2, error: 'unreadable' }], 2) } }))).toBe(1);
    expect(
      runExitCode(result({ ocr: { status: 'done', stats: stats('ocr', [], 3) }, merge: { status: 'not-run', reason: 'stage "label" did not finish' } })),
    ).toBe(1);
    expect(runExitCode(pipelineResult('book', true, [['ocr', { status: 'done', stats: { ...stats('ocr', [], 1), aborted: true } }]]))).toBe(130);
  });
});

describe('next steps that work with the CLI as it is', () => {
  const corrupt = '/s/book/metadata.json of scan "book" is corrupt: it is not valid JSON (x). Fix it by hand, or delete it and run the source stage again.';
  it('a corrupt metadata.json: no "run the source stage", no "force", but the command that remakes it', () => {
    const text = cliNextSteps(corrupt);
    expect(text).toContain(
      "delete it and remake it from the files the scan was made from: `bookpipe run <the book's PDF or page images> --scan-id book --stages source --clean`",
    );
    expect(cliNextSteps(corrupt, { inputs: ['My Book.pdf'], scanId: 'book', root: '/s' })).toContain(
      "`bookpipe run 'My Book.pdf' --scan-id book --root /s --stages source --clean`",
    );
    const noSources = `Scan "book" already holds 4 source pages, but metadata.json does not say which files they came from; pass force to replace them (this deletes the downstream stages' outputs).`;
    expect(cliNextSteps(noSources, { inputs: ['a.pdf'], scanId: 'book' })).not.toContain('force');
  });
});

describe.skipIf(!hasEval)('bookpipe run on real files (source stage only)', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'bookpipe-run-command-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));
  const run = async (inputs: string[], extra: string[] = []) => {
    const io = memoryIo({});
    const args = ['run', ...inputs, '--root', root, '--stages', 'source', ...extra];
    try {
      const code = await runCommand(inputs, { root, stages: 'source', scanId: 'book', clean: extra.includes('--clean') }, io, args);
      return { code, err: io.err() };
    } catch (error) {
      return { code: printError(error, io), err: io.err() };
    }
  };

  it('hugemono.pdf refused as a page: the advice is to fix or replace the file, not to run again', async () => {
    const io = memoryIo({});
    const inputs = [pdf('linn.pdf'), pdf('hugemono.pdf')];
    const code = await runCommand(inputs, { root, stages: 'source', scanId: 'huge' }, io, ['run', ...inputs, '--stages', 'source']);
    expect(code).toBe(1);
    expect(io.err()).toContain('Some pages failed:');
    expect(io.err()).toMatch(/source: 1 of 2 pages failed: .*hugemono\.pdf, page 1: the page is 116\.7 x 116\.7 in.* \(page 2\)/);
    expect(io.err()).toContain('1 input page was refused: rerunning reads the same file again. Fix or replace the file named above (or leave it out)');
    expect(io.err()).not.toContain('Run the same command again');
  });

  it('a corrupt metadata.json: the advised command works, and the scan runs again', async () => {
    const inputs = [pdf('linn.pdf')];
    expect((await run(inputs)).code).toBe(0);
    const metadata = path.join(root, 'book', 'metadata.json');
    await writeFile(metadata, '{"scanId": "bo');
    const failed = await run(inputs);
    expect(failed.code).toBe(1);
    const advised = /`bookpipe run (.+) --stages source --clean`/.exec(failed.err);
    expect(advised?.[1], failed.err).toBe(`${inputs[0]} --scan-id book --root ${root}`);
    expect(failed.err).not.toMatch(/run the source stage again|force/);
    await unlink(metadata);
    expect((await run(inputs, ['--clean'])).code).toBe(0);
    const again = await run(inputs);
    expect(again.code, again.err).toBe(0);
  });
});
