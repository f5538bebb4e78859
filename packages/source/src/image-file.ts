import type { Metadata } from 'sharp';
import type { FileKind } from './file-kind.js';
import { inputError, reason } from './input-error.js';
import { fitToBudget, megapixels } from './pixel-budget.js';
import type { RawPixels } from './raw-pixels.js';
import { loadSharp } from './sharp-loader.js';
import type { TiffPages } from './tiff-pages.js';

export interface ImageLimits {
  /** Output budget: larger images are resized to fit. */
  maxPixels: number;
  /** Declared sizes beyond this are refused before decoding (sharp's `limitInputPixels`). */
  maxInputPixels: number;
}

export interface ImageFileInfo {
  /** Pages in the file: the directories of a multi-page TIFF, else 1. */
  pages: number;
}

export interface DecodedImagePage {
  pixels: RawPixels;
  /** The resolution the file declares, scaled by any downsampling; null when it declares none. */
  dpi: number | null;
  downsampled: boolean;
  /** EXIF orientation that was applied (1 = none). */
  orientation: number;
}

/**
 * Reads an image file's header: how many pages it holds and whether its size is within the input
 * limit. Cheap: nothing is decoded.
 * @throws BookpipeError INPUT_INVALID naming the file.
 */
export async function probeImageFile(path: string, kind: FileKind, limits: ImageLimits): Promise<ImageFileInfo> {
  const meta = await readMetadata(path, 0, limits, path, 0);
  // Only TIFF pages are book pages; the frames of an animated WebP are not.
  const pages = kind === 'tiff' ? Math.max(1, meta.pages ?? 1) : 1;
  return { pages };
}

/**
 * Decodes one page of an image file to 8-bit pixels: EXIF orientation applied, transparency flattened
 * onto white, 16-bit and CMYK converted, and resized to fit `maxPixels` when it is larger. Given the
 * file's `tiff` pages (a multi-page TIFF read once), the page is decoded from that shared buffer in
 * constant time instead of libtiff walking every directory before it.
 * @throws BookpipeError INPUT_INVALID naming the file and page.
 */
export async function decodeImagePage(path: string, page: number, pages: number, limits: ImageLimits, tiff?: TiffPages): Promise<DecodedImagePage> {
  if (tiff && pages > 1) return tiff.withPage(page, (onePage) => decodeFrom(onePage, 0, path, page, pages, limits));
  return decodeFrom(path, page, path, page, pages, limits);
}

/** Decodes `sharpPage` of `input`; `path` and `page` are what error messages name. */
async function decodeFrom(
  input: string | Buffer,
  sharpPage: number,
  path: string,
  page: number,
  pages: number,
  limits: ImageLimits,
): Promise<DecodedImagePage> {
  const sharp = await loadSharp();
  const meta = await readMetadata(input, sharpPage, limits, path, page, pages);
  const orientation = meta.orientation ?? 1;
  const swap = orientation >= 5; // EXIF 5-8 turn the image a quarter
  const width = swap ? meta.height! : meta.width!;
  const height = swap ? meta.width! : meta.height!;
  const fit = fitToBudget(width, height, limits.maxPixels);
  const gray = (meta.channels ?? 3) - (meta.hasAlpha ? 1 : 0) <= 1;
  try {
    let pipeline = sharp(input, { page: sharpPage, limitInputPixels: limits.maxInputPixels, failOn: 'error' }).autoOrient();
    if (fit.downsampled) pipeline = pipeline.resize(fit.width, fit.height, { fit: 'fill', kernel: 'lanczos3' });
    if (meta.hasAlpha) {
      // libvips cannot flatten gray + alpha onto a colour background in one pipeline ("linear: vector
      // must have 1 or 2 elements"): go through 8-bit RGBA first, then flatten onto white.
      const rgba = await pipeline.toColourspace('srgb').ensureAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
      pipeline = sharp(rgba.data, { raw: { width: rgba.info.width, height: rgba.info.height, channels: 4 } }).flatten({ background: '#ffffff' });
    }
    const { data, info } = await pipeline
      .toColourspace(gray ? 'b-w' : 'srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    // 72 and 96 are what image tools write by default; they say nothing about the scan.
    const density = meta.density && meta.density >= 100 ? meta.density : null;
    return {
      pixels: { data, width: info.width, height: info.height, channels: info.channels === 1 ? 1 : 3 },
      dpi: density === null ? null : density * fit.scale,
      downsampled: fit.downsampled,
      orientation,
    };
  } catch (error) {
    throw imageError(path, page, pages, error);
  }
}

async function readMetadata(input: string | Buffer, sharpPage: number, limits: ImageLimits, path: string, page: number, pages?: number): Promise<Metadata> {
  const sharp = await loadSharp();
  let meta: Metadata;
  try {
    // metadata() reads the header only. The limit is checked below, to say what the image declares.
    meta = await sharp(input, { page: sharpPage, limitInputPixels: false, failOn: 'error' }).metadata();
  } catch (error) {
    throw imageError(path, page, pages, error);
  }
  if (!meta.width || !meta.height) {
    throw inputError(`${path}: the image declares no size. Replace it with the real file or leave it out.`, { file: path });
  }
  // The same limit guards every decoding call (sharp's limitInputPixels) in case a header lies.
  if (meta.width * meta.height > limits.maxInputPixels) {
    throw inputError(
      `${path}${pages && pages > 1 ? `, page ${page + 1}` : ''}: the image is ${meta.width} x ${meta.height} px (${megapixels(meta.width * meta.height)}), over the input limit of ${megapixels(limits.maxInputPixels)}. Downscale the image (or, through the library, raise the SourceStage option maxInputPixels) if it is meant to be that large.`,
      { file: path, sourcePage: page + 1, declaredPixels: meta.width * meta.height, maxInputPixels: limits.maxInputPixels },
    );
  }
  return meta;
}

function imageError(path: string, page: number, pages: number | undefined, error: unknown) {
  const where = pages && pages > 1 ? `${path}, page ${page + 1}` : path;
  return inputError(
    `${where}: cannot decode the image (${reason(error)}). The file may be truncated or corrupt: replace it with a complete copy or leave it out.`,
    { file: path, sourcePage: page + 1 },
    error,
  );
}
