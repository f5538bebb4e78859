/**
 * Test support: the real scans of ../shared/eval (never copied into the repository). Tests skip, with a
 * note saying why, when the folder is absent.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const evalDir = resolve(repoRoot, '../shared/eval');
export const hasEval = existsSync(join(evalDir, 'README.md'));

export function noteSkip(suite: string): void {
  if (!hasEval) console.warn(`[stage-ocr] ${suite}: skipped, the real scans are not at ${evalDir}.`);
}

export const ocrmypdf = (name: string) => join(evalDir, 'ocrmypdf-resources', name);

/** A page image with its truth text, when there is one beside it (`<name>.txt`). */
export interface TruthPage {
  name: string;
  image: string;
  truth: string | undefined;
}

/** Every image of a folder (any of png, tif, tiff) with the `.txt` of the same name if present, sorted. */
export function pagesIn(dir: string): TruthPage[] {
  return readdirSync(dir)
    .filter((f) => /\.(png|tiff?)$/i.test(f))
    .sort()
    .map((f) => {
      const name = basename(f, extname(f));
      const txt = join(dir, `${name}.txt`);
      return { name, image: join(dir, f), truth: existsSync(txt) ? txt : undefined };
    });
}

/** `count` pages spread evenly over a sorted list (the first of each book for old-books' 7x6 pages). */
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
  await mkdir(outDir, { recursive: true });
  const out = join(outDir, `${basename(image, extname(image))}.png`);
  if (!existsSync(out)) await sharp(image).toColourspace('b-w').withDensity(dpi).png().toFile(out);
  return out;
}
