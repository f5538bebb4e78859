/**
 * The real scans of `../shared/eval` (relative to the repository root; never copied into the
 * repository, see its README.md). Suites skip when the folder is absent, and say so with `noteSkip`,
 * so that a green run never hides that it tested nothing.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const evalDir = resolve(repoRoot, '../shared/eval');
export const hasEval = existsSync(join(evalDir, 'README.md'));

/** Logs, once per call, that `suite` is skipped because the real scans are absent (nothing when they are there). */
export function noteSkip(suite: string): void {
  if (!hasEval) console.warn(`[${suite}] skipped: the real scans are not at ${evalDir} (see /work/shared/eval/README.md for what belongs there).`);
}

/** Path of a file of the eval data: `evalFile('old-books', 'c015.tiff')`. */
export function evalFile(...parts: string[]): string {
  return join(evalDir, ...parts);
}

/** Path of one of OCRmyPDF's test resources (`linn.png`, `cardinal.pdf`...). */
export const ocrmypdf = (name: string): string => evalFile('ocrmypdf-resources', name);

/**
 * Three real pages: a two-column brochure scan (OCRmyPDF's linn.png, 300 DPI, larger than 1024 px)
 * and two consecutive pages of an old book (old-books c015, c016: a chapter opening, then a page with
 * a running head).
 */
export const REAL_PAGES = (): string[] => [ocrmypdf('linn.png'), evalFile('old-books', 'c015.tiff'), evalFile('old-books', 'c016.tiff')];

/** A page image with its truth text, when there is one beside it (`<name>.txt`). */
export interface TruthPage {
  name: string;
  image: string;
  truth: string | undefined;
}

/**
 * Every page image of a folder (png, tif, tiff, jpg, jpeg), sorted by name, each with the `.txt` of the
 * same name when there is one. Works on any folder of page images, not only the ones named here.
 */
export function pagesIn(dir: string): TruthPage[] {
  return readdirSync(dir)
    .filter((f) => /\.(png|tiff?|jpe?g)$/i.test(f))
    .sort()
    .map((f) => {
      const name = basename(f, extname(f));
      const txt = join(dir, `${name}.txt`);
      return { name, image: join(dir, f), truth: existsSync(txt) ? txt : undefined };
    });
}

/** `count` items spread evenly over a sorted list (the first of each book for old-books' 7x6 pages). */
export function spread<T>(items: readonly T[], count: number): T[] {
  if (items.length <= count) return [...items];
  const step = items.length / count;
  return Array.from({ length: count }, (_, i) => items[Math.floor(i * step)]!);
}

/**
 * Converts a page image to PNG as the source stage does (sharp, grayscale, the resolution kept in the
 * file): tesseract.js cannot read every TIFF, and both engines should read the very same file.
 */
export async function toPng(image: string, outDir: string, dpi = 300): Promise<string> {
  // Loaded here, not at the top: most suites importing the testkit never convert an image.
  const { default: sharp } = await import('sharp');
  await mkdir(outDir, { recursive: true });
  const out = join(outDir, `${basename(image, extname(image))}.png`);
  if (!existsSync(out)) await sharp(image).toColourspace('b-w').withDensity(dpi).png().toFile(out);
  return out;
}
