import { readdir, stat } from 'node:fs/promises';
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
 * files without an image extension, hidden files and sub-folders are ignored and listed in `ignored`;
 * a file with an image extension whose content is not an image is an error, since skipping it would
 * silently lose a page. A file given explicitly must be a readable PDF or image.
 * @throws BookpipeError INPUT_INVALID naming the path and the problem.
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
      // Symlinks are followed: stat() describes the target.
      const info = await stat(path);
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
  if (sizeBytes === 0) {
    throw inputError(`Input ${path} is empty (0 bytes). Replace it with the real file or leave it out.`, { file: path });
  }
  const kind = await sniffFileKind(path);
  if (!kind) {
    throw inputError(`Input ${path} is not ${KINDS_TEXT}: its first bytes match none of these formats. Replace it with the real file or leave it out.`, {
      file: path,
    });
  }
  return { path, kind, sizeBytes };
}

function preview(names: string[]): string {
  const shown = names.slice(0, 5).join(', ');
  return names.length > 5 ? `${shown} and ${names.length - 5} more` : shown;
}
