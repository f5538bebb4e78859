import { basename } from 'node:path';
import type { ScanMetadata } from '@bookpipe/contracts';
import { BookpipeError, ErrorCode } from '@bookpipe/core';
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
  /** Why the file cannot be read (see `InputFile.refused`); it then stands for one failed page. */
  refused?: string;
}

/** The book as the inputs make it up: numbering decided once, up front, from the page counts. */
export interface SourcePlan {
  files: SourceFile[];
  totalPages: number;
  /** Files that folder listings skipped. */
  ignored: IgnoredFile[];
}

/**
 * Lists, hashes and counts the pages of every input. A whole-file problem (not a PDF or image, empty,
 * unreadable, no pages, password protected, over the input limit) marks that file `refused`, naming it:
 * it then stands for one page, which fails with the reason, and the other files go on. Page numbers
 * follow from the counts, so a resumed run numbers every page the same way.
 * @throws BookpipeError INPUT_INVALID for a missing input path (see `discoverInputs`).
 */
export async function planSources(inputs: readonly string[], limits: ImageLimits): Promise<SourcePlan> {
  const { files, ignored } = await discoverInputs(inputs);
  const planned: SourceFile[] = [];
  let next = 1;
  for (const file of files) {
    let pages = 1;
    let refused = file.refused;
    if (refused === undefined) {
      try {
        pages = await countPages(file.path, file.kind, limits);
      } catch (error) {
        if (!(BookpipeError.isInstance(error) && error.code === ErrorCode.INPUT_INVALID)) throw error;
        refused = error.message;
      }
    }
    // An unreadable file (a link to nothing) has no contents to hash: '' matches nothing but itself.
    const sha256 = await sha256File(file.path).catch(() => '');
    planned.push({ ...file, sha256, pages, firstPage: next, ...(refused === undefined ? {} : { refused }) });
    next += pages;
  }
  return { files: planned, totalPages: next - 1, ignored };
}

async function countPages(path: string, kind: FileKind, limits: ImageLimits): Promise<number> {
  if (kind !== 'pdf') return (await probeImageFile(path, kind, limits)).pages;
  const doc = await PdfDocument.open(path);
  try {
    return doc.pageCount;
  } finally {
    doc.close();
  }
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
  return plan.files.map(({ path, sha256, sizeBytes, pages, firstPage, refused }) => ({
    path,
    sha256,
    sizeBytes,
    pages,
    firstPage,
    ...(refused === undefined ? {} : { refused }),
  }));
}

type RecordedFile = NonNullable<ScanMetadata['sourceFiles']>[number] & { refused?: string };

/**
 * Whether the recorded sources are the same book as the plan: the same contents (hashes) in the same
 * order. Paths do not matter, so moving or renaming the files does not block a resume. A file refused
 * when recorded may since have been fixed: it matches when it still makes as many pages, so the
 * numbering holds and its failed page is simply made this time.
 */
export function sameSources(recorded: readonly RecordedFile[], plan: SourcePlan): boolean {
  return recorded.length === plan.files.length && recorded.every((r, i) => sameFile(r, plan.files[i]!));
}

function sameFile(recorded: RecordedFile, file: SourceFile): boolean {
  if (recorded.pages !== file.pages) return false;
  return recorded.sha256 === file.sha256 || recorded.refused !== undefined;
}

/**
 * What differs between the recorded sources and the plan, in words: "p2.png has other contents than
 * when its pages were made", "3 files recorded, 4 given".
 */
export function describeDifference(recorded: readonly RecordedFile[], plan: SourcePlan): string {
  if (recorded.length !== plan.files.length) {
    return `its pages come from ${recorded.length} file(s) (${describeFiles(recorded.map((f) => f.path))}), and ${plan.files.length} were given (${describeFiles(plan.files.map((f) => f.path))})`;
  }
  const changed = plan.files.flatMap((file, i) => (sameFile(recorded[i]!, file) ? [] : [{ file, was: recorded[i]! }]));
  const sameNames = changed.every(({ file, was }) => basename(file.path) === basename(was.path));
  if (sameNames) {
    const names = describeFiles(changed.map(({ file }) => file.path));
    return `${names} ${changed.length === 1 ? 'has' : 'have'} other contents (or page counts) than when ${changed.length === 1 ? 'its' : 'their'} pages were made`;
  }
  return `its pages come from ${describeFiles(changed.map(({ was }) => was.path))}, not from ${describeFiles(changed.map(({ file }) => file.path))}`;
}

/** "a.pdf, b.pdf and 3 more" */
export function describeFiles(paths: readonly string[], max = 4): string {
  const names = paths.map((p) => basename(p));
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}
