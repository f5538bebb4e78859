/**
 * Issue 15: `bookpipe view` is incremental after a kill. A view SIGKILLed midway (no handler runs)
 * must leave only whole images (each written to a temp file and renamed), and the next view must keep
 * the images written before the kill rather than encode the whole book again (300 pages: 56 s instead
 * of 6 s, because a page without an OCR page was never taken for up to date).
 *
 * The scan: a source stage of PAGES blank 1600 x 2400 pages, the odd ones with an OCR page too, so
 * both freshness rules are used. The kill is sent when KILL_AT thumbnails exist (the thumbnail is a
 * page's last image), found by polling the images folder: an event, not a delay. The real bin runs.
 */
import { spawn } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { OcrPageSchema } from '@bookpipe/contracts';
import { openScan } from '@bookpipe/storage';
import { blankPagePng, scanWithSourcePages, smallPage } from '@bookpipe/testkit';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { bin, bookpipe, cleanEnv, hasBin, tempFolder } from '../support/disk-cli.js';

const PAGES = 24;
const KILL_AT = 4;
const THUMB = /^page_(\d{4})\.thumb\.jpg$/;

if (!hasBin) console.warn(`[view after a kill] skipped: the CLI is not built (${bin}); run \`pnpm --filter @bookpipe/cli... build\`.`);

/** Pages whose two images (display and thumbnail) are both in `images`. */
async function completePages(images: string): Promise<number[]> {
  const names = new Set(await readdir(images).catch(() => [] as string[]));
  return [...names]
    .map((n) => THUMB.exec(n))
    .filter((m): m is RegExpExecArray => m !== null && names.has(`page_${m[1]}.jpg`))
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

async function identity(file: string): Promise<{ ino: number; mtimeMs: number; size: number }> {
  const s = await stat(file);
  return { ino: s.ino, mtimeMs: s.mtimeMs, size: s.size };
}

describe.skipIf(!hasBin)('bookpipe view after a SIGKILL', () => {
  it('keeps the images written before the kill, and the rerun completes the report with decodable images', { timeout: 120_000 }, async () => {
    await using tmp = await tempFolder('bookpipe-view-kill-');
    const root = path.join(tmp.dir, 'scans');
    const png = await blankPagePng(path.join(tmp.dir, 'blank.png'));
    const scan = await scanWithSourcePages(
      openScan({ root, scanId: 'book' }),
      Array.from({ length: PAGES }, () => ({ png })),
    );
    const ocr = scan.stage('ocr', { schema: OcrPageSchema });
    for (let page = 1; page <= PAGES; page += 2) {
      await ocr.savePage(page, smallPage(page, [[[`Page ${page} text`]]]), {
        pageNum: page,
        processingTimeSeconds: 0,
        costUsd: 0,
        engine: 'test',
        model: 'test',
      });
    }
    const images = path.join(scan.dir, 'view', 'images');
    const env = cleanEnv({ BOOKPIPE_ROOT: root });

    // First view, killed once KILL_AT pages have both images.
    const child = spawn(process.execPath, [bin, 'view', 'book'], { cwd: tmp.dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.on('close', (code, signal) => done({ code, signal })));
    let running = true;
    void exited.then(() => (running = false));
    while (running && (await completePages(images)).length < KILL_AT) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGKILL');
    const first = await exited;
    expect(first.signal, `the view finished before the kill; stderr:\n${stderr}`).toBe('SIGKILL');

    const kept = await completePages(images);
    expect(kept.length).toBeGreaterThanOrEqual(KILL_AT);
    expect(kept.length, 'the kill must land before the last page').toBeLessThan(PAGES);
    const before = new Map<string, Awaited<ReturnType<typeof identity>>>();
    for (const page of kept) {
      const stem = `page_${String(page).padStart(4, '0')}`;
      for (const name of [`${stem}.jpg`, `${stem}.thumb.jpg`]) before.set(name, await identity(path.join(images, name)));
    }

    // Second view: runs to the end and rewrites none of the images that were whole at the kill.
    const second = await bookpipe(['view', 'book'], { cwd: tmp.dir, env });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain(`view of ${PAGES} pages written`);
    for (const [name, was] of before) expect({ name, ...(await identity(path.join(images, name))) }).toEqual({ name, ...was });

    // The report is whole: every page has its HTML and two decodable images, and no temp file is left.
    const all = Array.from({ length: PAGES }, (_, i) => i + 1);
    expect(await completePages(images)).toEqual(all);
    const names = await readdir(images);
    expect(names.filter((n) => n.startsWith('.'))).toEqual([]);
    expect(names).toHaveLength(2 * PAGES);
    for (const name of names) {
      const { info } = await sharp(path.join(images, name)).raw().toBuffer({ resolveWithObject: true });
      expect(info.width, name).toBeGreaterThan(0);
    }
    const html = await readdir(path.join(scan.dir, 'view', 'pages'));
    expect(html.filter((n) => n.endsWith('.html'))).toHaveLength(PAGES);
  });
});
