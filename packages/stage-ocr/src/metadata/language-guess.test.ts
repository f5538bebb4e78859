import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { evalDir, hasEval, noteSkip } from '@bookpipe/testkit';
import { describe, expect, it } from 'vitest';
import { guessLanguage, languageOfTesseractCode } from './language-guess.js';

noteSkip('language-guess.test.ts');

describe('guessLanguage', () => {
  it('maps tesseract codes to ISO 639-1', () => {
    expect(languageOfTesseractCode('eng')).toBe('en');
    expect(languageOfTesseractCode('deu')).toBe('de');
    expect(languageOfTesseractCode('chi_sim')).toBeUndefined();
  });
  it('has nothing to say about a text without words', () => {
    expect(guessLanguage('1892 — 17 ...')).toBeNull();
  });

  describe.skipIf(!hasEval)('on the truth texts of ../shared/eval', () => {
    it('reads English on every old-books page and ajmc page', () => {
      const files = [
        ...readdirSync(join(evalDir, 'old-books'))
          .filter((f) => f.endsWith('.txt'))
          .map((f) => join(evalDir, 'old-books', f)),
        ...readdirSync(join(evalDir, 'ajmc-commentaries', 'derived'))
          .filter((f) => f.endsWith('.txt'))
          .map((f) => join(evalDir, 'ajmc-commentaries', 'derived', f)),
      ];
      const wrong = files.map((f) => ({ f, guess: guessLanguage(readFileSync(f, 'utf8')) })).filter(({ guess }) => guess?.language !== 'en');
      expect(files.length).toBeGreaterThan(40);
      expect(wrong).toEqual([]);
    });
    it('reads French, Latin and German in the vd-sbb transcriptions (PAGE-XML text, long s included)', () => {
      const works: Record<string, string> = {
        borrdisc_689809840: 'fr',
        catapabin_657601357: 'fr',
        baltdiss_77478492X: 'la',
        baurodwe_665546211: 'de',
        dubivehie_775844071_0002: 'de',
      };
      for (const [work, language] of Object.entries(works)) {
        const dir = join(evalDir, 'vd-sbb', work);
        const xml = readdirSync(dir)
          .filter((f) => f.startsWith('OCR-D-GT-PAGE_'))
          .map((f) => readFileSync(join(dir, f), 'utf8'))
          .join('\n');
        // The text of each line (TextLine > TextEquiv > Unicode), not of each word or glyph.
        const text = [...xml.matchAll(/<pc:TextLine\b[\s\S]*?<\/pc:TextLine>/g)]
          .map((m) => /<pc:TextEquiv[^>]*>\s*<pc:Unicode>([^<]*)<\/pc:Unicode>\s*<\/pc:TextEquiv>\s*<\/pc:TextLine>/.exec(m[0])?.[1] ?? '')
          .join(' ');
        expect(guessLanguage(text)?.language, work).toBe(language);
      }
    });
  });
});
