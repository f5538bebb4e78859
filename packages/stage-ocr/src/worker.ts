/**
 * Piscina worker: reads one page image with tesseract.js and returns the OCR page. Pure: it never
 * touches scan storage; the main thread saves what it returns.
 *
 * Each worker thread keeps one tesseract.js instance (plus one for orientation detection) for many
 * pages, created on its first page and replaced after `recycleAfterPages` pages.
 */
import { readFile } from 'node:fs/promises';
import { workerData } from 'node:worker_threads';
import Tesseract from 'tesseract.js';
import { classifyTesseractFailure, imageFormat, notAnImage } from './image-errors.js';
import { buildOcrPage } from './ocr-page-builder.js';
import { decideRotation } from './orientation.js';
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
  let osd: TesseractInstance | null = null;
  if (config.osdLangPath !== null) {
    try {
      // OSD needs the legacy classifier and the "osd" language: a second, small instance.
      osd = await TesseractInstance.create({
        purpose: 'orientation detection',
        languages: 'osd',
        oem: Tesseract.OEM.TESSERACT_ONLY,
        langPath: config.osdLangPath,
        legacy: true,
        params: { debug_file: '/dev/null' },
        timeoutMs: config.initTimeoutMs,
      });
    } catch (error) {
      await ocr.terminate();
      throw error;
    }
  }
  return { ocr, osd, pages: 0 };
}

/**
 * The first session starts with the thread, not with its first page: piscina starts every thread when
 * the pool is made, so the tesseract.js start-up (about 1 s, two instances with OSD) overlaps whatever the
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
    let rotation = 0;
    let orientationConfidence: number | null = null;
    const tOsd = performance.now();
    if (s.osd !== null) {
      const { data } = await s.osd.run((w) => w.detect(image));
      orientationConfidence = data.orientation_confidence;
      rotation = decideRotation({ rotate: data.orientation_degrees, confidence: data.orientation_confidence }, config.minOrientationConfidence);
    }
    const tOcr = performance.now();
    const upright = rotation === 0 ? image : await rotateImage(image, rotation);
    // Only TSV: every other output (text, blocks, hOCR) costs time and would be thrown away.
    const { data } = await s.ocr.run((w) => w.recognize(upright, {}, { text: false, tsv: true }));
    const page = buildOcrPage(parseTsv(data.tsv ?? ''), { pageNumber: task.pageNumber, engine: config.engine, rotation });
    const tEnd = performance.now();
    return {
      ok: true,
      page,
      orientationConfidence,
      timings: { osdSeconds: (tOcr - tOsd) / 1000, ocrSeconds: (tEnd - tOcr) / 1000, totalSeconds: (tEnd - t0) / 1000 },
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
