import { assertScanId } from '@bookpipe/core';
import { describe, expect, it } from 'vitest';
import { scanIdFromInput } from './scan-id.js';

describe('scanIdFromInput', () => {
  it.each([
    ['books/My Book (1923).pdf', 'my-book-1923'],
    ['/scans/Café_Société.PDF', 'cafe_societe'],
    ['page-images/', 'page-images'],
    ['./.hidden.pdf', 'hidden'],
    ['../../etc', 'etc'],
    ['«»!.pdf', 'book'],
    ['scan.tiff', 'scan'],
    [`${'a'.repeat(80)}-b.pdf`, 'a'.repeat(64)],
  ])('%s -> %s', (input, id) => {
    expect(scanIdFromInput(input)).toBe(id);
    expect(() => assertScanId(id)).not.toThrow();
  });
});
