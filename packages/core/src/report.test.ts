import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildReport, csvCell } from './report.js';

const schema = z.object({ pageNum: z.number(), meanConfidence: z.number(), note: z.string().optional() });

describe('buildReport', () => {
  it('projects metrics on the schema columns in page order, dropping other fields', () => {
    const metrics = new Map<number, Record<string, unknown>>([
      [2, { pageNum: 2, meanConfidence: 0.5, secret: 'x' }],
      [1, { pageNum: 1, meanConfidence: 0.9, note: 'has, comma' }],
    ]);
    const report = buildReport(metrics, schema);
    expect(report.csv).toBe('pageNum,meanConfidence,note\n1,0.9,"has, comma"\n2,0.5,\n');
    expect(report.warnings).toEqual([]);
  });

  it('keeps a row and warns with the page number when a page does not fit', () => {
    const metrics = new Map<number, Record<string, unknown>>([
      [1, { pageNum: 1, meanConfidence: 0.9 }],
      [2, { pageNum: 2, meanConfidence: 'high' }],
      [3, { pageNum: 3, meanConfidence: 0.7 }],
    ]);
    const report = buildReport(metrics, schema);
    expect(report.csv.trim().split('\n')).toEqual(['pageNum,meanConfidence,note', '1,0.9,', '2,,', '3,0.7,']);
    expect(report.warnings).toHaveLength(1);
    expect(report.warnings[0]!.page).toBe(2);
    expect(report.warnings[0]!.problem).toContain('meanConfidence');
  });

  it('adds a pageNum column when the schema has none', () => {
    const report = buildReport(new Map([[4, { words: 10 }]]), z.object({ words: z.number() }));
    expect(report.csv).toBe('pageNum,words\n4,10\n');
  });

  it('lists failed pages with their reason in added status and error columns, in page order', () => {
    const metrics = new Map<number, Record<string, unknown>>([
      [1, { pageNum: 1, meanConfidence: 0.9 }],
      [3, { pageNum: 3, meanConfidence: 0.7 }],
      // Metrics of an earlier run of page 2, which failed since: the failure is what holds.
      [2, { pageNum: 2, meanConfidence: 0.5 }],
    ]);
    const report = buildReport(metrics, schema, [
      { page: 2, error: 'page 2: HTTP 503, after 2 attempt(s)' },
      { page: 4, error: 'timed out' },
    ]);
    expect(report.columns).toEqual(['pageNum', 'meanConfidence', 'note', 'status', 'error']);
    expect(report.csv.trim().split('\n')).toEqual([
      'pageNum,meanConfidence,note,status,error',
      '1,0.9,,done,',
      '2,,,failed,"page 2: HTTP 503, after 2 attempt(s)"',
      '3,0.7,,done,',
      '4,,,failed,timed out',
    ]);
    expect(report.warnings).toEqual([]);
  });
});

describe('csvCell', () => {
  it('quotes per RFC 4180', () => {
    expect(csvCell('a"b')).toBe('"a""b"');
    expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
    expect(csvCell(null)).toBe('');
    expect(csvCell(0)).toBe('0');
  });
});
