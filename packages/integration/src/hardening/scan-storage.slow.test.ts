/**
 * Issue 15, storage hardening, through the real `bookpipe` bin (in a child process): a symbolic link inside a scan is never followed, `clean` and `run --clean` remove only what the
 * stage owns and say so in the same words, a clean killed midway is finished by the next run, and
 * `status` works on a corrupt metadata.json and does not count a damaged page file. Each case failed
 * on main before the fix.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { OcrPageSchema } from '@bookpipe/contracts';
import { openScan } from '@bookpipe/storage';
import { smallPage, tempDir } from '@bookpipe/testkit';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bin, cleanEnv, hasBin, bookpipe as runBin } from '../support/disk-cli.js';

if (!hasBin) console.warn(`[hardening] skipped: the CLI is not built (${bin}); run \`pnpm --filter @bookpipe/cli... build\`.`);

// Every test runs the bin several times (a few seconds each on a busy machine).
vi.setConfig({ testTimeout: 120_000 });

const PAGES = [1, 2, 3, 4, 5, 6];

let root: string;
let outside: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir: root, remove: cleanup } = await tempDir('bookpipe-hardening-'));
  outside = join(root, 'outside');
  await mkdir(outside);
  await writeFile(join(outside, 'precious.txt'), 'a user file\n');
});
afterEach(() => cleanup());

/** A scan whose OCR stage is complete (real OCR pages of the contracts' schema, written through storage): merge can run on it. */
async function scanWithOcr(scanId = 'book') {
  const scan = openScan({ root: join(root, 'scans'), scanId });
  await scan.init();
  await scan.updateMetadata({ totalPages: PAGES.length });
  const ocr = scan.stage('ocr', { schema: OcrPageSchema });
  for (const p of PAGES) await ocr.savePage(p, smallPage(p, [[[`Chapter ${p}`]], [[`The text of page ${p} goes on here.`]]]), { pageNum: p });
  await ocr.checkpoint.markStageComplete({ pagesProcessed: PAGES.length });
  return scan;
}

async function bookpipe(args: string[]) {
  const run = await runBin([...args, '--root', join(root, 'scans')]);
  return { code: run.code, out: run.stdout, err: run.stderr, events: run.events };
}

/** `bookpipe clean` SIGKILLed while the unlink of `parked` never settles (see test-programs/park-unlink.mjs). */
async function killedClean(scanId: string, stage: string, parked: string): Promise<void> {
  const preload = fileURLToPath(new URL('../../test-programs/park-unlink.mjs', import.meta.url));
  const child = spawn(process.execPath, ['--import', preload, bin, 'clean', scanId, '--stage', stage, '--root', join(root, 'scans')], {
    env: cleanEnv({ PARK_UNLINK: parked }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((done) => child.on('close', done));
  for await (const line of createInterface({ input: child.stdout })) {
    if (line.includes('"parked"')) break;
  }
  child.kill('SIGKILL');
  await exited;
}

describe.skipIf(!hasBin)('a symbolic link inside a scan is never followed', () => {
  it('run --stages merge --clean with <scan>/merge a link: the file outside survives; clean refuses with the same words', async () => {
    const scan = await scanWithOcr();
    await symlink(outside, join(scan.dir, 'merge'));
    const run = await bookpipe(['run', '--scan-id', 'book', '--stages', 'merge', '--clean']);
    expect(run.code).not.toBe(0);
    expect(await readdir(outside)).toEqual(['precious.txt']);
    expect(await readFile(join(outside, 'precious.txt'), 'utf8')).toBe('a user file\n');
    const refusal = `${join(scan.dir, 'merge')} (scan "book", stage "merge") is a symbolic link (to ${outside})`;
    expect(run.err).toContain(refusal);

    const clean = await bookpipe(['clean', 'book', '--stage', 'merge']);
    expect(clean.code).not.toBe(0);
    expect(clean.err).toContain(refusal);
    expect(await readdir(outside)).toEqual(['precious.txt']);
    // status says why the merge stage is not listed.
    expect((await bookpipe(['status', 'book'])).out).toContain(`${join(scan.dir, 'merge')} is a symbolic link, which bookpipe does not follow`);
  });

  it("a stage's journal or logs/ that is a link is not written through", async () => {
    const scan = await scanWithOcr();
    await mkdir(join(scan.dir, 'merge'));
    await symlink(join(outside, 'precious.txt'), join(scan.dir, 'merge', 'checkpoint.jsonl'));
    const journal = await bookpipe(['run', '--scan-id', 'book', '--stages', 'merge']);
    expect(journal.code).not.toBe(0);
    expect(journal.err).toContain('checkpoint.jsonl (scan "book", stage "merge") is a symbolic link');
    expect(await readFile(join(outside, 'precious.txt'), 'utf8')).toBe('a user file\n');

    await rm(join(scan.dir, 'merge'), { recursive: true });
    await mkdir(join(scan.dir, 'merge'));
    await symlink(outside, join(scan.dir, 'merge', 'logs'));
    const logs = await bookpipe(['run', '--scan-id', 'book', '--stages', 'merge']);
    expect(logs.code).not.toBe(0);
    expect(logs.err).toContain(`${join(scan.dir, 'merge', 'logs')} (scan "book", stage "merge") is a symbolic link`);
    expect(await readdir(outside)).toEqual(['precious.txt']);
  });

  it('view into <scan>/view that is a link is refused; nothing is written outside', async () => {
    const scan = await scanWithOcr();
    expect((await bookpipe(['run', '--scan-id', 'book', '--stages', 'merge'])).code).toBe(0);
    await symlink(outside, join(scan.dir, 'view'));
    const view = await bookpipe(['view', 'book']);
    expect(view.code).not.toBe(0);
    expect(view.err).toContain('is a symbolic link');
    expect(await readdir(outside)).toEqual(['precious.txt']);
  });
});

describe.skipIf(!hasBin)('clean removes what the stage owns, the same way for clean and run --clean', () => {
  it("a user's file in the stage folder is left and named; run --clean prints the same report as clean", async () => {
    const scan = await scanWithOcr();
    expect((await bookpipe(['run', '--scan-id', 'book', '--stages', 'merge'])).code).toBe(0);
    const merge = join(scan.dir, 'merge');
    await writeFile(join(merge, 'my-notes.txt'), 'mine\n');

    const clean = await bookpipe(['clean', 'book', '--stage', 'merge']);
    expect(clean.code).toBe(0);
    const said = clean.out.split('\n')[0]!;
    expect(said).toMatch(
      /^Cleaned stage "merge" of scan "book" \(.*\): removed 6 page files, .*book\.md.*; its logs are kept; left my-notes\.txt, which the stage did not write/,
    );
    expect((await readdir(merge)).sort()).toEqual(['logs', 'my-notes.txt']);

    expect((await bookpipe(['run', '--scan-id', 'book', '--stages', 'merge'])).code).toBe(0);
    const again = await bookpipe(['run', '--scan-id', 'book', '--stages', 'merge', '--clean']);
    expect(again.code).toBe(0);
    expect(again.err).toContain(said);
    expect(await readFile(join(merge, 'my-notes.txt'), 'utf8')).toBe('mine\n');
  });
});

describe.skipIf(!hasBin)('a clean killed midway', () => {
  it('the next run finishes the clean and redoes every page; status counts nothing meanwhile', async () => {
    const scan = await scanWithOcr();
    expect((await bookpipe(['run', '--scan-id', 'book', '--stages', 'merge'])).code).toBe(0);
    await killedClean('book', 'merge', 'page_0004.json');
    expect(existsSync(join(scan.dir, 'merge', 'page_0004.json'))).toBe(true);

    const status = await bookpipe(['status', 'book']);
    expect(status.code).toBe(0);
    expect(status.out).toMatch(/ {2}merge +0\/6 pages {2}not complete/);
    expect(status.out).toContain('a clean of this stage was interrupted');

    const run = await bookpipe(['run', '--scan-id', 'book', '--stages', 'merge', '--json']);
    expect(run.code).toBe(0);
    const events = run.events;
    // Every page made again: page 4, left by the killed clean, is not taken for done.
    expect(events.find((e) => e.type === 'stage:start')).toMatchObject({ stage: 'merge', totalPages: 6, remainingPages: 6 });
    expect(existsSync(join(scan.dir, 'merge', '.clean-pending'))).toBe(false);
  });
});

describe.skipIf(!hasBin)('status', () => {
  it('works when metadata.json is corrupt: says what is wrong and what to do, and shows the stages', async () => {
    const scan = await scanWithOcr();
    // The smallest bytes storage takes for a PNG page: the signature, then the IEND chunk.
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);
    const source = scan.stage('source', { pageFormat: 'png' });
    for (const p of PAGES) await source.savePage(p, png, { pageNum: p });
    await source.checkpoint.markStageComplete({});
    await writeFile(join(scan.dir, 'metadata.json'), '');
    const status = await bookpipe(['status', 'book']);
    expect(status.code).toBe(0);
    expect(status.out).toContain(`metadata: ${join(scan.dir, 'metadata.json')} of scan "book" is corrupt: it is not valid JSON`);
    expect(status.out).toContain('Fix it by hand');
    expect(status.out).toContain('pages: 6 (counted from the source page files, since metadata.json cannot be read)');
    expect(status.out).toMatch(/ {2}source +6\/6 pages {2}complete\n {2}ocr +6\/6 pages {2}complete/);
  });

  it('does not count a damaged page file as done, and says which', async () => {
    const scan = await scanWithOcr();
    await writeFile(join(scan.dir, 'ocr', 'page_0003.json'), 'garbage');
    const status = await bookpipe(['status', 'book']);
    expect(status.code).toBe(0);
    expect(status.out).toMatch(/ {2}ocr +5\/6 pages/);
    expect(status.out).toContain('1 page file is damaged and not counted (page 3:');
  });

  it("a torn journal line's note goes once the stage has run to completion again", async () => {
    const scan = await scanWithOcr();
    expect((await bookpipe(['run', '--scan-id', 'book', '--stages', 'merge'])).code).toBe(0);
    // A crash while appending: half a record, and the stage-complete record never written.
    const journal = join(scan.dir, 'merge', 'checkpoint.jsonl');
    const lines = (await readFile(journal, 'utf8')).trimEnd().split('\n');
    await writeFile(journal, `${lines.filter((l) => !l.includes('stage-complete')).join('\n')}\n{"type":"page","page":6,"met`);
    expect((await bookpipe(['status', 'book'])).out).toContain('note: ');
    expect((await bookpipe(['run', '--scan-id', 'book', '--stages', 'merge'])).code).toBe(0);
    const after = await bookpipe(['status', 'book']);
    expect(after.out).toMatch(/ {2}merge +6\/6 pages {2}complete/);
    expect(after.out).not.toContain('note: ');
  });
});
