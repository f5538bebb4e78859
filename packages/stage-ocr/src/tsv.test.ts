import { describe, expect, it } from 'vitest';
import { parseTsv } from './tsv.js';

// The shape of tesseract 5's TSV (CLI with tessedit_create_tsv=1; tesseract.js GetTSVText has no header).
const TSV = [
  'level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext',
  '1\t1\t0\t0\t0\t0\t0\t0\t4000\t2864\t-1\t',
  '2\t1\t1\t0\t0\t0\t142\t146\t2031\t115\t-1\t',
  '3\t1\t1\t1\t0\t0\t142\t146\t2031\t115\t-1\t',
  '4\t1\t1\t1\t1\t0\t142\t146\t2031\t115\t-1\t',
  '5\t1\t1\t1\t1\t1\t142\t154\t840\t104\t37.601017\tILinzensoep',
  '5\t1\t1\t1\t1\t2\t1080\t146\t80\t90\t95.5\ta',
  '',
].join('\n');

describe('parseTsv', () => {
  it('reads every level, skipping the header and blank lines', () => {
    const rows = parseTsv(TSV);
    expect(rows.map((r) => r.level)).toEqual([1, 2, 3, 4, 5, 5]);
    expect(rows[0]).toMatchObject({ width: 4000, height: 2864, conf: -1, text: '' });
    expect(rows[4]).toEqual({
      level: 5,
      block: 1,
      par: 1,
      line: 1,
      word: 1,
      left: 142,
      top: 154,
      width: 840,
      height: 104,
      conf: 37.601017,
      text: 'ILinzensoep',
    });
  });

  it('reads CRLF line ends and output without a header (tesseract.js)', () => {
    const rows = parseTsv(TSV.split('\n').slice(1).join('\r\n'));
    expect(rows).toHaveLength(6);
    expect(rows[5]!.text).toBe('a');
  });

  it('refuses a malformed row, naming its line', () => {
    expect(() => parseTsv('1\t1\t0\t0\t0\t0\t0\t0\t10\t10\t-1\t\n5\t1\tx\t1\t1\t1\t0\t0\t1\t1\t90\tword')).toThrow(/line 2/);
    expect(() => parseTsv('7\t1\t0\t0\t0\t0\t0\t0\t10\t10\t-1\t')).toThrow(/line 1/);
  });
});
