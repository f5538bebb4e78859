import { basename } from 'node:path';
import type { ScanMetadata } from '@bookpipe/contracts';
import { discoverInputs, type IgnoredFile } from './discover-inputs.js';
import { sha256File } from './file-hash.js';
import type { FileKind } from './file-kind.js';
import { type ImageLimits, probeImageFile } from './image-file.js';
import { PdfDocument } from './pdf-document.js';

/** One input file with its place in the book. */
export interface SourceFile {
  path: string;
  kind: FileKind;
  sha256: string;
  sizeBytes: number;
  /** Pages it contributes. */
  pages: number;
  /** Book page number of its first page. */
  firstPage: number;
}

/** The book as the inputs make it up: numbering decided once, up front, from the page counts. */
export interface SourcePlan {
  files: SourceFile[];
  totalPages: number;
  /** Files that folder listings skipped. */
  ignored: IgnoredFile[];
}

/**
 * Lists, hashes and counts the pages of every input. Whole-file problems (not a PDF or image, empty,
 * no pages, password protected, over the input limit) fail here, naming the file, before any page is
 * written. Page numbers follow from the counts, so a resumed run numbers every page the same way.
 * @throws BookpipeError INPUT_INVALID
 */
export async function planSources(inputs: readonly string[], limits: ImageLimits): Promise<SourcePlan> {
  const { files, ignored } = await discoverInputs(inputs);
  const planned: SourceFile[] = [];
  let next = 1;
  for (const file of files) {
    let pages: number;
    if (file.kind === 'pdf') {
      const doc = await PdfDocument.open(file.path);
      pages = doc.pageCount;
      doc.close();
    } else {
      pages = (await probeImageFile(file.path, file.kind, limits)).pages;
    }
    planned.push({ ...file, sha256: await sha256File(file.path), pages, firstPage: next });
    next += pages;
  }
  return { files: planned, totalPages: next - 1, ignored };
}

/** The file and 0-based page index that make book page `page`. */
export function locatePage(plan: SourcePlan, page: number): { file: SourceFile; index: number } {
  // Binary search: books have hundreds of image files.
  let lo = 0;
  let hi = plan.files.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const file = plan.files[mid]!;
    if (page < file.firstPage) hi = mid - 1;
    else if (page >= file.firstPage + file.pages) lo = mid + 1;
    else return { file, index: page - file.firstPage };
  }
  throw new RangeError(`Page ${page} is outside the book (1..${plan.totalPages})`);
}

/** The `sourceFiles` entries of metadata.json for a plan. */
export function sourceFilesMetadata(plan: SourcePlan): NonNullable<ScanMetadata['sourceFiles']> {
  return plan.files.map(({ path, sha256, sizeBytes, pages, firstPage }) => ({ path, sha256, sizeBytes, pages, firstPage }));
}

/**
 * Whether the recorded sources are the same book as the plan: the same contents (hashes) in the same
 * order. Paths do not matter, so moving or renaming the files does not block a resume.
 */
export function sameSources(recorded: NonNullable<ScanMetadata['sourceFiles']>, plan: SourcePlan): boolean {
  return recorded.length === plan.files.length && recorded.every((r, i) => r.sha256 === plan.files[i]!.sha256 && r.pages === plan.files[i]!.pages);
}

/** "a.pdf, b.pdf and 3 more" */
export function describeFiles(paths: readonly string[], max = 4): string {
  const names = paths.map((p) => basename(p));
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}
