import { closeSync, constants, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PageFormat } from '@bookpipe/core';
import { z } from 'zod';
import { O_NOFOLLOW } from './no-follow.js';

/**
 * `<stage>/stage.json`: what a stage folder's files are: the format of its page files
 * (`{ "pageFormat": "png" }`), written before the stage's first page, and the stage-level entries the
 * stage wrote through `writeFile` (`"files": ["book.md", "report.csv"]`, a sub-folder by its top-level
 * name), so that `clean` removes what the stage owns and nothing a user put beside it.
 *
 * The format lets a reader open a stage by its name alone (`scan.stage('source')`) and find its pages,
 * instead of every reader restating the format or listing the folder once per format.
 *
 * A file of its own rather than a record in `checkpoint.jsonl`: the format must be known synchronously
 * when the stage storage is made (`pagePath()` is synchronous), before any journal is read; the journal
 * is append-only, forgets everything at a `reset` record and may be torn, whereas this is written
 * atomically and holds no timestamp (a resumed scan and an uninterrupted one have the same file).
 */
export const STAGE_FILE = 'stage.json';

const StageFileSchema = z.looseObject({ pageFormat: z.enum(['json', 'png']).optional(), files: z.array(z.string()).optional() });
export type StageFile = z.infer<typeof StageFileSchema>;

/**
 * `<dir>/stage.json` as recorded, or undefined when there is none (a stage that has written nothing
 * yet, or a scan written before it was recorded). A file that cannot be read or parsed, or that is a
 * symbolic link (never followed), counts as none: readers then fall back to the stage's known format,
 * and the stage's next write records it again.
 */
export function readStageFile(dir: string): StageFile | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(join(dir, STAGE_FILE), constants.O_RDONLY | O_NOFOLLOW);
    return parseStageFile(readFileSync(fd, 'utf8'));
  } catch {
    // Missing (the usual case), unreadable or not JSON. An unreadable folder fails loudly at its first
    // real read, with the page and the next step: `scan.stage()` is synchronous and throws nothing.
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** `stage.json`'s text as recorded, or undefined when it is not JSON of that shape. @throws SyntaxError for text that is not JSON */
export function parseStageFile(text: string): StageFile | undefined {
  const parsed = StageFileSchema.safeParse(JSON.parse(text));
  return parsed.success ? parsed.data : undefined;
}

/** The page format recorded in `<dir>/stage.json`, or undefined (see `readStageFile`). */
export function recordedPageFormat(dir: string): PageFormat | undefined {
  return readStageFile(dir)?.pageFormat;
}

/** The text of `stage.json`: `current` (what is recorded) with `update` applied, entries sorted. */
export function stageFileText(current: StageFile | undefined, update: StageFile): string {
  const next: StageFile = { ...current, ...update };
  if (next.files) next.files = [...new Set(next.files)].sort();
  return `${JSON.stringify(next)}\n`;
}
