import { availableParallelism } from 'node:os';
import { BookpipeError } from '@bookpipe/core';
import { describe, expect, it } from 'vitest';
import { OCR_DEFAULTS, resolveOcrOptions } from './options.js';

describe('resolveOcrOptions', () => {
  it('fills in the documented defaults', () => {
    expect(resolveOcrOptions()).toEqual({
      ...OCR_DEFAULTS,
      maxWorkers: availableParallelism(),
      languages: ['eng'],
    });
    expect(OCR_DEFAULTS).toMatchObject({ engine: 'tesseract.js', psm: 3, language: 'eng', recycleAfterPages: 100, detectOrientation: true });
  });

  it('takes maxWorkers from the option, then the config, then the cores', () => {
    expect(resolveOcrOptions({ maxWorkers: 3 }, 5).maxWorkers).toBe(3);
    expect(resolveOcrOptions({}, 5).maxWorkers).toBe(5);
  });

  it('splits several languages and accepts Infinity for recycleAfterPages', () => {
    expect(resolveOcrOptions({ language: 'eng+deu_latf' }).languages).toEqual(['eng', 'deu_latf']);
    expect(resolveOcrOptions({ recycleAfterPages: Infinity }).recycleAfterPages).toBe(Infinity);
  });

  it.each([
    [{ engine: 'ocrad' }, /`engine`: "ocrad"/],
    [{ maxWorkers: 0 }, /`maxWorkers`: 0/],
    [{ maxWorkers: 1.5 }, /`maxWorkers`/],
    [{ language: '../eng' }, /`language`: "\.\.\/eng"/],
    [{ language: 'eng+' }, /`language`/],
    [{ psm: 0 }, /`psm`: 0.*0 only detects orientation/],
    [{ psm: 14 }, /`psm`: 14/],
    [{ model: '4.0.0_fast' }, /`model`: "4.0.0_fast". Expected "4.0.0_best_int" or "4.0.0"/],
    [{ recycleAfterPages: 0 }, /`recycleAfterPages`/],
    [{ detectOrientation: 'yes' }, /`detectOrientation`/],
    [{ minOrientationConfidence: -1 }, /`minOrientationConfidence`/],
    [{ tesseractPath: '' }, /`tesseractPath`/],
    [{ initTimeoutMs: 0 }, /`initTimeoutMs`/],
  ])('refuses %j with a message naming the option', (options, message) => {
    let error: unknown;
    try {
      resolveOcrOptions(options as never);
    } catch (e) {
      error = e;
    }
    expect(BookpipeError.isInstance(error) && error.code).toBe('CONFIG_INVALID');
    expect((error as Error).message).toMatch(message);
  });
});
