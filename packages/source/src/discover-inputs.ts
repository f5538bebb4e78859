import { readdir, readlink, stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { type FileKind, IMAGE_EXTENSIONS, sniffFileKind } from './file-kind.js';
import { inputError } from './input-error.js';
import { naturalCompare } from './natural-order.js';

/** One input file, in book order. */
export interface InputFile {
  /** Absolute path. */
  path: string;
  kind: FileKind;
  sizeBytes: number;
  /**
   * Why the file cannot be read (empty, not an image, a symlink loop or a link to nothing), naming it
   * and saying what to do. A refused file stands for one page, which fails with this reason: one bad
   * file does not stop the book, and every bad file is named in the same run.
   */
  refused?: string;
}

/** A file a folder listing skipped, and why (reported to the user as a note, never silently). */
export interface IgnoredFile {
  path: string;
  reason: string;
}

export interface DiscoveredInputs {
  files: InputFile[];
  ignored: IgnoredFile[];
}

const KINDS_TEXT = 'a PDF or an image (PNG, JPEG, TIFF, WebP)';

/**
 * Expands the inputs, in the given order, into the files that make up the book: a file stands for
 * itself; a folder stands for its image files in natural order (`page_2` before `page_10`). In a folder,
 * files without an image extension, hidden files and sub-folders are ignored and listed in `ignored`.
 * A file that should be a page but cannot be read (empty, content not an image, a symlink loop or a
 * dangling link) is kept in its place, `refused` with the reason: skipping it would silently lose a
 * page and renumber the rest, and stopping would hide every later bad file behind the first.
 * @throws BookpipeError INPUT_INVALID for an input path that does not exist or is neither file nor folder.
 */
export async function discoverInputs(inputs: readonly string[]): Promise<DiscoveredInputs> {
  if (inputs.length === 0) {
    throw inputError(`No input given. Pass one or more PDF files, image files or folders of page images.`, {});
  }
  const files: InputFile[] = [];
  const ignored: IgnoredFile[] = [];
  for (const input of inputs) {
    const path = resolve(input);
    const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
      throw inputError(
        error.code === 'ENOENT' ? `Input ${path} does not exist. Check the path.` : `Input ${path} cannot be read (${error.code ?? error.message}).`,
        { file: path },
        error,
      );
    });
    if (info.isDirectory()) {
      const found = await listFolder(path, ignored);
      if (found.length === 0) {
        const skipped = ignored.filter((f) => f.path.startsWith(`${path}/`)).map((f) => basename(f.path));
        throw inputError(
          `Folder ${path} holds no page images (PNG, JPEG, TIFF, WebP)${skipped.length ? `; it holds ${preview(skipped)}` : ''}. Point to the folder of page images, or pass the files themselves.`,
          { file: path },
        );
      }
      files.push(...found);
    } else if (info.isFile()) {
      files.push(await checkFile(path, info.size));
    } else {
      throw inputError(`Input ${path} is neither a file nor a folder. Pass PDF files, image files or folders of page images.`, { file: path });
    }
  }
  return { files, ignored };
}

async function listFolder(folder: string, ignored: IgnoredFile[]): Promise<InputFile[]> {
  const entries = await readdir(folder, { withFileTypes: true });
  entries.sort((a, b) => naturalCompare(a.name, b.name));
  const files: InputFile[] = [];
  for (const entry of entries) {
    const path = join(folder, entry.name);
    if (entry.name.startsWith('.')) {
      ignored.push({ path, reason: 'hidden file' });
    } else if (entry.isDirectory()) {
      ignored.push({ path, reason: 'sub-folder (folders are not searched recursively)' });
    } else if (!IMAGE_EXTENSIONS.has(extname(entry.name).toLowerCase())) {
      ignored.push({
        path,
        reason: extname(entry.name).toLowerCase() === '.pdf' ? 'a PDF inside a folder of images (pass the PDF itself as an input)' : 'not an image file',
      });
    } else {
      // Symlinks are followed: stat() describes the target. A link that leads nowhere is a page that
      // cannot be read, not a reason to stop the book.
      const info = await stat(path).catch((error: NodeJS.ErrnoException) => error);
      if (info instanceof Error) {
        files.push({ path, kind: kindFromName(entry.name), sizeBytes: 0, refused: await unreadable(path, info) });
        continue;
      }
      if (!info.isFile()) {
        ignored.push({ path, reason: 'not a regular file' });
        continue;
      }
      files.push(await checkFile(path, info.size));
    }
  }
  return files;
}

async function checkFile(path: string, sizeBytes: number): Promise<InputFile> {
  const byName = kindFromName(path);
  if (sizeBytes === 0) {
    return { path, kind: byName, sizeBytes, refused: `Input ${path} is empty (0 bytes). Replace it with the real file or leave it out.` };
  }
  const kind = await sniffFileKind(path).catch((error: NodeJS.ErrnoException) => error);
  if (kind instanceof Error) return { path, kind: byName, sizeBytes, refused: await unreadable(path, kind) };
  if (!kind) {
    return {
      path,
      kind: byName,
      sizeBytes,
      refused: `Input ${path} is not ${KINDS_TEXT}: its first bytes match none of these formats. Replace it with the real file or leave it out.`,
    };
  }
  return { path, kind, sizeBytes };
}

/** Why a file that stat() or open() refused cannot be read, in words, naming the link's target. */
async function unreadable(path: string, error: NodeJS.ErrnoException): Promise<string> {
  const target = await readlink(path).catch(() => undefined);
  const fix = 'Replace it with the real file or leave it out.';
  if (error.code === 'ELOOP') return `Input ${path} is a symbolic link that leads back to itself (a loop${target ? ` through ${target}` : ''}). ${fix}`;
  if (error.code === 'ENOENT' && target !== undefined) return `Input ${path} is a symbolic link to ${target}, which does not exist. ${fix}`;
  if (error.code === 'EACCES' || error.code === 'EPERM') return `Input ${path} cannot be read: permission denied. Give bookpipe read access, or leave it out.`;
  return `Input ${path} cannot be read (${error.code ?? error.message}). ${fix}`;
}

/** The kind a refused file's name promises (its content could not say). */
function kindFromName(path: string): FileKind {
  const ext = extname(path).toLowerCase();
  if (ext === '.pdf') return 'pdf';
  if (ext === '.jpg' || ext === '.jpeg') return 'jpeg';
  if (ext === '.tif' || ext === '.tiff') return 'tiff';
  if (ext === '.webp') return 'webp';
  return 'png';
}

function preview(names: string[]): string {
  const shown = names.slice(0, 5).join(', ');
  return names.length > 5 ? `${shown} and ${names.length - 5} more` : shown;
}
