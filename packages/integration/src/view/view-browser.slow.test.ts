/**
 * The view in a real browser (Debian's chromium through playwright-core), on two real old-books pages
 * run through the real source and OCR stages, then the deterministic correction, label and merge:
 * - an OCR-only view first (it says which stages are missing), then the full one;
 * - index.html and a page open from file:// with no console error, no failed or remote request;
 * - the legend, the summary, the histogram are there;
 * - with the overlay hidden, a screenshot shows ink inside the drawn word and line boxes and paper in a
 *   ring just outside them, at two viewport widths (the SVG viewBox keeps the boxes on the scaled image),
 *   and on a page the OCR stage turned upright (cardinal.pdf page 2: the view shows it turned too).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig, Pipeline, silentLogger } from '@bookpipe/core';
import { SourceStage } from '@bookpipe/source';
import { CorrectionStage } from '@bookpipe/stage-correction';
import { LabelStage } from '@bookpipe/stage-label';
import { MergeStage } from '@bookpipe/stage-merge';
import { OcrStage } from '@bookpipe/stage-ocr';
import { openScan } from '@bookpipe/storage';
import { type RenderViewResult, renderView } from '@bookpipe/view';
import { type Browser, chromium, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GreyImage, inkShares, paperLevel, type ScreenBox, sitsOnInk } from './ink-shares.js';

const repoRoot = path.resolve(import.meta.dirname, '../../../..');
const evalDir = path.resolve(repoRoot, '../shared/eval/old-books');
const haveEval = existsSync(evalDir);

function findChromium(): string | undefined {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
    } catch {
      // not on PATH
    }
  }
  return undefined;
}
const chromiumPath = findChromium();
// CI must run this suite: there a missing browser or data set is a failure, not a skip.
const required = Boolean(process.env.CI || process.env.BOOKPIPE_REQUIRE_CHROMIUM);
const skipReason = !haveEval
  ? `${evalDir} is absent (see /work/shared/eval/README.md)`
  : !chromiumPath
    ? 'no chromium on PATH (Debian package `chromium`; `scripts/setup.sh --test` installs it)'
    : undefined;
if (skipReason) {
  console.warn(
    `\n${'!'.repeat(100)}\n!! SKIPPING the @bookpipe/view browser suite: ${skipReason}.\n!! CI must run it: install chromium and the eval data, or set CHROMIUM_PATH.\n${'!'.repeat(100)}\n`,
  );
}

describe.runIf(required && skipReason)('@bookpipe/view browser suite prerequisites', () => {
  it('has chromium and the eval data (required here by CI or BOOKPIPE_REQUIRE_CHROMIUM)', () => {
    expect.fail(`the browser suite cannot run: ${skipReason}`);
  });
});

interface BoxCheck {
  checked: number;
  passing: number;
  /** The same boxes moved down by 3/4 of their height: a negative control the check must reject. */
  shiftedPassing: number;
}

// The little of the DOM these tests touch in the page (the package compiles without the DOM library).
type Rectangular = { getBoundingClientRect(): ScreenBox };
type Scrolled = { scrollX: number; scrollY: number };

/** Screen boxes (page coordinates) of the overlay's word and line rects, measured with the overlay shown. */
async function overlayBoxes(page: Page, selector: string): Promise<ScreenBox[]> {
  return page.$$eval(selector, (rects) =>
    rects.map((r) => {
      const b = (r as unknown as Rectangular).getBoundingClientRect();
      const w = globalThis as unknown as Scrolled;
      return { x: b.x + w.scrollX, y: b.y + w.scrollY, width: b.width, height: b.height };
    }),
  );
}

function checkBoxes(image: GreyImage, boxes: readonly ScreenBox[], dark: number): BoxCheck {
  let checked = 0;
  let passing = 0;
  let shiftedPassing = 0;
  for (const box of boxes) {
    // Too small to have a ring that means anything (a stray dot at this scale).
    if (box.width < 3 || box.height < 4) continue;
    checked += 1;
    if (sitsOnInk(inkShares(image, box, { dark }))) passing += 1;
    if (sitsOnInk(inkShares(image, { ...box, y: box.y + box.height * 0.75 }, { dark }))) shiftedPassing += 1;
  }
  return { checked, passing, shiftedPassing };
}

/** Opens a file of the view, recording console errors, page errors, failed and non-file requests. */
async function open(browser: Browser, file: string, width: number): Promise<{ page: Page; problems: string[]; requests: string[] }> {
  const page = await browser.newPage({ viewport: { width, height: 900 }, deviceScaleFactor: 1 });
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  return { page, problems, requests };
}

interface AlignmentFigures {
  line: string;
  shownWidth: number;
  words: BoxCheck;
  lines: BoxCheck;
}

/**
 * Measures the word and line boxes of an open page with the overlay shown, hides the overlay, takes a
 * full-page screenshot and checks each box against the ink under it. Dark: under 60% of the paper's grey.
 */
async function checkAlignment(page: Page, label: string, ocrWidth: number): Promise<AlignmentFigures> {
  await page.locator('#t-words').check();
  await page.locator('#t-lines').check();
  const words = await overlayBoxes(page, 'rect.word');
  const lines = await overlayBoxes(page, 'rect.line');
  const figure = (await page.locator('figure.scan svg').boundingBox())!;
  // BOOKPIPE_VIEW_SCREENSHOTS=<dir> keeps the screenshots, to look at the overlay by eye.
  const keep = process.env.BOOKPIPE_VIEW_SCREENSHOTS;
  if (keep) await page.screenshot({ fullPage: true, path: path.join(keep, `${label}-overlay.png`) });
  await page.locator('#t-overlay').uncheck();
  const png = await page.screenshot({ fullPage: true });
  const { data, info } = await sharp(png).greyscale().raw().toBuffer({ resolveWithObject: true });
  const image: GreyImage = { data, width: info.width, height: info.height };
  const paper = paperLevel(image, figure);
  const w = checkBoxes(image, words, paper * 0.6);
  const l = checkBoxes(image, lines, paper * 0.6);
  const pct = (c: BoxCheck) =>
    `${c.passing}/${c.checked} on ink (${((c.passing / c.checked) * 100).toFixed(1)}%), moved 3/4 of a box down ${c.shiftedPassing}/${c.checked}`;
  const line = `${label}: image shown ${figure.width.toFixed(0)} px wide (scale ${(figure.width / ocrWidth).toFixed(3)}), paper grey ${paper}; words ${pct(w)}; lines ${pct(l)}`;
  console.log(`view box check, ${line}`);
  return { line, shownWidth: figure.width, words: w, lines: l };
}

/** Most boxes on ink, and the control (the same boxes moved off their text) mostly rejected. */
function expectAligned(f: AlignmentFigures, minWords: number): void {
  expect(f.words.checked).toBeGreaterThan(minWords);
  expect(f.words.passing / f.words.checked).toBeGreaterThanOrEqual(0.9);
  expect(f.lines.passing / f.lines.checked).toBeGreaterThanOrEqual(0.9);
  expect(f.words.shiftedPassing / f.words.checked).toBeLessThan(0.5);
}

describe.skipIf(skipReason !== undefined)('@bookpipe/view in headless chromium, on old-books c016-c017', () => {
  let dir: string;
  let scan: ReturnType<typeof openScan>;
  let ocrOnly: RenderViewResult;
  let ocrOnlyIndex: string;
  let view: RenderViewResult;
  let browser: Browser;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bookpipe-view-'));
    scan = openScan({ root: dir, scanId: 'old-books-c' });
    const config = loadConfig({}); // no LLM: correction and label run their deterministic modes
    const files = ['c016.tiff', 'c017.tiff'].map((f) => path.join(evalDir, f));
    await new Pipeline({ scan, stages: [new SourceStage({ inputs: files }), new OcrStage({ maxWorkers: 2 })], config, logger: silentLogger }).run();
    ocrOnly = await renderView({ scan });
    ocrOnlyIndex = await readFile(ocrOnly.indexPath, 'utf8');
    await new Pipeline({ scan, stages: [new CorrectionStage(), new LabelStage(), new MergeStage()], config, logger: silentLogger }).run();
    view = await renderView({ scan });
    browser = await chromium.launch({ executablePath: chromiumPath!, args: ['--no-sandbox'] });
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('an OCR-only scan gets a view that says which stages are missing', () => {
    expect(ocrOnly.missingStages).toEqual(['correction', 'label', 'merge']);
    expect(ocrOnlyIndex).toContain(
      'Stages not run on this scan: <strong>correction, label, merge</strong>. Text is shown as OCR read it. Blocks are not classified.',
    );
    expect(ocrOnly.imagesWritten).toBe(2);
    // The second render kept the images, which were newer than the source and OCR pages.
    expect(view.imagesWritten).toBe(0);
    expect(view.missingStages).toEqual([]);
  });

  it('index.html opens from file:// with no error and no remote load, and shows the summary, histogram, legend and page links', async () => {
    const { page, problems, requests } = await open(browser, view.indexPath, 1400);
    try {
      expect(problems).toEqual([]);
      expect(requests.filter((url) => !url.startsWith('file://'))).toEqual([]);
      expect(await page.locator('h1').textContent()).toBe('old-books-c');
      const stages = await page.locator('table.stages tbody th').allTextContents();
      expect(stages).toEqual(['source', 'ocr', 'correction', 'label', 'merge']);
      expect(await page.locator('.hist svg rect.bar').count()).toBe(20);
      expect(await page.locator('section.summary ul.legend li').count()).toBeGreaterThanOrEqual(3);
      expect(await page.locator('dl.facts').textContent()).toMatch(/mean word confidence\s*0\.\d\d/);
      const links = await page.locator('ul.grid a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      expect(links).toEqual(['pages/page_0001.html', 'pages/page_0002.html']);
      // Thumbnails really loaded (lazy images in view are fetched at load).
      const widths = await page.locator('ul.grid img').evaluateAll((imgs) => imgs.map((i) => (i as unknown as { naturalWidth: number }).naturalWidth));
      expect(widths).toEqual([240, 240]);
      if (process.env.BOOKPIPE_VIEW_SCREENSHOTS) await page.screenshot({ fullPage: true, path: path.join(process.env.BOOKPIPE_VIEW_SCREENSHOTS, 'index.png') });
    } finally {
      await page.close();
    }
  });

  it('a page opens with no error; its boxes sit on the text at two viewport widths (screenshot with the overlay hidden)', async () => {
    const pageFile = path.join(view.dir, 'pages', 'page_0002.html');
    const ocrWidth = JSON.parse(await readFile(scan.stage('ocr').pagePath(2), 'utf8')).width as number;
    const widths: number[] = [];
    for (const viewport of [1600, 700]) {
      const { page, problems, requests } = await open(browser, pageFile, viewport);
      try {
        expect(problems).toEqual([]);
        expect(requests.filter((url) => !url.startsWith('file://'))).toEqual([]);
        expect(requests.some((url) => url.endsWith('/images/page_0002.jpg'))).toBe(true);
        expect(await page.locator('header ul.legend li').count()).toBeGreaterThanOrEqual(3);
        expect(await page.locator('section.text .ptext').count()).toBeGreaterThan(3);
        const figures = await checkAlignment(page, `old-books c017, viewport ${viewport}px`, ocrWidth);
        widths.push(figures.shownWidth);
        expectAligned(figures, 100);
      } finally {
        await page.close();
      }
    }
    // Two different scales really were checked.
    expect(Math.abs(widths[0]! - widths[1]!)).toBeGreaterThan(150);
  });

  it('a page shows corrections and marks: line-end hyphens joined by the deterministic correction appear as <del>/<ins>', async () => {
    const docs = await Promise.all([1, 2].map((p) => readFile(path.join(view.dir, 'pages', `page_000${p}.html`), 'utf8')));
    const joined = docs.join('\n');
    // Matched as booleans: a failure would otherwise print two whole pages of HTML.
    expect(/<del title="read by OCR, not in the final text">[^<]*-(<\/mark>)?[\s\S]*?<\/del> <ins title="not read by OCR">/.test(joined)).toBe(true);
    expect(joined.includes('printed page number</dt><dd><strong>')).toBe(true);
  });
});

const cardinalPdf = path.resolve(repoRoot, '../shared/eval/ocrmypdf-resources/cardinal.pdf');

describe.skipIf(skipReason !== undefined || !existsSync(cardinalPdf))(
  '@bookpipe/view in headless chromium, on a page the OCR stage turned upright (cardinal.pdf page 2)',
  () => {
    let dir: string;
    let scan: ReturnType<typeof openScan>;
    let view: RenderViewResult;
    let browser: Browser;

    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'bookpipe-view-turned-'));
      scan = openScan({ root: dir, scanId: 'cardinal' });
      await new Pipeline({
        scan,
        stages: [new SourceStage({ inputs: [cardinalPdf] }), new OcrStage({ maxWorkers: 2 })],
        config: loadConfig({}),
        logger: silentLogger,
      }).run();
      view = await renderView({ scan });
      browser = await chromium.launch({ executablePath: chromiumPath!, args: ['--no-sandbox'] });
    }, 300_000);
    afterAll(async () => {
      await browser?.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('shows the page turned as the OCR stage read it, its boxes on the text', async () => {
      const ocr = JSON.parse(await readFile(scan.stage('ocr').pagePath(2), 'utf8')) as { rotation?: number; width: number };
      // The source image lies sideways; the OCR boxes refer to the upright image.
      expect(ocr.rotation).toBe(270);
      // A wide window: the brochure's small print needs the image at about half size or more for the
      // gaps between its lines (2-3 px at a quarter size) to hold the ring around each box.
      const { page, problems } = await open(browser, path.join(view.dir, 'pages', 'page_0002.html'), 2400);
      try {
        expect(problems).toEqual([]);
        expect(await page.locator('dl.facts').textContent()).toContain('turned 270° before reading');
        expectAligned(await checkAlignment(page, 'cardinal.pdf page 2 (turned 270°), viewport 2400px', ocr.width), 50);
      } finally {
        await page.close();
      }
    });
  },
);
