/**
 * Issue 15 items 3 and 4, issue 14 item 8: how the real `bookpipe` bin stops.
 *
 * - SIGTERM (`timeout`, `docker stop`, systemd) and SIGHUP (a closed terminal) stop a run like Ctrl-C:
 *   exit 143 / 129, the lock released, every saved page journalled, and a rerun finishes the book.
 *   Before, SIGTERM killed the process outright and left a stale lock.
 * - A second Ctrl-C abandons the pages in flight (they stay to do).
 * - A closed stdout/stderr pipe (`bookpipe run x --json | head -1`, `... 2>&1 | head -2`,
 *   `bookpipe report ... | head -1`) ends the process quietly with exit 141 (128 + SIGPIPE), no
 *   `write EPIPE` stack trace, the lock released. Before, an unhandled EPIPE crashed the run.
 *
 * The signal is sent when the child's first `page:done` event arrives (event order, never a delay);
 * the book has 60 pages, so the run is still going when it lands. Only the source stage runs.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, symlink } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bin, cleanEnv, evalFile, hasBin, hasEval, noteSkip, tempFolder } from '../support/disk-cli.js';

const SUITE = 'signals and pipes through the bookpipe CLI';
noteSkip(SUITE);
const PAGES = 60;
/** A stack frame ("    at fn (file.js:1:2)"). */
const STACK_FRAME = /\n\s+at .+:\d+:\d+/;

interface Child {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the bin. `onLine` sees each stdout line as it arrives and each stderr line, with the child to
 * signal. `closeOutput` closes our end of the child's stdout (and stderr) pipe at once, as `head` does
 * when it has read enough.
 */
function runBin(
  args: readonly string[],
  options: {
    cwd: string;
    env?: NodeJS.ProcessEnv;
    onStdout?: (line: string, child: ReturnType<typeof spawn>) => void;
    onStderr?: (line: string, child: ReturnType<typeof spawn>) => void;
    closeOutput?: 'stdout' | 'both';
  },
): Promise<Child> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: options.cwd, env: options.env ?? cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const lines = (stream: NodeJS.ReadableStream, sink: (text: string) => void, onLine?: (line: string, c: typeof child) => void) => {
      let buffered = '';
      stream.on('data', (chunk: Buffer) => {
        sink(chunk.toString());
        buffered += chunk.toString();
        let at = buffered.indexOf('\n');
        while (at >= 0) {
          onLine?.(buffered.slice(0, at), child);
          buffered = buffered.slice(at + 1);
          at = buffered.indexOf('\n');
        }
      });
    };
    if (options.closeOutput) child.stdout.destroy();
    else lines(child.stdout, (t) => (stdout += t), options.onStdout);
    if (options.closeOutput === 'both') child.stderr.destroy();
    else lines(child.stderr, (t) => (stderr += t), options.onStderr);
    child.on('error', fail);
    child.on('close', (code, signal) => done({ code, signal, stdout, stderr }));
  });
}

/** A folder of `PAGES` real page images (one old-books scan, linked under page names). */
async function pagesFolder(dir: string): Promise<string> {
  const folder = path.join(dir, 'pages');
  await mkdir(folder);
  for (let i = 1; i <= PAGES; i++) await symlink(evalFile('old-books', 'c015.tiff'), path.join(folder, `page_${i}.tiff`));
  return folder;
}

/** The source pages on disk and the pages its journal records: equal when the stop left the scan consistent. */
async function sourceState(scanDir: string): Promise<{ files: number[]; journalled: number[] }> {
  // A run stopped before its first page may have written no journal yet.
  const journal = await readFile(path.join(scanDir, 'source', 'checkpoint.jsonl'), 'utf8').catch(() => '');
  const journalled = journal
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { type: string; page?: number })
    .flatMap((r) => (r.type === 'page' && r.page !== undefined ? [r.page] : []));
  return { files: await pageFiles(scanDir), journalled: [...new Set(journalled)].sort((a, b) => a - b) };
}

/** The source page files on disk, in page order. */
async function pageFiles(scanDir: string): Promise<number[]> {
  const files = await readdir(path.join(scanDir, 'source')).catch(() => [] as string[]);
  return files
    .filter((f) => /^page_\d{4}\.png$/.test(f))
    .map((f) => Number(f.slice(5, 9)))
    .sort((a, b) => a - b);
}

const signalOnFirstPage = (signal: NodeJS.Signals) => {
  let sent = false;
  return (line: string, child: ReturnType<typeof spawn>) => {
    if (!sent && line.includes('"type":"page:done"')) {
      sent = true;
      child.kill(signal);
    }
  };
};

describe.skipIf(!hasEval || !hasBin)(SUITE, () => {
  for (const [signal, exit] of [
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    it(`${signal} stops a run like Ctrl-C: exit ${exit}, pages in flight saved, lock released, a rerun finishes the book`, { timeout: 300_000 }, async () => {
      await using tmp = await tempFolder('bookpipe-signals-');
      const folder = await pagesFolder(tmp.dir);
      const root = path.join(tmp.dir, 'scans');
      const args = ['run', folder, '--root', root, '--scan-id', 'book', '--stages', 'source', '--json'];
      const stopped = await runBin(args, { cwd: tmp.dir, onStdout: signalOnFirstPage(signal) });
      expect(stopped.signal, stopped.stderr).toBeNull();
      expect(stopped.code, stopped.stderr).toBe(exit);
      expect(stopped.stderr).toContain(`Stopping (${signal}): no new page is started; pages in flight finish and are saved`);
      expect(stopped.stderr).toContain('Stopped. Finished pages are saved. Run the same command again to resume');
      expect(stopped.stderr).not.toMatch(STACK_FRAME);
      const scanDir = path.join(root, 'book');
      expect(existsSync(path.join(scanDir, '.lock')), 'the lock is released').toBe(false);
      const state = await sourceState(scanDir);
      expect(state.files.length).toBeGreaterThan(0);
      expect(state.files.length).toBeLessThan(PAGES);
      expect(state.files).toEqual(state.journalled);
      // Every page:done the child announced is on disk: nothing in flight was lost.
      const announced = stopped.stdout
        .split('\n')
        .filter((l) => l.includes('"type":"page:done"'))
        .map((l) => (JSON.parse(l) as { page: number }).page);
      for (const page of announced) expect(state.files).toContain(page);

      const resumed = await runBin(args, { cwd: tmp.dir });
      expect(resumed.code, resumed.stderr).toBe(0);
      expect((await pageFiles(scanDir)).length).toBe(PAGES);
    });
  }

  it('a second Ctrl-C abandons the pages in flight: exit 130, they stay to do, the scan stays consistent', { timeout: 300_000 }, async () => {
    await using tmp = await tempFolder('bookpipe-signals-');
    const folder = await pagesFolder(tmp.dir);
    const root = path.join(tmp.dir, 'scans');
    const args = ['run', folder, '--root', root, '--scan-id', 'book', '--stages', 'source', '--json'];
    let second = false;
    const stopped = await runBin(args, {
      cwd: tmp.dir,
      onStdout: signalOnFirstPage('SIGINT'),
      onStderr: (line, child) => {
        if (!second && line.startsWith('Stopping (Ctrl-C)')) {
          second = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.stderr).toContain('Abandoning the pages in flight (Ctrl-C); they stay to do.');
    const scanDir = path.join(root, 'book');
    expect(existsSync(path.join(scanDir, '.lock'))).toBe(false);
    const state = await sourceState(scanDir);
    expect(state.files).toEqual(state.journalled);
    expect(state.files.length).toBeLessThan(PAGES);
  });

  it('`bookpipe run x --json | head -1` and `... 2>&1 | head`: exit 141, no stack trace, lock released; a rerun finishes', { timeout: 300_000 }, async () => {
    await using tmp = await tempFolder('bookpipe-pipes-');
    const folder = await pagesFolder(tmp.dir);
    const root = path.join(tmp.dir, 'scans');
    const args = ['run', folder, '--root', root, '--scan-id', 'book', '--stages', 'source', '--json'];
    const scanDir = path.join(root, 'book');

    const stdoutClosed = await runBin(args, { cwd: tmp.dir, closeOutput: 'stdout' });
    expect(stdoutClosed.signal).toBeNull();
    expect(stdoutClosed.code, stdoutClosed.stderr).toBe(141);
    expect(stdoutClosed.stderr).not.toMatch(STACK_FRAME);
    expect(stdoutClosed.stderr).not.toContain('EPIPE');
    expect(existsSync(path.join(scanDir, '.lock')), 'the lock is released').toBe(false);
    const state = await sourceState(scanDir);
    expect(state.files).toEqual(state.journalled);

    const bothClosed = await runBin(args, { cwd: tmp.dir, closeOutput: 'both' });
    expect(bothClosed.signal).toBeNull();
    expect(bothClosed.code).toBe(141);
    expect(existsSync(path.join(scanDir, '.lock'))).toBe(false);

    const resumed = await runBin(args, { cwd: tmp.dir });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect((await pageFiles(scanDir)).length).toBe(PAGES);

    // `bookpipe report book --stage source | head -1`: the reader goes away before the table is written.
    const report = await runBin(['report', 'book', '--stage', 'source', '--root', root], { cwd: tmp.dir, closeOutput: 'stdout' });
    expect(report.signal).toBeNull();
    expect(report.code, report.stderr).toBe(141);
    expect(report.stderr).toBe('');
  });
});
