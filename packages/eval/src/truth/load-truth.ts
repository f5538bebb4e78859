import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { BookpipeError, ErrorCode } from '@bookpipe/core';
import { countPrivateUse } from '../normalize-text.js';
import { isPageXml, parsePageXml } from './page-xml.js';
import { bodyTextOfLines, parseLinesJsonl, parseRegionsJsonl } from './regions-jsonl.js';
import type { TruthPage, TruthRegion, TruthScope } from './truth-page.js';

/** The optional mapping file of a truth folder: `{ "<truth page key or file name>": <scan page number> }`. */
export const PAGE_MAP_FILE = 'truth-pages.json';

export interface LoadTruthOptions {
  /**
   * What a plain-text truth file (`<page>.txt` with nothing else of that name) covers: only the reading
   * text, as Gutenberg-style transcriptions that leave out running heads and page numbers, or the whole page.
   * @default 'body'
   */
  plainTextScope?: TruthScope;
}

/** Files that are never page truth: licences and notes, line-level pairs, the mapping file. */
const IGNORED = /^(readme|licen[cs]e|copying|notice)\b|\.gt\.txt$/i;

const stemOf = (name: string) => name.replace(/\.(regions|lines)\.jsonl$/i, '').replace(/\.(txt|xml)$/i, '');

/**
 * Reads the ground truth of a folder (not its sub-folders), one `TruthPage` per page:
 * - `<page>.xml` in PAGE-XML (root element `PcGts`): typed regions, text, reading order. Other XML
 *   files (a METS file) are skipped.
 * - `<page>.regions.jsonl` (typed boxes), `<page>.lines.jsonl` (labelled lines with text) and
 *   `<page>.txt`, of the same name, together make one page.
 * - `<page>.txt` alone: the page's text, with no regions (its scope is `plainTextScope`).
 * Line-level files (`*.gt.txt`), README and licence files and `truth-pages.json` are skipped.
 *
 * @throws BookpipeError INPUT_INVALID when the folder is missing, holds no truth, or a file cannot be parsed
 */
export async function loadTruthFolder(folder: string, options: LoadTruthOptions = {}): Promise<TruthPage[]> {
  const plainTextScope = options.plainTextScope ?? 'body';
  const dir = path.resolve(folder);
  const info = await stat(dir).catch(() => null);
  if (!info?.isDirectory()) {
    throw new BookpipeError(
      ErrorCode.INPUT_INVALID,
      `The truth folder ${dir} does not exist${info ? ' (it is a file)' : ''}. Give --truth a folder of ground-truth pages (plain text, PAGE-XML or regions JSONL).`,
      {
        details: { truth: dir },
      },
    );
  }
  const names = (await readdir(dir, { withFileTypes: true }))
    .filter((entry) => entry.isFile() && !IGNORED.test(entry.name) && entry.name !== PAGE_MAP_FILE)
    .map((entry) => entry.name)
    .sort();
  const groups = new Map<string, { txt?: string; xml?: string; regions?: string; lines?: string }>();
  for (const name of names) {
    const lower = name.toLowerCase();
    const kind = lower.endsWith('.regions.jsonl')
      ? 'regions'
      : lower.endsWith('.lines.jsonl')
        ? 'lines'
        : lower.endsWith('.txt')
          ? 'txt'
          : lower.endsWith('.xml')
            ? 'xml'
            : null;
    if (kind === null) continue;
    const stem = stemOf(name);
    const group = groups.get(stem) ?? {};
    group[kind] = path.join(dir, name);
    groups.set(stem, group);
  }

  const pages: TruthPage[] = [];
  for (const [stem, group] of groups) {
    try {
      if (group.xml) {
        const xml = await readFile(group.xml, 'utf8');
        if (isPageXml(xml)) {
          pages.push(parsePageXml(xml, group.xml));
          continue;
        }
        if (!group.txt && !group.regions && !group.lines) continue; // a METS or other non-PAGE XML file
      }
      const text = group.txt ? await readFile(group.txt, 'utf8') : null;
      const regions = group.regions ? parseRegionsJsonl(await readFile(group.regions, 'utf8'), group.regions) : null;
      const lines = group.lines ? parseLinesJsonl(await readFile(group.lines, 'utf8'), group.lines) : null;
      if (text === null && lines === null) continue; // boxes without any text: nothing to score text against
      const fullText = text ?? lines!.flatMap((l) => (l.text === null ? [] : [l.text])).join('\n');
      const pageNumber = lines?.find((l) => l.kind === 'page-number' && l.text !== null && l.text.trim() !== '');
      const typed = regions ?? lines;
      pages.push({
        key: stem,
        files: [group.txt, group.regions, group.lines].filter((f): f is string => f !== undefined),
        format: regions || lines ? 'regions-jsonl' : 'text',
        imageName: null,
        imageSize: null,
        text: fullText,
        scope: lines ? 'page' : plainTextScope,
        bodyText: lines ? bodyTextOfLines(lines) : null,
        regions: typed as TruthRegion[] | null,
        printedPageNumber: pageNumber?.text?.trim() ?? null,
        privateUseChars: countPrivateUse(fullText),
      });
    } catch (error) {
      if (error instanceof BookpipeError) throw error;
      throw new BookpipeError(ErrorCode.INPUT_INVALID, `Cannot read the truth page "${stem}" in ${dir}: ${(error as Error).message}. Fix or remove the file.`, {
        details: { truth: dir, page: stem },
        cause: error,
      });
    }
  }
  if (pages.length === 0) {
    throw new BookpipeError(
      ErrorCode.INPUT_INVALID,
      `The truth folder ${dir} holds no ground-truth page (<page>.txt, PAGE-XML <page>.xml, or <page>.regions.jsonl with <page>.lines.jsonl). Point --truth at the folder that holds them.`,
      {
        details: { truth: dir },
      },
    );
  }
  return pages;
}

/** The folder's `truth-pages.json`, when it has one. @throws BookpipeError INPUT_INVALID when it is not `{ "<name>": <page> }` */
export async function loadPageMapFile(folder: string): Promise<Record<string, number> | null> {
  const file = path.join(path.resolve(folder), PAGE_MAP_FILE);
  const content = await readFile(file, 'utf8').catch(() => null);
  if (content === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch (error) {
    throw new BookpipeError(
      ErrorCode.INPUT_INVALID,
      `${file} is not JSON (${(error as Error).message}). It maps truth page names to scan pages: {"a006": 1}.`,
      { details: { file } },
    );
  }
  const ok =
    typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && Object.values(parsed).every((v) => Number.isInteger(v) && (v as number) >= 1);
  if (!ok)
    throw new BookpipeError(ErrorCode.INPUT_INVALID, `${file} must map truth page names to scan page numbers (integers >= 1), like {"a006": 1}.`, {
      details: { file },
    });
  return parsed as Record<string, number>;
}
