import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PageFormat } from '@bookpipe/core';
import { z } from 'zod';

/**
 * `<stage>/stage.json`: what a stage folder's page files are (`{ "pageFormat": "png" }`), written before
 * the stage's first page. It lets a reader open a stage by its name alone (`scan.stage('source')`) and
 * find its pages, instead of every reader restating the format or listing the folder once per format.
 *
 * A file of its own rather than a record in `checkpoint.jsonl`: the format must be known synchronously
 * when the stage storage is made (`pagePath()` is synchronous), before any journal is read; the journal
 * is append-only, forgets everything at a `reset` record and may be torn, whereas this is written once,
 * atomically, and holds no timestamp (a resumed scan and an uninterrupted one have the same file).
 */
export const STAGE_FILE = 'stage.json';

const StageFileSchema = z.looseObject({ pageFormat: z.enum(['json', 'png']) });
export type StageFile = z.infer<typeof StageFileSchema>;

/**
 * The page format recorded in `<dir>/stage.json`, or undefined when there is none (a stage that has not
 * written a page yet, or a scan written before the format was recorded). A file that cannot be read or
 * parsed counts as none: readers then fall back to the stage's known format, and the stage's next page
 * save writes the record again.
 */
export function recordedPageFormat(dir: string): PageFormat | undefined {
  try {
    const parsed = StageFileSchema.safeParse(JSON.parse(readFileSync(join(dir, STAGE_FILE), 'utf8')));
    return parsed.success ? parsed.data.pageFormat : undefined;
  } catch {
    // Missing (the usual case), unreadable or not JSON. An unreadable folder fails loudly at its first
    // real read, with the page and the next step: `scan.stage()` is synchronous and throws nothing.
    return undefined;
  }
}

/** The text of `stage.json` for a stage whose pages are `format`. */
export function stageFileText(format: PageFormat): string {
  return `${JSON.stringify({ pageFormat: format } satisfies StageFile)}\n`;
}
