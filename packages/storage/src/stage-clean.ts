import type { Dirent } from 'node:fs';
import { lstat, readdir, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { BOOK_JSON, BOOK_MD, PAGE_NUMBERS_FILE } from '@bookpipe/contracts';
import { type CleanReport, mapLimit, parsePageFileName } from '@bookpipe/core';
import { parseTempFileName, writeFileAtomic } from './atomic-write.js';
import { readStageFile, STAGE_FILE } from './stage-file.js';
import { errnoCode } from './storage-error.js';
import { syncDir } from './sync-dir.js';

/** The journal's file name inside a stage folder. */
export const CHECKPOINT_FILE = 'checkpoint.jsonl';
/**
 * Written (atomically, fsync'd) before a clean deletes anything and removed once it is done: a folder
 * holding it is half cleaned, and the next run finishes the clean before reading it (issue 15: a clean
 * killed on 5,000 pages deleted the journal and left 337 page files the next run took for done).
 */
export const CLEAN_MARKER = '.clean-pending';
/** Folder entries that `clean()` keeps: the logs of earlier runs (and of the run that is cleaning). */
export const KEPT_ON_CLEAN: ReadonlySet<string> = new Set(['logs']);
/**
 * Stage-level files the built-in stages wrote before `stage.json` recorded what a stage writes: a scan
 * from an older version would otherwise keep its old book.md through a clean.
 */
export const LEGACY_STAGE_FILES: ReadonlySet<string> = new Set(['report.csv', BOOK_JSON, BOOK_MD, PAGE_NUMBERS_FILE, 'book-metadata.json']);
/** Entries removed at once: a plain file with one unlink (rm would lstat it first); 400 page files went one by one in 0.1-3 s on a busy disk. */
const CLEAN_CONCURRENCY = 16;

export interface StageCleanInit {
  dir: string;
  scanId: string;
  stageName: string;
  /** The stage's own error for a failed filesystem call, naming the scan, the stage and the path. */
  storageError: (error: unknown, action: string, path: string) => Error;
}

/** Whether the stage folder holds the marker of a clean that did not finish. */
export async function cleanPending(dir: string): Promise<boolean> {
  try {
    await lstat(join(dir, CLEAN_MARKER));
    return true;
  } catch {
    return false;
  }
}

/**
 * Removes the entries of a stage folder that the stage owns: page files (of either format), its temp
 * files, the journal, `stage.json`, the files `stage.json` records it wrote (and the legacy names),
 * and leaves the rest (its `logs/`, a user's files). Crash-safe: the marker goes first, the journal and
 * `stage.json` last, the marker after them, each step followed by a folder fsync, so a kill at any point
 * leaves either the old stage, or a folder with the marker (the next run finishes the clean), or nothing.
 * Links inside the folder are removed as links, never followed. The caller checks that `dir` is no link.
 */
export async function cleanStageFolder(init: StageCleanInit): Promise<CleanReport> {
  const { dir } = init;
  const report: CleanReport = { scanId: init.scanId, stage: init.stageName, dir, removedPages: 0, removed: [], kept: [] };
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return report;
    throw init.storageError(error, 'list', dir);
  }
  const recorded = new Set(readStageFile(dir)?.files ?? []);
  const owned = (name: string) =>
    !KEPT_ON_CLEAN.has(name) &&
    (parsePageFileName(name, 'json') !== undefined ||
      parsePageFileName(name, 'png') !== undefined ||
      parseTempFileName(name) !== undefined ||
      name === CHECKPOINT_FILE ||
      name === STAGE_FILE ||
      name === CLEAN_MARKER ||
      LEGACY_STAGE_FILES.has(name) ||
      recorded.has(name));
  const toRemove = entries.filter((e) => owned(e.name));
  report.kept = entries
    .filter((e) => !owned(e.name))
    .map((e) => e.name)
    .sort();
  if (toRemove.length === 0) return report;

  const markerPath = join(dir, CLEAN_MARKER);
  try {
    // Durable before anything is deleted: writeFileAtomic fsyncs the folder after its rename (a second
    // syncDir here was one more fsync with nothing new to make durable).
    await writeFileAtomic(markerPath, `${JSON.stringify({ stage: init.stageName })}\n`);
  } catch (error) {
    throw init.storageError(error, 'write', markerPath);
  }
  const remove = async (entry: Dirent) => {
    const path = join(dir, entry.name);
    try {
      // A link (even to a folder) is removed as a link; rm does not follow links either.
      if (entry.isFile() || entry.isSymbolicLink()) await unlink(path);
      else await rm(path, { recursive: true, force: true });
    } catch (error) {
      if (errnoCode(error) !== 'ENOENT') throw init.storageError(error, 'remove', path);
    }
  };
  // What says "done" goes last: stage.json (the record of what to remove) and the journal.
  const last = new Set([STAGE_FILE, CHECKPOINT_FILE, CLEAN_MARKER]);
  await mapLimit(
    toRemove.filter((e) => !last.has(e.name)),
    CLEAN_CONCURRENCY,
    remove,
  );
  for (const name of [STAGE_FILE, CHECKPOINT_FILE]) {
    const entry = toRemove.find((e) => e.name === name);
    if (entry) await remove(entry);
  }
  await syncDir(dir);
  await rm(markerPath, { force: true }).catch((error: unknown) => {
    throw init.storageError(error, 'remove', markerPath);
  });
  await syncDir(dir);
  for (const entry of toRemove) {
    if (entry.name === CLEAN_MARKER) continue;
    if (parsePageFileName(entry.name, 'json') !== undefined || parsePageFileName(entry.name, 'png') !== undefined) report.removedPages++;
    else report.removed.push(entry.name);
  }
  report.removed.sort();
  return report;
}
