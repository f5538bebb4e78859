import { describe, expect, it } from 'vitest';
import { ErrorCode } from './errors.js';
import { assertScanId, pageFileName, parsePageFileName } from './paths.js';

describe('scan ids', () => {
  it.each(['my-book', 'Book 1923', 'Ünïcödé_书', 'a.b'])('accepts %j', (id) => {
    expect(() => assertScanId(id)).not.toThrow();
  });

  it.each([
    ['', 'empty'],
    ['..', 'starts with "."'],
    ['../escape', 'path separator'],
    ['/abs/path', 'path separator'],
    ['a\\b', 'path separator'],
    ['nul\0byte', 'NUL'],
    ['x'.repeat(300), '300 characters'],
    ['.hidden', 'starts with "."'],
    ['semi;colon', 'characters other than'],
  ])('refuses %j (%s)', (id, why) => {
    expect(() => assertScanId(id)).toThrowError(expect.objectContaining({ code: ErrorCode.SCAN_ID_INVALID, message: expect.stringContaining(why) }));
  });
});

describe('page file names', () => {
  it('round-trips and ignores temp files and other extensions', () => {
    expect(pageFileName(7, 'json')).toBe('page_0007.json');
    expect(pageFileName(12345, 'png')).toBe('page_12345.png');
    expect(parsePageFileName('page_0007.json', 'json')).toBe(7);
    expect(parsePageFileName('page_0007.json', 'png')).toBeUndefined();
    expect(parsePageFileName('.page_0007.json.tmp-123', 'json')).toBeUndefined();
    expect(parsePageFileName('page_0000.json', 'json')).toBeUndefined();
    expect(() => pageFileName(0, 'json')).toThrow(RangeError);
  });
});
