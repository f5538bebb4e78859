import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateSampleBook } from '@bookpipe/testkit/sample-book';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bin = resolve(import.meta.dirname, '../dist/bin.js');

/** The environment of a fresh shell: no API key, no pnpm script variables. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !/_API_KEY$|^npm_|^BOOKPIPE_/.test(name)));
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `bookpipe` bin; `onStderr` may send it a signal. */
function bookpipe(args: string[], cwd: string, onStderr?: (text: string, child: ReturnType<typeof spawn>) => void): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
      onStderr?.(stderr, child);
    });
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

describe('bookpipe on the sample book (child process, the real bin, offline, no key)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bookpipe-cli-e2e-'));
    await generateSampleBook(join(dir, 'sample-book.pdf'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('run ends with book.md and says where it is; a second run resumes with nothing to do', async () => {
    const first = await bookpipe(['run', 'sample-book.pdf', '--workers', '2'], dir);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain(
      'correction and label: without an LLM (no OPENAI_API_KEY, ANTHROPIC_API_KEY or OPENROUTER_API_KEY in the environment and no --base-url)',
    );
    expect(first.stderr).toMatch(/label: done in [\d.]+ s \(8 pages, 0 already done, 0 failed\)/);
    expect(first.stderr).toMatch(/ocr: done in [\d.]+ s \(8 pages, 0 already done, 0 failed\)/);
    const bookMd = join(dir, 'scans', 'sample-book', 'merge', 'book.md');
    expect(first.stderr).toContain(`book.md:   ${bookMd}`);
    const md = await readFile(bookMd, 'utf8');
    expect(md).toContain("## CHAPTER I — The Compositor's Case");
    expect(md).toContain('A book that has waited a hundred years on a shelf can wait a few minutes more while we read it properly.');
    // Every page has its anchor, in order.
    expect([...md.matchAll(/<a id="([^"]+)"><\/a>/g)].map((m) => m[1])).toHaveLength(8);

    const again = await bookpipe(['run', 'sample-book.pdf', '--workers', '2'], dir);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('source: skipped (already complete)');
    expect(again.stderr).toContain('merge: skipped (already complete)');

    const status = await bookpipe(['status', 'sample-book'], dir);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(
      /\n {2}ocr +8\/8 pages {2}complete\n {2}correction +8\/8 pages {2}complete\n {2}label +8\/8 pages {2}complete\n {2}merge +8\/8 pages {2}complete\n/,
    );
    const report = await bookpipe(['report', 'sample-book', '--stage', 'merge'], dir);
    expect(report.stdout.split('\n')[0]).toBe(
      'pageNum,printedPageNumber,blocks,paragraphs,ocrWords,correctedParagraphs,blocksWithoutLabel,paragraphsWithoutCorrection,correctionRefused,fromPrevious,toNext',
    );
  }, 240_000);

  it('Ctrl-C stops cleanly, prints the command that resumes, and that command finishes the book', async () => {
    const args = ['run', 'sample-book.pdf', '--scan-id', 'stopped', '--workers', '1'];
    let sent = false;
    const stopped = await bookpipe(args, dir, (stderr, child) => {
      // Stop once OCR has started on the pages.
      if (!sent && stderr.includes('ocr: 8 pages, 8 to do')) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.stderr).toContain('Stopping (Ctrl-C): no new page is started; pages in flight finish and are saved');
    expect(stopped.stderr).toContain('Run the same command again to resume: bookpipe run sample-book.pdf --scan-id stopped --workers 1');
    expect(existsSync(join(dir, 'scans', 'stopped', 'merge', 'book.md'))).toBe(false);

    const resumed = await bookpipe(args, dir);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('source: skipped (already complete)');
    expect(existsSync(join(dir, 'scans', 'stopped', 'merge', 'book.md'))).toBe(true);
  }, 240_000);
});
