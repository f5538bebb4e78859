import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { assertScanId, BookpipeError, ErrorCode, type Logger, silentLogger } from '@bookpipe/core';
import { FsBookStorage } from './fs-book-storage.js';
import { errnoCode, toStorageError } from './storage-error.js';

export interface OpenScanOptions {
  /** Folder holding one sub-folder per scan; relative paths resolve against the working directory. */
  root: string;
  /** Name of the scan's folder: a plain name such as "my-book-1923". */
  scanId: string;
  /**
   * Receives warnings about damage found and repaired (torn journal lines, page files redone).
   * @default silentLogger (they are still returned by `checkpoint.status()`)
   */
  logger?: Logger;
  /** Clock for createdAt, updatedAt, journal and lock times; injectable for tests. @default () => new Date() */
  now?: () => Date;
}

/**
 * Opens (without creating) the scan `<root>/<scanId>`. Nothing is read or written until a method is
 * called; `init()` creates the folder and metadata.json.
 * @throws BookpipeError SCAN_ID_INVALID when the id is not a plain name or would leave `root`.
 * @example
 * const scan = openScan({ root: 'scans', scanId: 'my-book-1923' });
 * const ocr = scan.stage('ocr', { schema: OcrPageSchema });
 * const todo = await ocr.checkpoint.remainingPages();
 */
export function openScan(options: OpenScanOptions): FsBookStorage {
  const { scanId } = options;
  assertScanId(scanId);
  if (typeof options.root !== 'string' || options.root === '') {
    throw new BookpipeError(ErrorCode.CONFIG_INVALID, 'openScan: `root` is required: the folder that holds one sub-folder per scan (BOOKPIPE_ROOT).');
  }
  const root = resolve(options.root);
  const dir = resolve(root, scanId);
  // assertScanId already refuses separators and leading dots; this is the belt to its braces, in case
  // the id rules are ever relaxed: the scan folder must be a direct child of the root.
  const rel = relative(root, dir);
  if (rel !== scanId || isAbsolute(rel) || rel.startsWith('..')) {
    throw new BookpipeError(
      ErrorCode.SCAN_ID_INVALID,
      `Invalid scan id ${JSON.stringify(scanId.slice(0, 80))}: it would resolve to ${dir}, outside the storage root ${root}. Use a plain name such as "my-book-1923".`,
      { details: { scanId, root } },
    );
  }
  return new FsBookStorage({ root, scanId, dir, logger: options.logger ?? silentLogger, now: options.now ?? (() => new Date()) });
}

/** Scan ids under `root`: the sub-folders with a valid scan id and a metadata.json, sorted. */
export async function listScans(root: string): Promise<string[]> {
  const abs = resolve(root);
  let entries: Dirent[];
  try {
    entries = await readdir(abs, { withFileTypes: true });
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return [];
    throw toStorageError(error, { action: 'list', path: abs });
  }
  const ids: string[] = [];
  for (const e of entries) {
    if (!e.isDirectory()) continue;
    try {
      assertScanId(e.name);
    } catch {
      continue;
    }
    if (await openScan({ root: abs, scanId: e.name }).exists()) ids.push(e.name);
  }
  return ids.sort();
}
