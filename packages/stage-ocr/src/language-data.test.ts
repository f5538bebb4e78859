import { existsSync } from 'node:fs';
import { BookpipeError } from '@bookpipe/core';
import { describe, expect, it } from 'vitest';
import { resolveLanguageFiles, resolveOsdFile } from './language-data.js';

describe('resolveLanguageFiles', () => {
  it('finds the gzipped model of each language in its @tesseract.js-data package', () => {
    for (const model of ['4.0.0_best_int', '4.0.0'] as const) {
      const [eng] = resolveLanguageFiles(['eng'], model);
      expect(eng!.code).toBe('eng');
      expect(eng!.gzPath).toMatch(new RegExp(`@tesseract\\.js-data/eng/${model.replace(/\./g, '\\.')}/eng\\.traineddata\\.gz$`));
      expect(existsSync(eng!.gzPath)).toBe(true);
    }
    expect(existsSync(resolveOsdFile().gzPath)).toBe(true);
  });

  it('names the package to install for a language that is not installed', () => {
    let error: unknown;
    try {
      resolveLanguageFiles(['eng', 'zzz'], '4.0.0_best_int');
    } catch (e) {
      error = e;
    }
    expect(BookpipeError.isInstance(error) && error.code).toBe('CONFIG_INVALID');
    expect((error as Error).message).toContain('the package @tesseract.js-data/zzz is not installed. Install it (npm install @tesseract.js-data/zzz)');
  });
});
