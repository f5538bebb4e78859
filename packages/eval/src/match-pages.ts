import path from 'node:path';
import type { ScanMetadata } from '@bookpipe/contracts';
import { BookpipeError, ErrorCode } from '@bookpipe/core';
import type { TruthPage } from './truth/truth-page.js';

/** How a truth page was matched to a scan page. */
export type MatchRule = 'page-map' | 'image-name' | 'file-name' | 'page-number-name';

export interface PageMatch {
  truth: TruthPage;
  /** The scan page (1-based, as in `ocr/page_NNNN.json`). */
  page: number;
  rule: MatchRule;
}

export interface MatchPagesOptions {
  /** Explicit `{ "<truth key or file name>": <scan page> }`; checked first. */
  pageMap?: Record<string, number> | null;
  /** Leave truth pages that match no scan page out, instead of failing. @default false */
  ignoreUnmatched?: boolean;
}

export interface MatchPagesResult {
  matches: PageMatch[];
  /** Keys of the truth pages left out (only with `ignoreUnmatched`). */
  unmatched: string[];
}

const stem = (file: string) => path.basename(file).replace(/\.[^.]+$/, '');

/**
 * Matches truth pages to scan pages, first rule that applies:
 * 1. `page-map`: the explicit map (option, or the truth folder's `truth-pages.json`) names the truth page's key or a file of it.
 * 2. `image-name`: the truth names its image (PAGE-XML `imageFilename`) and a one-page source file of the scan has that name (extensions ignored).
 * 3. `file-name`: the truth page's name equals a one-page source file's name, extensions ignored (`a006.txt` <-> `a006.tiff`).
 * 4. `page-number-name`: the truth page is named by the scan's page number (`page_0003`, `0003`, `3`).
 * Source files come from the scan's metadata.json (`sourceFiles`, recorded by the source stage), so a scan made
 * from a folder of page images matches truth named after those images. Pages of a multi-page PDF have no name
 * of their own: name the truth `page_NNNN` or give a page map.
 *
 * @throws BookpipeError INPUT_INVALID naming the truth files that match no scan page (unless `ignoreUnmatched`),
 *   or two truth pages that match the same scan page
 */
export function matchPages(
  truth: readonly TruthPage[],
  scan: { scanId: string; metadata: ScanMetadata; pages: readonly number[] },
  options: MatchPagesOptions = {},
): MatchPagesResult {
  const pageSet = new Set(scan.pages);
  const byName = new Map<string, number>();
  for (const file of scan.metadata.sourceFiles ?? []) {
    if (file.pages === 1) byName.set(stem(file.path), file.firstPage);
  }
  const map = options.pageMap ?? {};
  const matches: PageMatch[] = [];
  const unmatched: TruthPage[] = [];
  for (const page of truth) {
    const mapped = [page.key, ...page.files.map((f) => path.basename(f))].map((name) => map[name]).find((p) => p !== undefined);
    const numbered = /^(?:page[_-]?)?(\d{1,6})$/i.exec(page.key);
    const match: { page: number; rule: MatchRule } | null =
      mapped !== undefined
        ? { page: mapped, rule: 'page-map' }
        : page.imageName !== null && byName.has(stem(page.imageName))
          ? { page: byName.get(stem(page.imageName))!, rule: 'image-name' }
          : byName.has(page.key)
            ? { page: byName.get(page.key)!, rule: 'file-name' }
            : numbered
              ? { page: Number(numbered[1]), rule: 'page-number-name' }
              : null;
    if (match && pageSet.has(match.page)) matches.push({ truth: page, ...match });
    else unmatched.push(page);
  }
  if (matches.length === 0 || (unmatched.length > 0 && !options.ignoreUnmatched)) {
    const names = unmatched.map((p) => p.files.map((f) => path.basename(f)).join(' + '));
    const shown = names.slice(0, 8).join(', ') + (names.length > 8 ? ` and ${names.length - 8} more` : '');
    const sources = [...byName.keys()].slice(0, 5).join(', ');
    throw new BookpipeError(
      ErrorCode.INPUT_INVALID,
      `${unmatched.length} truth page(s) match no page of scan "${scan.scanId}" (${scan.pages.length} pages${sources ? `, from ${sources}${byName.size > 5 ? '...' : ''}` : ''}): ${shown}. ` +
        `Truth pages match by the image name they give (PAGE-XML), by the source image's file name, or by a page_NNNN name; ` +
        `add a truth-pages.json ({"<truth name>": <scan page>}) to the truth folder${matches.length > 0 ? ', or pass --ignore-unmatched to score the pages that match' : ''}.`,
      { details: { scanId: scan.scanId, unmatched: names } },
    );
  }
  const seen = new Map<number, PageMatch>();
  for (const match of matches) {
    const other = seen.get(match.page);
    if (other) {
      throw new BookpipeError(
        ErrorCode.INPUT_INVALID,
        `Truth pages "${other.truth.key}" and "${match.truth.key}" both match page ${match.page} of scan "${scan.scanId}". Keep one, or map them with truth-pages.json.`,
        {
          details: { scanId: scan.scanId, page: match.page },
        },
      );
    }
    seen.set(match.page, match);
  }
  return { matches: matches.sort((a, b) => a.page - b.page), unmatched: unmatched.map((p) => p.key) };
}
