import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { BookpipeError, ErrorCode } from '@bookpipe/core';

/** Page images the source stage reads (its own list; a folder holding one of these is a book). */
const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.tif', '.tiff', '.webp']);

/** The books of `bookpipe run-all <target>`: absolute paths, one per book, and notes on what was left out. */
export interface LibraryInputs {
  books: string[];
  notes: string[];
}

/**
 * What `run-all` reads: a folder, whose PDFs and folders of page images are one book each (in name
 * order; hidden entries and other files are left out, with a note), or a list file, one path per line.
 * @throws BookpipeError CONFIG_INVALID for a missing target, an empty folder or list, or a list line
 *   naming a path that does not exist (every such line, before anything runs).
 */
export async function libraryInputs(target: string): Promise<LibraryInputs> {
  const path = resolve(target);
  const info = await stat(path).catch(() => undefined);
  if (info === undefined) {
    throw new BookpipeError(
      ErrorCode.CONFIG_INVALID,
      `${target} does not exist. Give a folder of books (PDFs and folders of page images) or a list file with one path per line.`,
    );
  }
  const found = info.isDirectory() ? await folderBooks(path) : await listBooks(path);
  if (found.books.length === 0) {
    throw new BookpipeError(
      ErrorCode.CONFIG_INVALID,
      info.isDirectory()
        ? `${path} holds no book: put PDFs or folders of page images (.png, .jpg, .tif, .webp) in it, or give a list file.`
        : `${path} lists no book: write one PDF or folder of page images per line ("#" starts a comment).`,
    );
  }
  return found;
}

async function folderBooks(folder: string): Promise<LibraryInputs> {
  const entries = (await readdir(folder, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name, 'en'));
  const books: string[] = [];
  const skipped: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = join(folder, entry.name);
    const isDir = entry.isDirectory() || (entry.isSymbolicLink() && (await stat(full).catch(() => undefined))?.isDirectory() === true);
    if (isDir) {
      if (await holdsImages(full)) books.push(full);
      else skipped.push(`${entry.name}/`);
    } else if (extname(entry.name).toLowerCase() === '.pdf') {
      books.push(full);
    } else {
      skipped.push(entry.name);
    }
  }
  const notes =
    skipped.length === 0
      ? []
      : [`Left out of ${folder} (neither a PDF nor a folder of page images): ${skipped.join(', ')}. A book of loose page images needs a folder of its own.`];
  return { books, notes };
}

async function holdsImages(folder: string): Promise<boolean> {
  const names = await readdir(folder).catch(() => [] as string[]);
  return names.some((name) => !name.startsWith('.') && IMAGE_EXTENSIONS.has(extname(name).toLowerCase()));
}

/** A list file: one path per line, relative to the list's folder; blank lines and "#" comments ignored. */
async function listBooks(listFile: string): Promise<LibraryInputs> {
  const text = await readFile(listFile, 'utf8');
  const books: string[] = [];
  const missing: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const path = isAbsolute(line) ? line : resolve(dirname(listFile), line);
    if (existsSync(path)) books.push(path);
    else missing.push(`line ${i + 1}: ${line}${path === line ? '' : ` (${path})`}`);
  });
  if (missing.length > 0) {
    throw new BookpipeError(
      ErrorCode.CONFIG_INVALID,
      `${listFile} names ${missing.length === 1 ? 'a path that does' : `${missing.length} paths that do`} not exist (relative paths are read from the list's folder):\n  ${missing.join('\n  ')}\nFix or remove ${missing.length === 1 ? 'the line' : 'those lines'}; nothing was run.`,
      { details: { file: listFile } },
    );
  }
  return { books, notes: [] };
}
