import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { BookpipeError, ErrorCode } from '@bookpipe/core';
import type { OcrModel } from './options.js';

/** Where one language's gzipped traineddata lies. */
export interface LanguageFile {
  code: string;
  /** `<package>/<model>/<code>.traineddata.gz` */
  gzPath: string;
}

/**
 * Model folder of the OSD (orientation and script detection) data. OSD runs on tesseract's legacy
 * classifier only, so the `4.0.0` folder is the one that means something (`4.0.0_best_int` holds a
 * copy of the same legacy model).
 */
const OSD_MODEL = '4.0.0';

/**
 * Finds `@tesseract.js-data/<code>/<model>/<code>.traineddata.gz` for each language. Packages are looked
 * up from this package first, then from the working directory, so that a language the user installed in
 * their own project is found even under pnpm's strict layout. Nothing is downloaded, ever.
 * @throws BookpipeError CONFIG_INVALID naming the package to install, or the missing model folder.
 */
export function resolveLanguageFiles(languages: readonly string[], model: OcrModel): LanguageFile[] {
  return languages.map((code) => ({ code, gzPath: resolveDataFile(code, model) }));
}

/** The OSD model, from `@tesseract.js-data/osd` (a dependency of this package). */
export function resolveOsdFile(): LanguageFile {
  return { code: 'osd', gzPath: resolveDataFile('osd', OSD_MODEL) };
}

function resolveDataFile(code: string, model: string): string {
  const pkg = `@tesseract.js-data/${code}`;
  const packageDir = findPackageDir(pkg);
  if (packageDir === undefined) {
    throw new BookpipeError(
      ErrorCode.CONFIG_INVALID,
      `[stage-ocr] No OCR data for language "${code}": the package ${pkg} is not installed. Install it (npm install ${pkg}) or choose another \`language\`.`,
      { details: { language: code, package: pkg } },
    );
  }
  const file = join(packageDir, model, `${code}.traineddata.gz`);
  if (!existsSync(file)) {
    throw new BookpipeError(
      ErrorCode.CONFIG_INVALID,
      `[stage-ocr] ${pkg} has no "${model}" model: ${file} does not exist. Choose another \`model\` or reinstall ${pkg}.`,
      { details: { language: code, package: pkg, model, file } },
    );
  }
  return file;
}

function findPackageDir(pkg: string): string | undefined {
  const bases = [import.meta.url, join(process.cwd(), 'package.json')];
  for (const base of bases) {
    try {
      return dirname(createRequire(base).resolve(`${pkg}/package.json`));
    } catch {
      // Not resolvable from this base: try the next one.
    }
  }
  return undefined;
}
