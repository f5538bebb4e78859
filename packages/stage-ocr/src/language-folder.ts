import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { LanguageFile } from './language-data.js';

/** A folder of language data prepared for one engine, removed by `dispose()`. */
export interface LanguageFolder {
  dir: string;
  dispose(): Promise<void>;
}

/**
 * The `langPath` folder tesseract.js reads `<code>.traineddata.gz` from. For one language (or several
 * in one folder) it is the package's own model folder; languages from several packages are linked into
 * one temporary folder, since tesseract.js takes a single `langPath`.
 */
export async function gzippedLanguageFolder(files: readonly LanguageFile[]): Promise<LanguageFolder> {
  const dirs = new Set(files.map((f) => dirname(f.gzPath)));
  if (dirs.size === 1) return { dir: [...dirs][0]!, dispose: async () => {} };
  const dir = await mkdtemp(join(tmpdir(), 'bookpipe-langs-'));
  try {
    for (const f of files) await symlink(f.gzPath, join(dir, `${f.code}.traineddata.gz`));
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return { dir, dispose: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * A temporary `--tessdata-dir` for native tesseract holding the same model files tesseract.js reads,
 * unzipped, so that both engines are compared on the same model (Debian's own `eng.traineddata` is the
 * different "fast" model).
 */
export async function tessdataFolder(files: readonly LanguageFile[]): Promise<LanguageFolder> {
  const dir = await mkdtemp(join(tmpdir(), 'bookpipe-tessdata-'));
  try {
    for (const f of files) {
      await pipeline(createReadStream(f.gzPath), createGunzip(), createWriteStream(join(dir, `${f.code}.traineddata`)));
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return { dir, dispose: () => rm(dir, { recursive: true, force: true }) };
}
