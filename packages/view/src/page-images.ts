import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FileFolder } from '@bookpipe/core';
import type SharpType from 'sharp';
import type { Sharp } from 'sharp';

let loading: Promise<typeof SharpType> | undefined;

/** sharp is a native module: loaded on first use, so importing the package stays cheap. */
function loadSharp(): Promise<typeof SharpType> {
  loading ??= import('sharp').then((m) => m.default);
  return loading;
}

/** How the view's page images are encoded. */
export type ImageFormat = 'jpeg' | 'webp';

/** The file extension of each format. */
const EXTENSIONS: Readonly<Record<ImageFormat, string>> = { jpeg: 'jpg', webp: 'webp' };

export interface ImageSizes {
  /** Width of the image shown on a page's view. */
  displayWidth: number;
  /** Width of the index's thumbnails. */
  thumbnailWidth: number;
  /** JPEG or WebP quality 1-100. */
  quality: number;
  format: ImageFormat;
}

/** The view's folder for page images. */
const IMAGES_DIR = 'images';

export interface PageImage {
  /** File name in the view's images/ folder. */
  file: string;
  width: number;
  height: number;
}

export interface PageImages {
  display: PageImage;
  thumbnail: PageImage;
  /** False when the files were already there and newer than their inputs. */
  written: boolean;
}

/** The temp files of an atomic write (`.<name>.<pid>.<8 hex>.tmp`, @bookpipe/storage's writeFileAtomic). */
const TEMP_FILE = /^\.(.+)\.(\d+)\.[0-9a-f]{8}\.tmp$/;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temp files a killed view left in its folder (the report's root, `images/`, `pages/`): a
 * write cut short never replaces an image (temp + rename), but its temp file stayed in the report.
 * Only files of a process that no longer runs; nothing happens where the folder is not on disk.
 */
export async function sweepTempFiles(folder: FileFolder): Promise<number> {
  let removed = 0;
  for (const sub of [undefined, IMAGES_DIR, 'pages']) {
    let dir: string;
    let names: string[];
    try {
      dir = sub === undefined ? folder.dir : folder.filePath(sub);
      names = await readdir(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      const m = TEMP_FILE.exec(name);
      if (!m || alive(Number(m[2]))) continue;
      await rm(join(dir, name), { force: true }).catch(() => undefined);
      removed += 1;
    }
  }
  return removed;
}

async function mtime(path: string | undefined): Promise<number | undefined> {
  if (path === undefined) return undefined;
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return undefined;
  }
}

/**
 * Encodes raw pixels. JPEG (libjpeg-turbo, a grey page kept one channel) is the default: on the
 * bench/view pages (1770-2478 px scans shown at 1600 px) it encodes in about a third of the time of
 * WebP at effort 2, for files about 1.3x as large at the same quality number; the encoding was
 * ~2/3 of a first view's time, and sharp already runs it off the main thread, 2 pages at a time on
 * 2 CPUs, so more pages or worker threads at once only queue on the same CPUs (bench/view).
 */
function encode(image: Sharp, format: ImageFormat, quality: number, alpha: boolean): Sharp {
  // WebP effort 2 (of 0-6): measured at about half the CPU of the default 4 for 3-9% larger files.
  if (format === 'webp') return image.webp({ quality, effort: 2 });
  // JPEG has no alpha: a transparent page image is shown on white paper, not on black.
  return (alpha ? image.flatten({ background: '#ffffff' }) : image).jpeg({ quality, mozjpeg: false });
}

/**
 * The downscaled copies of one page image the view shows: a display image (`page_0001.jpg`, or
 * `.webp`) and a thumbnail for the index (`page_0001.thumb.jpg`), turned as the OCR stage turned the
 * page so that its boxes fit. The source is decoded once; the thumbnail is made from the display pixels.
 *
 * Files newer than both the source image and the OCR page (`inputs`) are kept: a second `renderView`
 * of a 500-page book then only reads their headers.
 */
export async function writePageImages(options: {
  load: () => Promise<Uint8Array>;
  /**
   * Files the images derive from (the source PNG, and the OCR page when the page has one), for the
   * freshness check. An entry that cannot be stat'ed (non-file storage) makes the images be written again.
   */
  inputs: readonly (string | undefined)[];
  rotation: number;
  /** The view's folder: the images go to its images/ folder. */
  folder: FileFolder;
  page: number;
  sizes: ImageSizes;
}): Promise<PageImages> {
  const sharp = await loadSharp();
  const stem = `page_${String(options.page).padStart(4, '0')}`;
  const { displayWidth, thumbnailWidth, quality, format } = options.sizes;
  const ext = EXTENSIONS[format];
  const displayFile = `${stem}.${ext}`;
  const thumbFile = `${stem}.thumb.${ext}`;
  const displayName = `${IMAGES_DIR}/${displayFile}`;
  const thumbName = `${IMAGES_DIR}/${thumbFile}`;
  const displayPath = options.folder.filePath(displayName);
  const thumbPath = options.folder.filePath(thumbName);

  const inputTimes = await Promise.all(options.inputs.map(mtime));
  const outputTimes = await Promise.all([mtime(displayPath), mtime(thumbPath)]);
  const fresh = inputTimes.every((t) => t !== undefined) && outputTimes.every((t) => t !== undefined && t >= Math.max(...(inputTimes as number[])));
  if (fresh) {
    const [display, thumb] = await Promise.all([sharp(displayPath).metadata(), sharp(thumbPath).metadata()]);
    return {
      display: { file: displayFile, width: display.width, height: display.height },
      thumbnail: { file: thumbFile, width: thumb.width, height: thumb.height },
      written: false,
    };
  }

  const bytes = await options.load();
  let pipeline = sharp(bytes);
  if (options.rotation % 360 !== 0) pipeline = pipeline.rotate(options.rotation);
  const { data, info } = await pipeline.resize({ width: displayWidth, withoutEnlargement: true }).raw().toBuffer({ resolveWithObject: true });
  const raw = { raw: { width: info.width, height: info.height, channels: info.channels } };
  const alpha = info.channels === 2 || info.channels === 4;
  const [display, thumb] = await Promise.all([
    encode(sharp(data, raw), format, quality, alpha).toBuffer({ resolveWithObject: true }),
    encode(sharp(data, raw).resize({ width: thumbnailWidth, withoutEnlargement: true }), format, quality, alpha).toBuffer({ resolveWithObject: true }),
  ]);
  await options.folder.writeFile(displayName, display.data);
  await options.folder.writeFile(thumbName, thumb.data);
  // The page's images in the other format (a view made before the format changed) are no longer linked.
  for (const other of Object.values(EXTENSIONS).filter((e) => e !== ext)) {
    for (const name of [`${stem}.${other}`, `${stem}.thumb.${other}`])
      await rm(options.folder.filePath(`${IMAGES_DIR}/${name}`), { force: true }).catch(() => {});
  }
  return {
    display: { file: displayFile, width: display.info.width, height: display.info.height },
    thumbnail: { file: thumbFile, width: thumb.info.width, height: thumb.info.height },
    written: true,
  };
}
