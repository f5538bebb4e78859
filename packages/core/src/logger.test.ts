import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BookpipeError } from './errors.js';
import { createLogger, safeStringify } from './logger.js';

describe('createLogger', () => {
  it('writes one JSON object per line keeping every field, child bindings included', () => {
    const lines: string[] = [];
    const logger = createLogger({ destination: (l) => lines.push(l), now: () => new Date(0), bindings: { scanId: 's1' } });
    logger.child({ stage: 'ocr' }).info('page done', { page: 3, nested: { a: [1, 2] }, costUsd: null });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toEqual({
      time: '1970-01-01T00:00:00.000Z',
      level: 'info',
      msg: 'page done',
      scanId: 's1',
      stage: 'ocr',
      page: 3,
      nested: { a: [1, 2] },
      costUsd: null,
    });
  });

  it('filters by level', () => {
    const lines: string[] = [];
    const logger = createLogger({ destination: (l) => lines.push(l), level: 'warn' });
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    expect(lines.map((l) => JSON.parse(l).level)).toEqual(['warn', 'error']);
  });

  it('keeps errors with their code and cause, and redacts secrets anywhere in the line', () => {
    const lines: string[] = [];
    const key = 'sk-test-PLANTED-0123456789';
    const logger = createLogger({ destination: (l) => lines.push(l), redact: [key] });
    const error = new BookpipeError('PAGE_INVALID', `bad page (key ${key})`, { cause: new Error('inner') });
    logger.error('failed', { error, header: `Bearer ${key}` });
    expect(lines[0]).not.toContain(key);
    const parsed = JSON.parse(lines[0]!);
    expect(parsed.error.code).toBe('PAGE_INVALID');
    expect(parsed.error.message).toBe('bad page (key [redacted])');
    expect(parsed.error.cause.message).toBe('inner');
    expect(parsed.header).toBe('Bearer [redacted]');
  });

  it('appends to a file, creating its folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bookpipe-log-'));
    const file = join(dir, 'logs', 'ocr.jsonl');
    const logger = createLogger({ destination: file });
    logger.info('a');
    logger.info('b');
    expect(
      readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).msg),
    ).toEqual(['a', 'b']);
  });

  it('a file it cannot write (a parent is a file, as on a full or read-only disk) drops lines instead of throwing, and says so once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bookpipe-logger-'));
    const blocker = join(dir, 'not-a-folder');
    writeFileSync(blocker, 'x');
    const file = join(blocker, 'logs', 'ocr.jsonl');
    const errors: Array<{ code: unknown; file: string }> = [];
    const logger = createLogger({ destination: file, onWriteError: (error, at) => errors.push({ code: (error as { code?: unknown }).code, file: at }) });
    expect(() => logger.error('stage failed', { error: new Error('disk full') })).not.toThrow();
    expect(() => logger.info('again')).not.toThrow();
    expect(errors).toEqual([{ code: 'ENOTDIR', file }]);
    expect(readFileSync(blocker, 'utf8')).toBe('x');
  });

  it('survives cycles and bigints', () => {
    const o: Record<string, unknown> = { n: 10n };
    o.self = o;
    expect(JSON.parse(safeStringify(o))).toEqual({ n: '10', self: '[circular]' });
  });
});
