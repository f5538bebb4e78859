import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BookpipeError, ErrorCode, loadConfig } from '@bookpipe/core';
import { openFolder, openScan } from '@bookpipe/storage';
import { type ImageFormat, renderView } from '@bookpipe/view';
import type { CliIo } from './cli-io.js';
import { ExitCode } from './print-error.js';

export interface ViewFlags {
  /** @default BOOKPIPE_ROOT, else "./scans" */
  root?: string;
  /** @default "<scan>/view" */
  out?: string;
  /** Open index.html in the default browser. */
  open?: boolean;
  /** `--image-format`: the page images' encoding. @default "jpeg" */
  imageFormat?: ImageFormat;
}

/** Opens a file in the desktop's default browser; resolves false when there is no opener to run. */
export function openInBrowser(path: string): Promise<boolean> {
  const url = pathToFileURL(path).href;
  const [command, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]] : ['xdg-open', [url]];
  return new Promise((resolve) => {
    const child = spawn(command, args, { detached: true, stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('spawn', () => {
      child.unref();
      resolve(true);
    });
  });
}

/**
 * `bookpipe view <scanId>`: writes the scan's HTML report (@bookpipe/view) and prints the path of its
 * index.html on stdout (alone, so that `$(bookpipe view my-book)` is the path); what is missing from
 * the scan goes to stderr.
 */
export async function viewCommand(scanId: string, flags: ViewFlags, io: CliIo, open: (path: string) => Promise<boolean> = openInBrowser): Promise<number> {
  const root = flags.root ?? loadConfig(io.env).root;
  const scan = openScan({ root, scanId });
  const out = flags.out === undefined ? undefined : openFolder(flags.out);
  const folder = out?.dir ?? join(scan.dir, 'view');
  const result = await renderView({
    scan,
    ...(out === undefined ? {} : { out }),
    ...(flags.imageFormat === undefined ? {} : { imageFormat: flags.imageFormat }),
  }).catch((error: unknown) => {
    throw viewWriteError(error, scanId, folder, flags.out !== undefined);
  });
  io.stdout.write(`${result.indexPath}\n`);
  const notes: string[] = [`view of ${result.pages} pages written`];
  if (result.missingStages.length > 0) notes.push(`stages not run: ${result.missingStages.join(', ')}`);
  if (result.failedPages.length > 0) notes.push(`${result.failedPages.length} pages failed in some stage (see the summary)`);
  io.stderr.write(`${notes.join('; ')}\n`);
  if (flags.open && !(await open(result.indexPath))) {
    io.stderr.write(`Could not start a browser here: open ${pathToFileURL(result.indexPath).href} yourself.\n`);
  }
  return ExitCode.OK;
}

/** Filesystem error codes that mean "this folder cannot be written", and what each means in words. */
const WRITE_PROBLEMS: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the filesystem is read-only',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  ENOENT: 'a folder on the way does not exist or was removed',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EEXIST: 'a file is in the way of a folder',
};

/** The filesystem error code of `error` or of an error it was caused by. */
function errnoCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code in WRITE_PROBLEMS) return code;
  }
  return undefined;
}

/**
 * A failed write of the view as the user can act on it: which folder, why, and `--out` to write it
 * elsewhere (a read-only scan, a full disk or a folder of someone else's was "unexpected error: EACCES").
 */
export function viewWriteError(error: unknown, scanId: string, folder: string, outGiven: boolean): unknown {
  const code = errnoCode(error);
  if (code === undefined) return error;
  // Reading the scan (a missing or corrupt scan) has its own messages; only writes are reworded.
  if (BookpipeError.isInstance(error) && error.code !== ErrorCode.STORAGE_ERROR) return error;
  const path = (error as NodeJS.ErrnoException).path;
  const where = path !== undefined && path !== folder ? ` (${path})` : '';
  const next = outGiven
    ? 'Free space or fix the permissions there, or pass another folder to --out.'
    : `Free space or fix the permissions there, or write the view elsewhere: \`bookpipe view ${scanId} --out <folder>\`.`;
  return new BookpipeError(
    ErrorCode.STORAGE_ERROR,
    `Cannot write the view of scan "${scanId}" into ${folder}: ${WRITE_PROBLEMS[code]} [${code}]${where}. ${next}`,
    {
      details: { scanId, folder, code },
      cause: error,
    },
  );
}
