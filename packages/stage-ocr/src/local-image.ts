import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import type { StageInput } from '@bookpipe/core';

/**
 * Local files for the source pages the OCR engines read. Both engines take a file path (tesseract.js
 * workers read it in their thread, native tesseract as an argument), so a page on the filesystem backend
 * is read in place, and one on a backend whose pages are not local files (`s3://…` of
 * @bookpipe/storage-s3) is loaded through the storage (its bytes validated as a complete PNG) and written
 * to a temp folder of this run, removed page by page and at the end.
 */
export class LocalImages {
  readonly #source: StageInput;
  #dir: Promise<string> | undefined;

  constructor(source: StageInput) {
    this.#source = source;
  }

  /** Runs `fn` with a local path of the page's image, once its checksum is verified; a staged copy is removed afterwards. */
  async with<T>(page: number, fn: (path: string) => Promise<T>): Promise<T> {
    // The engine reads the image by path: check first that it is the image the source stage wrote
    // (a PNG damaged in the middle still decodes, into another page).
    await this.#source.verify(page);
    const path = this.#source.pagePath(page);
    if (isAbsolute(path)) return fn(path);
    this.#dir ??= mkdtemp(join(tmpdir(), 'bookpipe-ocr-pages-'));
    const local = join(await this.#dir, `page_${page}.png`);
    await writeFile(local, await this.#source.loadBytes(page));
    try {
      return await fn(local);
    } finally {
      await rm(local, { force: true });
    }
  }

  async dispose(): Promise<void> {
    if (this.#dir) await rm(await this.#dir, { recursive: true, force: true });
  }
}
