import { basename } from 'node:path';
import { assertScanId } from '@bookpipe/core';

const MAX_LENGTH = 64;

/**
 * A scan id from an input's file or folder name: "My Book (1923).pdf" -> "my-book-1923". Lower case
 * ASCII letters, digits, "-" and "_" only (accents dropped), at most 64 characters, so it is a valid
 * scan id (core's `assertScanId`) and a folder name that travels well. "book" when nothing is left.
 */
export function scanIdFromInput(input: string): string {
  const name = basename(input.replace(/[\\/]+$/, ''));
  const stem = name.replace(/\.(pdf|png|jpe?g|tiff?|webp)$/i, '');
  const slug = stem
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '')
    .slice(0, MAX_LENGTH)
    .replace(/[-_]+$/, '');
  const id = slug || 'book';
  assertScanId(id);
  return id;
}
