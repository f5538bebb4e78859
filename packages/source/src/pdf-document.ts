import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { Document, Page, PDFObject } from 'mupdf';
import { inputError, reason } from './input-error.js';
import { collectMupdfLog, loadMupdf, type MupdfModule } from './mupdf-loader.js';
import { fitToBudget, megapixels } from './pixel-budget.js';
import type { RawPixels } from './raw-pixels.js';

export interface PdfRenderOptions {
  /** Requested resolution. */
  dpi: number;
  /** Output budget: the page is rendered at a lower resolution when it would exceed it. */
  maxPixels: number;
  /** Refusal limit for the page's size at `dpi` and for every image the page declares. */
  maxInputPixels: number;
  /** Render straight to one gray channel (faster, a third of the memory) or to RGB. */
  colour: 'gray' | 'rgb';
}

export interface PdfPageRender {
  pixels: RawPixels;
  /** Effective resolution: `dpi`, or less when the page was downsampled to fit the budget. */
  dpi: number;
  downsampled: boolean;
  /** The page's /Rotate (0, 90, 180, 270), already applied by the renderer. */
  rotate: number;
  /** Warnings mupdf logged while rendering (the page was still rendered whole). */
  warnings: string[];
}

const POINTS_PER_INCH = 72;

/**
 * One PDF opened with mupdf, read through a file descriptor so the file is never copied whole into
 * mupdf's heap (which WASM caps at 2 GiB). Pages are rendered one at a time, on the calling thread.
 */
export class PdfDocument {
  readonly path: string;
  readonly pageCount: number;
  readonly #mupdf: MupdfModule;
  readonly #doc: Document;

  private constructor(path: string, mupdf: MupdfModule, doc: Document, pageCount: number) {
    this.path = path;
    this.#mupdf = mupdf;
    this.#doc = doc;
    this.pageCount = pageCount;
  }

  /**
   * Opens a PDF and counts its pages.
   * @throws BookpipeError INPUT_INVALID when the file is not a readable PDF, is truncated (no trailer at
   *   its end), is password protected or has no pages, naming the file.
   */
  static async open(path: string): Promise<PdfDocument> {
    const mupdf = await loadMupdf();
    let doc: Document;
    const stream = fileStream(mupdf, path);
    try {
      doc = collectMupdfLog(() => mupdf.Document.openDocument(stream, 'application/pdf')).value;
    } catch (error) {
      throw inputError(`${path} is not a readable PDF (mupdf: ${reason(error)}). Check that the file is complete, or export it again.`, { file: path }, error);
    } finally {
      // The document keeps its own reference to the stream; this drops ours (and closes the file
      // when opening failed).
      stream.destroy();
    }
    try {
      if (!endsWithTrailer(path)) {
        throw inputError(
          `${path} is truncated: it does not end with a PDF trailer (\`startxref\` ... \`%%EOF\`), so pages may be missing, blank or cut short. Check that the file is complete (a download or copy cut short), or export it again.`,
          { file: path, truncated: true },
        );
      }
      if (doc.needsPassword()) {
        throw inputError(
          `${path} is password protected (encrypted PDF). Remove the password first (for example \`qpdf --decrypt --password=... in.pdf out.pdf\`) and pass the decrypted file.`,
          { file: path, encrypted: true },
        );
      }
      let pageCount: number;
      try {
        pageCount = collectMupdfLog(() => doc.countPages()).value;
      } catch (error) {
        throw inputError(
          `${path}: cannot read its page tree (mupdf: ${reason(error)}). Check that the file is complete, or export it again.`,
          { file: path },
          error,
        );
      }
      if (pageCount === 0) {
        throw inputError(`${path} has no pages. Check that this is the right file.`, { file: path });
      }
      return new PdfDocument(path, mupdf, doc, pageCount);
    } catch (error) {
      doc.destroy();
      throw error;
    }
  }

  /**
   * Renders page `index` (0-based) at `dpi`, honouring its /Rotate, as 8-bit gray or RGB on white.
   * The page's size at `dpi` is checked against the limits before anything is drawn.
   * @throws BookpipeError INPUT_INVALID naming the file and page when the page is over the input limit
   *   or cannot be rendered.
   */
  renderPage(index: number, options: PdfRenderOptions): PdfPageRender {
    const mupdf = this.#mupdf;
    const where = `${this.path}, page ${index + 1}`;
    const details = { file: this.path, sourcePage: index + 1 };
    let page: Page;
    try {
      page = collectMupdfLog(() => this.#doc.loadPage(index)).value;
    } catch (error) {
      throw inputError(`${where}: cannot load the page (mupdf: ${reason(error)}).`, details, error);
    }
    try {
      const [x0, y0, x1, y1] = page.getBounds();
      const widthPt = x1 - x0;
      const heightPt = y1 - y0;
      if (!(widthPt > 0 && heightPt > 0 && Number.isFinite(widthPt * heightPt))) {
        throw inputError(`${where}: the page has an empty or invalid size (${widthPt} x ${heightPt} pt).`, details);
      }
      const requested = options.dpi / POINTS_PER_INCH;
      const declaredW = Math.ceil(widthPt * requested);
      const declaredH = Math.ceil(heightPt * requested);
      if (declaredW * declaredH > options.maxInputPixels) {
        throw inputError(
          `${where}: the page is ${inches(widthPt)} x ${inches(heightPt)} in; at ${options.dpi} DPI that is ${declaredW} x ${declaredH} px (${megapixels(declaredW * declaredH)}), over the input limit of ${megapixels(options.maxInputPixels)}. If the page is meant to be that large, render it at a lower resolution (through the library: the SourceStage options dpi or maxInputPixels).`,
          { ...details, widthPt, heightPt, declaredPixels: declaredW * declaredH, maxInputPixels: options.maxInputPixels },
        );
      }
      const pdfPage = page.isPDF() ? (page as import('mupdf').PDFPage) : undefined;
      if (pdfPage) this.#checkImages(pdfPage.getObject(), where, details, options.maxInputPixels);

      // mupdf rounds the pixmap out to whole pixels: fit the rounded-up size, not the exact one.
      const fit = fitToBudget(declaredW + 1, declaredH + 1, options.maxPixels);
      const scale = requested * fit.scale;
      const colourspace = options.colour === 'gray' ? mupdf.ColorSpace.DeviceGray : mupdf.ColorSpace.DeviceRGB;
      let rendered: { value: import('mupdf').Pixmap; log: string[] };
      try {
        rendered = collectMupdfLog(() => page.toPixmap(mupdf.Matrix.scale(scale, scale), colourspace, false, false));
      } catch (error) {
        const log = (error as { mupdfLog?: string[] }).mupdfLog ?? [];
        throw inputError(`${where}: cannot render the page (mupdf: ${[reason(error), ...log].join('; ')}).`, details, error);
      }
      const pixmap = rendered.value;
      try {
        const errors = rendered.log.filter((m) => m.startsWith('error:'));
        if (errors.length > 0) {
          // mupdf keeps what it could decode in its store; drop it so that a later page using the
          // same broken image decodes it again and fails too, instead of getting the cached remains.
          mupdf.emptyStore();
          // mupdf draws what it can and logs the rest: on a scan the part it skipped is usually the
          // page image itself, so a page rendered with errors would be silently blank or partial.
          throw inputError(
            `${where}: mupdf could not draw all of the page (${errors.join('; ')}); the page image would be incomplete. Check that the file is complete, or export it again.`,
            {
              ...details,
              mupdfLog: rendered.log,
            },
          );
        }
        const width = pixmap.getWidth();
        const height = pixmap.getHeight();
        const channels = pixmap.getNumberOfComponents();
        const stride = pixmap.getStride();
        const samples = pixmap.getPixels();
        // Copy out of the WASM heap (it can move when it grows, and the pixmap is freed below).
        let data: Buffer;
        if (stride === width * channels) {
          data = Buffer.copyBytesFrom(samples);
        } else {
          data = Buffer.allocUnsafe(width * height * channels);
          for (let y = 0; y < height; y++) data.set(samples.subarray(y * stride, y * stride + width * channels), y * width * channels);
        }
        return {
          pixels: { data, width, height, channels: channels === 1 ? 1 : 3 },
          dpi: options.dpi * fit.scale,
          downsampled: fit.downsampled,
          rotate: pdfPage ? normaliseRotate(pdfPage.getObject().getInheritable('Rotate')) : 0,
          warnings: rendered.log,
        };
      } finally {
        pixmap.destroy();
      }
    } finally {
      page.destroy();
    }
  }

  close(): void {
    this.#doc.destroy();
  }

  /**
   * Refuses a page that declares an image over the input limit (a decompression bomb, or a scan far
   * beyond any useful resolution), before mupdf decodes it. Images in form XObjects are checked too;
   * inline images in the content stream are not (they are small by construction in practice).
   */
  #checkImages(pageObject: PDFObject, where: string, details: Record<string, unknown>, maxInputPixels: number): void {
    const seen = new Set<number>();
    const visit = (resources: PDFObject, depth: number) => {
      if (depth > 8 || resources.isNull()) return;
      const xobjects = resources.get('XObject');
      if (!xobjects.isDictionary()) return;
      xobjects.forEach((value) => {
        if (value.isIndirect()) {
          const num = value.asIndirect();
          if (seen.has(num)) return;
          seen.add(num);
        }
        const xobject = value.resolve();
        if (!xobject.isDictionary() && !xobject.isStream()) return;
        const subtype = xobject.get('Subtype');
        if (subtype.isName() && subtype.asName() === 'Image') {
          const w = xobject.get('Width');
          const h = xobject.get('Height');
          const pixels = (w.isNumber() ? w.asNumber() : 0) * (h.isNumber() ? h.asNumber() : 0);
          if (pixels > maxInputPixels) {
            throw inputError(
              `${where}: the page holds an image of ${w.asNumber()} x ${h.asNumber()} px (${megapixels(pixels)}), over the input limit of ${megapixels(maxInputPixels)}. If the image is meant to be that large, raise the limit through the library (the SourceStage option maxInputPixels).`,
              { ...details, imagePixels: pixels, maxInputPixels },
            );
          }
        } else if (subtype.isName() && subtype.asName() === 'Form') {
          visit(xobject.get('Resources'), depth + 1);
        }
      });
    };
    visit(pageObject.getInheritable('Resources'), 0);
  }
}

/** A mupdf stream reading the file on demand through a descriptor (closed when mupdf drops it). */
/** How far from the end a complete PDF's `startxref` keyword may be (what readers search; the spec puts it right before `%%EOF`). */
const TRAILER_WINDOW = 1024;

/**
 * Whether the file ends the way every complete PDF does, with `startxref` in its last KiB. A file cut
 * short (an interrupted download or copy) loses exactly that end, and mupdf then repairs it silently:
 * it opens, and its pages render with their images missing or cut, blank pages that would go through
 * OCR as empty ones. Checked on the bytes, not on mupdf's log messages, which change between versions.
 */
function endsWithTrailer(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, TRAILER_WINDOW);
    const tail = Buffer.alloc(length);
    readSync(fd, tail, 0, length, size - length);
    return tail.includes('startxref', 0, 'latin1');
  } finally {
    closeSync(fd);
  }
}

function fileStream(mupdf: MupdfModule, path: string): InstanceType<MupdfModule['Stream']> {
  const fd = openSync(path, 'r');
  const size = fstatSync(fd).size;
  return new mupdf.Stream({
    fileSize: () => size,
    read: (memory, offset, length, position) => readSync(fd, memory, offset, length, position),
    close: () => closeSync(fd),
  });
}

function normaliseRotate(value: PDFObject): number {
  if (!value.isNumber()) return 0;
  const r = Math.round(value.asNumber() / 90) * 90;
  return ((r % 360) + 360) % 360;
}

function inches(points: number): string {
  return (points / POINTS_PER_INCH).toFixed(1);
}
