import { existsSync, lstatSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveLanguageFiles, resolveOsdFile } from './language-data.js';
import { gzippedLanguageFolder, tessdataFolder } from './language-folder.js';

describe('language folders', () => {
  const [eng] = resolveLanguageFiles(['eng'], '4.0.0_best_int');
  const osd = resolveOsdFile();

  it('uses the package folder itself for one language (nothing copied, nothing to remove)', async () => {
    const folder = await gzippedLanguageFolder([eng!]);
    expect(join(folder.dir, 'eng.traineddata.gz')).toBe(eng!.gzPath);
    await folder.dispose();
    expect(existsSync(eng!.gzPath)).toBe(true);
  });

  it('links languages from several packages into one temporary langPath, removed on dispose', async () => {
    const folder = await gzippedLanguageFolder([eng!, osd]);
    expect(lstatSync(join(folder.dir, 'eng.traineddata.gz')).isSymbolicLink()).toBe(true);
    expect(statSync(join(folder.dir, 'osd.traineddata.gz')).size).toBe(statSync(osd.gzPath).size);
    await folder.dispose();
    expect(existsSync(folder.dir)).toBe(false);
  });

  it('unzips the same model files into a temporary tessdata folder for native tesseract', async () => {
    const folder = await tessdataFolder([eng!, osd]);
    try {
      for (const code of ['eng', 'osd']) {
        const file = readFileSync(join(folder.dir, `${code}.traineddata`));
        // Unzipped: no gzip magic, and larger than the gzipped file.
        expect([file[0], file[1]]).not.toEqual([0x1f, 0x8b]);
        expect(file.length).toBeGreaterThan(statSync(code === 'eng' ? eng!.gzPath : osd.gzPath).size);
      }
    } finally {
      await folder.dispose();
    }
    expect(existsSync(folder.dir)).toBe(false);
  });
});
