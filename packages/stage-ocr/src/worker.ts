/**
 * Piscina worker: reads one page image with tesseract.js and returns the OCR page. Pure: it never
 * touches scan storage; the main thread saves what it returns.
 *
 * Each worker thread keeps one tesseract.js instance (plus one for orientation detection, started on the
 * first page that needs it) for many pages, created when the thread starts and replaced after
 * `recycleAfterPages` pages.
 */
import { readFile } from 'node:fs/promises';
import { workerData } from 'node:worker_threads';
import Tesseract from 'tesseract.js';
import { classifyTesseractFailure, imageFormat, notAnImage } from './image-errors.js';
import { buildOcrPage } from './ocr-page-builder.js';
import { decideRotation, readsUpright } from './orientation.js';
import { readMargins } from './read-margins.js';
import { rotateImage } from './rotate-image.js';
import { TesseractInstance } from './tesseract-instance.js';
import { parseTsv } from './tsv.js';
import type { OcrTask, OcrTaskOutcome, TesseractJsWorkerConfig } from './worker-protocol.js';

const config = workerData as TesseractJsWorkerConfig;

interface Session {
  ocr: TesseractInstance;
  osd: TesseractInstance | null;
  pages: number;
}
let session: Session | undefined;

async function openSession(): Promise<Session> {
  const ocr = await TesseractInstance.create({
    purpose: `OCR (${config.language})`,
    languages: config.language,
    // LSTM only, as the tesseract CLI does with these models; tesseract.js's own default differs.
    oem: Tesseract.OEM.LSTM_ONLY,
    langPath: config.langPath,
    legacy: false,
    params: {
      tessedit_pageseg_mode: String(config.psm),
      // Tesseract's chatter ("Estimating resolution as 331") would reach the user's stderr.
      debug_file: '/dev/null',
    },
    timeoutMs: config.initTimeoutMs,
  });
  return { ocr, osd: null, pages: 0 };
}

/**
 * The orientation detection instance, started on the first page that needs it (most pages read upright
 * and never do): it needs the legacy classifier and the "osd" language, a second instance that costs
 * start-up time and its own WebAssembly memory in every worker.
 */
function openOsd(osdLangPath: string): Promise<TesseractInstance> {
  return TesseractInstance.create({
    purpose: 'orientation detection',
    languages: 'osd',
    oem: Tesseract.OEM.TESSERACT_ONLY,
    langPath: osdLangPath,
    legacy: true,
    params: { debug_file: '/dev/null' },
    timeoutMs: config.initTimeoutMs,
  });
}

/**
 * The first session starts with the thread, not with its first page: piscina starts every thread when
 * the pool is made, so the tesseract.js start-up (about 1 s) overlaps whatever the
 * main thread does before the pages come (reading the language choice, the other workers' first pages).
 * A failure here is not reported: the first page opens a session again and returns that error.
 */
let warming: Promise<Session> | undefined = openSession();
warming.catch(() => {});

async function closeSession(): Promise<void> {
  const s = session;
  session = undefined;
  await Promise.all([s?.ocr.terminate(), s?.osd?.terminate()]);
}

export default async function ocrPage(task: OcrTask): Promise<OcrTaskOutcome> {
  const t0 = performance.now();
  let image: Buffer;
  try {
    image = await readFile(task.imagePath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT'
      ? { ok: false, kind: 'missing', message: `${task.imagePath} does not exist` }
      : { ok: false, kind: 'engine', message: `cannot read ${task.imagePath}: ${(error as Error).message}` };
  }
  if (imageFormat(image) === undefined) return { ok: false, kind: 'unreadable', message: notAnImage(image) };

  try {
    if (warming !== undefined) {
      const warm = warming;
      warming = undefined;
      session = await warm.catch(() => undefined);
    }
    if (session === undefined || !session.ocr.alive || (session.osd !== null && !session.osd.alive)) {
      await closeSession();
      session = await openSession();
    }
  } catch (error) {
    return { ok: false, kind: 'engine', message: (error as Error).message };
  }
  const s = session;

  try {
    // Read the page as it lies first; orientation detection (a second engine, +20% time) runs only when
    // that reading does not look upright, and the page is read again only when OSD turns it.
    const recognize = async (img: Buffer, rotation: number) => {
      const { data } = await s.ocr.run((w) => w.recognize(img, {}, { text: false, tsv: true }));
      // Only TSV: every other output (text, blocks, hOCR) costs time and would be thrown away.
      return buildOcrPage(parseTsv(data.tsv ?? ''), { pageNumber: task.pageNumber, engine: config.engine, rotation });
    };
    const tFirst = performance.now();
    let read: Buffer = image;
    let page = await recognize(image, 0);
    let orientationConfidence: number | null = null;
    let osdSeconds = 0;
    if (config.osdLangPath !== null && !readsUpright(page)) {
      const tOsd = performance.now();
      s.osd ??= await openOsd(config.osdLangPath);
      const osd = s.osd;
      const { data } = await osd.run((w) => w.detect(image));
      osdSeconds = (performance.now() - tOsd) / 1000;
      orientationConfidence = data.orientation_confidence;
      const rotation = decideRotation({ rotate: data.orientation_degrees, confidence: data.orientation_confidence }, config.minOrientationConfidence);
      if (rotation !== 0) {
        read = await rotateImage(image, rotation);
        page = await recognize(read, rotation);
      }
    }
    const tMargin = performance.now();
    if (config.marginPass) {
      page = await readMargins(read, page, async (png) => {
        // The pieces are stacked as lines of one block: block mode, then back to the page's own mode.
        await s.ocr.run((w) => w.setParameters({ tessedit_pageseg_mode: '6' as Tesseract.PSM }));
        try {
          const { data } = await s.ocr.run((w) => w.recognize(png, {}, { text: false, tsv: true }));
          return parseTsv(data.tsv ?? '');
        } finally {
          await s.ocr.run((w) => w.setParameters({ tessedit_pageseg_mode: String(config.psm) as Tesseract.PSM }));
        }
      });
    }
    const tEnd = performance.now();
    const marginSeconds = (tEnd - tMargin) / 1000;
    return {
      ok: true,
      page,
      orientationConfidence,
      timings: { osdSeconds, ocrSeconds: (tMargin - tFirst) / 1000 - osdSeconds, marginSeconds, totalSeconds: (tEnd - t0) / 1000 },
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // A crashed instance is replaced on the next page; a bad image leaves it as good as before.
    if (!s.ocr.alive || (s.osd !== null && !s.osd.alive)) await closeSession();
    return { ok: false, kind: classifyTesseractFailure(message), message };
  } finally {
    if (session === s && ++s.pages >= config.recycleAfterPages) await closeSession();
  }
}
