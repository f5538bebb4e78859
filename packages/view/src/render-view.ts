import { availableParallelism } from 'node:os';
import { basename, dirname, resolve } from 'node:path';
import { LOW_CONFIDENCE_THRESHOLD, OCR_STAGE, SOURCE_STAGE } from '@bookpipe/contracts';
import { BookpipeError, type BookStorage, ErrorCode, type FileFolder, mapLimit } from '@bookpipe/core';
import { BookSummary } from './book-summary.js';
import { pageHtmlName } from './document.js';
import { indexHtml } from './index-html.js';
import { type PageContext, pageHtml } from './page-html.js';
import { type ImageFormat, type PageImages, sweepTempFiles, writePageImages } from './page-images.js';
import { buildPageModel } from './page-model.js';
import { PIPELINE_STAGES, readPageInputs, readScanStages } from './scan-inputs.js';

/** Name of the view's folder inside the scan folder when `out` is not given. */
export const VIEW_DIR = 'view';

export interface RenderViewOptions {
  /** The scan, opened (`openScan` of @bookpipe/storage, or another `BookStorage`). Its pages are read through it. */
  scan: BookStorage;
  /**
   * Folder to write the report into (created if missing): `openFolder(dir)` of @bookpipe/storage for a
   * folder outside the scan. The report is self-contained: it can be moved or zipped as a whole.
   * @default the scan's "view" folder, `scan.stage('view')` ("<scan folder>/view")
   */
  out?: FileFolder;
  /**
   * OCR words with a confidence under this are marked in the text and on the image.
   * @default LOW_CONFIDENCE_THRESHOLD of @bookpipe/stage-ocr (0.6: measured there as about where a word
   * turns from more likely wrong to more likely right)
   */
  lowConfidence?: number;
  /**
   * Width in pixels of the page image shown on each page's view (WebP, never enlarged). 1600 px keeps
   * a 300 DPI page's small print readable when zoomed, at about 100-300 KB a page.
   * @default 1600
   */
  imageWidth?: number;
  /** Width in pixels of the index's thumbnails. @default 240 */
  thumbnailWidth?: number;
  /**
   * Encoding of the page images. JPEG takes about a third of WebP's encoding time (a first view of
   * 300 pages: see bench/view) for files about 1.3x as large; WebP for a smaller report.
   * @default 'jpeg'
   */
  imageFormat?: ImageFormat;
  /** JPEG or WebP quality of both images, 1-100. @default 80 */
  imageQuality?: number;
  /**
   * Pages prepared at once. Two a CPU: a page's PNG decode runs on one thread, so with one page a CPU the
   * CPUs idle between a page's steps (bench/view: 4 at a time on 2 CPUs took 0.93x the time of 2, twice).
   * @default 2 * os.availableParallelism()
   */
  concurrency?: number;
  /** Clock for the "generated" line. @default () => new Date() */
  now?: () => Date;
}

export interface RenderViewResult {
  /** Absolute path of the report's entry page. */
  indexPath: string;
  /** Absolute path of the report's folder. */
  dir: string;
  pages: number;
  /** Pipeline stages that have not run on the scan (the report says so). */
  missingStages: string[];
  /** Page images made in this call; the others were up to date. */
  imagesWritten: number;
  /** Pages that failed in some stage. */
  failedPages: number[];
}

function positive(name: string, value: number | undefined, fallback: number, max = Infinity): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new BookpipeError(
      ErrorCode.CONFIG_INVALID,
      `renderView: \`${name}\` must be an integer from 1${max === Infinity ? '' : ` to ${max}`}, got ${String(value)}.`,
    );
  }
  return value;
}

function imageFormat(value: ImageFormat | undefined): ImageFormat {
  if (value === undefined) return 'jpeg';
  if (value !== 'jpeg' && value !== 'webp') {
    throw new BookpipeError(ErrorCode.CONFIG_INVALID, `renderView: \`imageFormat\` must be "jpeg" or "webp", got ${JSON.stringify(value)}.`);
  }
  return value;
}

/**
 * Writes a static HTML report of a scan: `index.html` (the book summary: stages, failures, LLM cost,
 * word confidence histogram, a thumbnail link to every page) and `pages/page_NNNN.html` (the page image
 * with the OCR blocks drawn over it and coloured by class, the text beside it with the corrections and
 * low-confidence words marked, the page's facts). Downscaled JPEG (or WebP) copies of the page images go to
 * `images/`. Everything is relative and local: the report opens from disk with no server, and its
 * Content-Security-Policy forbids any remote load and any script.
 *
 * It reads whatever stages have run: with OCR alone it shows OCR text and unclassified blocks and says
 * which stages are missing. Run it again after more stages: images that are up to date are kept.
 *
 * @throws BookpipeError SCAN_NOT_FOUND, or DEPENDENCY_MISSING when the scan has neither page images nor OCR pages.
 * @example
 * const { indexPath } = await renderView({ scan: openScan({ root: 'scans', scanId: 'my-book-1923' }) });
 */
export async function renderView(options: RenderViewOptions): Promise<RenderViewResult> {
  const { scan } = options;
  const lowConfidence = options.lowConfidence ?? LOW_CONFIDENCE_THRESHOLD;
  if (!(lowConfidence >= 0 && lowConfidence <= 1)) {
    throw new BookpipeError(ErrorCode.CONFIG_INVALID, `renderView: \`lowConfidence\` must be between 0 and 1, got ${String(options.lowConfidence)}.`);
  }
  const sizes = {
    displayWidth: positive('imageWidth', options.imageWidth, 1600),
    thumbnailWidth: positive('thumbnailWidth', options.thumbnailWidth, 240),
    quality: positive('imageQuality', options.imageQuality, 80, 100),
    format: imageFormat(options.imageFormat),
  };
  const concurrency = positive('concurrency', options.concurrency, 2 * availableParallelism());
  const now = options.now ?? (() => new Date());

  if (!(await scan.exists())) {
    throw new BookpipeError(
      ErrorCode.SCAN_NOT_FOUND,
      `There is no scan "${scan.scanId}" in ${scan.root}: nothing to view. Run \`bookpipe run <pdf-or-folder> --scan-id ${scan.scanId}\` first, or give the right root.`,
      {
        details: { scanId: scan.scanId, root: scan.root },
      },
    );
  }
  const out = options.out ?? scan.stage(VIEW_DIR);
  const dir = out.dir;
  // The view's own folder is not a stage, when it sits in the scan folder.
  const exclude = new Set(dirname(resolve(dir)) === resolve(scan.dir) ? [basename(dir)] : []);
  const metadata = await scan.readMetadata();
  const pages = await scan.pageNumbers();
  const stages = await readScanStages(scan, exclude);
  const sourcePages = stages.pagesByStage.get(SOURCE_STAGE) ?? new Set<number>();
  const ocrPages = stages.pagesByStage.get(OCR_STAGE) ?? new Set<number>();
  if (sourcePages.size === 0 && ocrPages.size === 0) {
    throw new BookpipeError(
      ErrorCode.DEPENDENCY_MISSING,
      `Scan "${scan.scanId}" has no page images (${scan.stage(SOURCE_STAGE).dir}) and no OCR pages yet: nothing to view. Run \`bookpipe run\` on it first.`,
      {
        details: { scanId: scan.scanId },
      },
    );
  }
  const missingStages = PIPELINE_STAGES.filter((s) => !stages.present.has(s));
  const summary = new BookSummary(
    { scanId: scan.scanId, title: metadata.title ?? null, author: metadata.author ?? null, year: metadata.year ?? null },
    pages,
    stages.summaries,
    missingStages,
    lowConfidence,
    now()
      .toISOString()
      .replace(/\.\d+Z$/, 'Z'),
  );
  const ctx: PageContext = { scanId: scan.scanId, title: metadata.title ?? null, pages, missingStages };
  // Each stage's page format is the storage's business: the source stage's pages are PNG.
  const source = scan.stage(SOURCE_STAGE);
  const ocr = scan.stage(OCR_STAGE);
  let imagesWritten = 0;
  await sweepTempFiles(out);

  await mapLimit(pages, concurrency, async (page) => {
    const inputs = await readPageInputs(scan, stages, page, { image: null, lowConfidence });
    let images: PageImages | undefined;
    if (sourcePages.has(page)) {
      try {
        images = await writePageImages({
          load: () => source.loadPageBytes(page),
          // Only the files the page has: a page without OCR (not run yet, or failed) is judged on its
          // source image alone. Passing "no OCR page" as an unknown input made such a page never up to
          // date, so every view of it (and every rerun after a killed view) encoded it again.
          inputs: ocrPages.has(page) ? [source.pagePath(page), ocr.pagePath(page)] : [source.pagePath(page)],
          rotation: inputs.ocr?.rotation ?? 0,
          folder: out,
          page,
          sizes,
        });
        if (images.written) imagesWritten += 1;
      } catch (error) {
        inputs.unreadable.push({ stage: 'source', error: `page image could not be read: ${(error as Error).message}` });
      }
    }
    if (images) inputs.image = { href: `../images/${images.display.file}`, width: images.display.width, height: images.display.height };
    const model = buildPageModel(inputs);
    await out.writeFile(`pages/${pageHtmlName(page)}`, pageHtml(model, ctx));
    summary.add(model, images ? { href: `images/${images.thumbnail.file}`, width: images.thumbnail.width, height: images.thumbnail.height } : null);
  });
  summary.rows.sort((a, b) => a.page - b.page);
  const indexPath = await out.writeFile('index.html', indexHtml(summary));
  return {
    indexPath,
    dir,
    pages: pages.length,
    missingStages: [...missingStages],
    imagesWritten,
    failedPages: summary.rows.filter((r) => r.failedStages.length > 0).map((r) => r.page),
  };
}
