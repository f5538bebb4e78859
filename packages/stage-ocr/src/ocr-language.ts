import type { OcrPage } from '@bookpipe/contracts';
import type { StageContext } from '@bookpipe/core';
import { z } from 'zod';
import { resolveLanguageFiles } from './language-data.js';
import { GUESSED_LANGUAGES, guessLanguage, type LanguageGuess } from './metadata/language-guess.js';
import type { OcrModel } from './options.js';
import { ocrPageText } from './page-text.js';

/** `ocr/language.json`: the language the pages were read with, and why. */
export const LANGUAGE_FILE = 'language.json';

export const LanguageChoiceSchema = z.object({
  /** Tesseract code(s) the pages were read with, "+"-separated. */
  language: z.string(),
  /** `option`: the stage's `language`; `config`: BOOKPIPE_OCR_LANG or `--lang`; `guessed`: from the first pages; `default`: eng. */
  source: z.enum(['option', 'config', 'guessed', 'default']),
  reason: z.string(),
  guess: z.object({ language: z.string(), share: z.number(), runnerUpShare: z.number(), words: z.number(), pages: z.array(z.number()) }).optional(),
});
export type LanguageChoice = z.infer<typeof LanguageChoiceSchema>;

/** Fewest words, and smallest stopword share, for a guess to pick a model (a title page alone has too few). */
const MIN_WORDS = 40;
const MIN_SHARE = 0.08;

/** Whether `@tesseract.js-data/<code>` is installed with the model folder asked for. */
export function languageInstalled(code: string, model: OcrModel): boolean {
  try {
    resolveLanguageFiles([code], model);
    return true;
  } catch {
    return false;
  }
}

/**
 * Guessed languages whose model is read with `eng` beside it (`lat+eng`: tesseract reads each word with
 * both and keeps the likelier reading), and why. A property of the installed model, not of a book:
 * tesseract's `lat` LSTM is smaller than `eng`'s and can write none of `§ % + = ° #` or curly quotes,
 * which Latin books use (dissertations and law number their sections with `§`), while Latin print is
 * the roman and italic type `eng` reads well. On both vd-sbb Latin works `lat` alone read worse than
 * `eng`, and `lat+eng` better than either. `deu` and `fra` read their books better than `eng` on their
 * own; `+eng` bought them little (German: better on 3 works, worse on 2) for about half as much OCR time
 * again, so they are read alone. Figures: packages/stage-ocr/README.md ("Languages").
 */
export const READ_WITH_ENG: Readonly<Record<string, string>> = {
  lat: 'the lat model lacks characters Latin books print (§, %, +, curly quotes) and on its own reads old Latin print worse than eng; lat+eng reads it better than either',
};

/**
 * The language to read a book with when none was chosen: the language its first pages (read with
 * `eng`) are written in, when its model is installed (with `eng` beside it for the languages of
 * {@link READ_WITH_ENG}); else `eng`, saying which package would help.
 */
export function chooseGuessedLanguage(pages: ReadonlyArray<{ page: number; ocr: OcrPage }>, model: OcrModel): LanguageChoice {
  const text = pages.map(({ ocr }) => ocrPageText(ocr)).join('\n');
  const guess: LanguageGuess | null = guessLanguage(text);
  const numbers = pages.map(({ page }) => page);
  if (!guess || guess.words < MIN_WORDS || guess.share < MIN_SHARE) {
    return {
      language: 'eng',
      source: 'default',
      reason: `too few words on page(s) ${numbers.join(', ') || '-'} to tell the language (${guess?.words ?? 0} words): read with eng`,
    };
  }
  const code = GUESSED_LANGUAGES[guess.language].tesseract;
  const detail = { ...guess, pages: numbers };
  if (code === 'eng') return { language: 'eng', source: 'guessed', reason: `page(s) ${numbers.join(', ')} read as English`, guess: detail };
  if (!languageInstalled(code, model)) {
    return {
      language: 'eng',
      source: 'default',
      reason: `page(s) ${numbers.join(', ')} look like "${code}", whose OCR model is not installed: read with eng. Install @tesseract.js-data/${code} (npm install @tesseract.js-data/${code}) or give --lang`,
      guess: detail,
    };
  }
  const looks = `page(s) ${numbers.join(', ')} look like "${code}" (${Math.round(guess.share * 100)}% of ${guess.words} words are its commonest words)`;
  const withEng = READ_WITH_ENG[code];
  if (withEng !== undefined && languageInstalled('eng', model)) {
    return {
      language: `${code}+eng`,
      source: 'guessed',
      reason: `${looks}: read with ${code}+eng, the ${code} model with eng beside it, because ${withEng}`,
      guess: detail,
    };
  }
  return { language: code, source: 'guessed', reason: `${looks}: read with the ${code} model`, guess: detail };
}

/**
 * The language the book is written in, as tesseract code(s), for the metadata reader: what was read
 * with, except that a guessed language read with `eng` beside it (`lat+eng`) is still the one language
 * the pages looked like (`lat`).
 */
export function bookLanguage(choice: LanguageChoice): string {
  const guessed =
    choice.source === 'guessed' && choice.guess ? (GUESSED_LANGUAGES as Record<string, { tesseract: string } | undefined>)[choice.guess.language] : undefined;
  return guessed?.tesseract ?? choice.language;
}

export async function readLanguageChoice(ctx: StageContext): Promise<LanguageChoice | null> {
  try {
    return LanguageChoiceSchema.parse(JSON.parse(await ctx.output.readFile(LANGUAGE_FILE)));
  } catch {
    return null;
  }
}

export async function writeLanguageChoice(ctx: StageContext, choice: LanguageChoice): Promise<void> {
  await ctx.output.writeFile(LANGUAGE_FILE, `${JSON.stringify(LanguageChoiceSchema.parse(choice), null, 2)}\n`);
}
