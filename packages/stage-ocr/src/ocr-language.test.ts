/**
 * The language chosen from a book's first pages when none was given: Latin is read with `eng` beside
 * `lat`, German and French with their own model alone, and ocr/language.json's reason says which and why.
 */
import { smallPage } from '@bookpipe/testkit';
import { describe, expect, it } from 'vitest';
import { bookLanguage, chooseGuessedLanguage, LanguageChoiceSchema, languageInstalled, READ_WITH_ENG } from './ocr-language.js';

const MODEL = '4.0.0_best_int';

/** Pages 2-4 of a book, each holding the text once. */
const pagesOf = (text: string) => [2, 3, 4].map((page) => ({ page, ocr: smallPage(page, [[[text]]]) }));

const GERMAN =
  'Es ist nicht zu leugnen daß der Mensch in der Welt mit den Gaben die ihm von Gott gegeben sind auch sich selbst zu helfen weiß und wie er es auf sich nimmt so wird er bei dem Werk bleiben';
const LATIN =
  'Non est in nostra potestate ut quod volumus etiam faciamus sed per gratiam Dei quae est in Christo et ad salutem nostram data est ex qua omnia sunt atque in qua vel nos esse possumus';
const FRENCH =
  'Il est vrai que les hommes de ce temps ne sont pas plus sages que leurs pères et que la raison qui les conduit dans une affaire est souvent celle qui les perd dans une autre par leur faute';
const ENGLISH =
  'It was the best of times and it was the worst of times that the people of the town had known for all the years which they had lived in it with their children and their friends';
const ITALIAN =
  'Non è vero che il tempo della vita sia breve per chi lo sa usare e che la mente degli uomini non possa con il lavoro di ogni giorno arrivare alla conoscenza delle cose che sono nel mondo';

describe('chooseGuessedLanguage', () => {
  it('reads a book whose first pages look Latin with lat and eng beside it, saying why', () => {
    expect(languageInstalled('lat', MODEL)).toBe(true);
    const choice = LanguageChoiceSchema.parse(chooseGuessedLanguage(pagesOf(LATIN), MODEL));
    expect(choice).toMatchObject({ language: 'lat+eng', source: 'guessed', guess: { language: 'la', pages: [2, 3, 4] } });
    expect(choice.reason).toContain('page(s) 2, 3, 4 look like "lat"');
    expect(choice.reason).toContain(`read with lat+eng, the lat model with eng beside it, because ${READ_WITH_ENG.lat}`);
  });

  it.each([
    ['German', GERMAN, 'deu'],
    ['French', FRENCH, 'fra'],
  ])('reads a book whose first pages look %s with its own model alone', (_, text, code) => {
    expect(languageInstalled(code, MODEL)).toBe(true);
    const choice = LanguageChoiceSchema.parse(chooseGuessedLanguage(pagesOf(text), MODEL));
    expect(choice).toMatchObject({ language: code, source: 'guessed', guess: { pages: [2, 3, 4] } });
    expect(choice.reason).toMatch(
      new RegExp(`^page\\(s\\) 2, 3, 4 look like "${code}" \\(\\d+% of \\d+ words are its commonest words\\): read with the ${code} model$`),
    );
  });

  it('reads an English book with eng alone', () => {
    const choice = chooseGuessedLanguage(pagesOf(ENGLISH), MODEL);
    expect(choice).toMatchObject({ language: 'eng', source: 'guessed', reason: 'page(s) 2, 3, 4 read as English' });
  });

  it('reads with eng, naming the package, when the guessed language is not installed', () => {
    expect(languageInstalled('ita', MODEL)).toBe(false);
    const choice = chooseGuessedLanguage(pagesOf(ITALIAN), MODEL);
    expect(choice).toMatchObject({ language: 'eng', source: 'default', guess: { language: 'it' } });
    expect(choice.reason).toContain('npm install @tesseract.js-data/ita');
  });

  it('reads with eng when the first pages hold too few words to tell', () => {
    const choice = chooseGuessedLanguage([{ page: 1, ocr: smallPage(1, [[['DE GRATIA DEI']]]) }], MODEL);
    expect(choice).toMatchObject({ language: 'eng', source: 'default' });
    expect(choice.reason).toMatch(/^too few words on page\(s\) 1/);
  });
});

describe('bookLanguage', () => {
  it('is the guessed language, not the eng read beside it, for the metadata reader', () => {
    expect(bookLanguage(chooseGuessedLanguage(pagesOf(LATIN), MODEL))).toBe('lat');
    expect(bookLanguage(chooseGuessedLanguage(pagesOf(GERMAN), MODEL))).toBe('deu');
  });

  it('is the language given, as given', () => {
    expect(bookLanguage({ language: 'lat+eng', source: 'config', reason: 'BOOKPIPE_OCR_LANG or --lang' })).toBe('lat+eng');
    expect(bookLanguage({ language: 'deu+lat', source: 'option', reason: "the OCR stage's language option" })).toBe('deu+lat');
  });
});
