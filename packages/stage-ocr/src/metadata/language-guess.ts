/**
 * The book's language from its own words: the share of each language's commonest words among the
 * words of the first pages. Cheap and good enough to tell English, French, German, Latin, Italian,
 * Spanish, Dutch and Portuguese apart on a page of running text; a title page alone has too few words.
 */

/** Languages told apart, by ISO 639-1 code (as metadata.json stores it), with their tesseract code. */
export const GUESSED_LANGUAGES = {
  en: {
    tesseract: 'eng',
    stopwords: 'the of and to in a is that it was for with as he his on be by at not this which but from or had have are they her you were all we',
  },
  fr: {
    tesseract: 'fra',
    stopwords:
      'le la les de des et à un une du en que qui dans pour par sur au aux ne pas est il elle se ce avec sont son sa ses plus nous vous on leur été mais',
  },
  de: {
    tesseract: 'deu',
    stopwords:
      'der die das und zu den von mit ist des sich nicht auf ein eine dem im auch es an als so wie aus bei nach daß dass er sie wird werden oder wir ich',
  },
  la: {
    tesseract: 'lat',
    stopwords: 'et in est ad cum non ut quod qui quae sed per ex ab sunt esse hoc etiam enim vel aut atque nec quam autem eius sic tamen ac quo quibus',
  },
  it: {
    tesseract: 'ita',
    stopwords: 'il di che e la le per un una del della non con si da sono lo gli dei nel alla come più ma anche questo era suo sua essere',
  },
  es: { tesseract: 'spa', stopwords: 'el la de que y en los las del se por con un una para es al lo como más pero sus su le ha fue ser este esta' },
  nl: { tesseract: 'nld', stopwords: 'de het een en van in is dat op te zijn met voor niet aan er om ook als bij door maar hij zij wordt werd' },
  pt: { tesseract: 'por', stopwords: 'o a os as de do da dos das e que em um uma para com não por se na no mais como mas foi ao pela pelo' },
} as const;

export type GuessedLanguage = keyof typeof GUESSED_LANGUAGES;

const STOPWORDS = new Map<GuessedLanguage, ReadonlySet<string>>(
  Object.entries(GUESSED_LANGUAGES).map(([code, { stopwords }]) => [code as GuessedLanguage, new Set(stopwords.split(' '))]),
);

/** The ISO 639-1 code of a tesseract language code, or undefined when it is not one of {@link GUESSED_LANGUAGES}. */
export function languageOfTesseractCode(code: string): GuessedLanguage | undefined {
  return (Object.keys(GUESSED_LANGUAGES) as GuessedLanguage[]).find((k) => GUESSED_LANGUAGES[k].tesseract === code);
}

export interface LanguageGuess {
  language: GuessedLanguage;
  /** Share of the words that are this language's stopwords. */
  share: number;
  /** The same share for the runner-up language. */
  runnerUpShare: number;
  /** Words counted. */
  words: number;
}

/** The language whose stopwords are the largest share of `text`'s words, or null for a text without words. */
export function guessLanguage(text: string): LanguageGuess | null {
  // Long s (ſ) is an s; apostrophes split elisions (l'homme -> l homme) so French articles count.
  const words = text
    .normalize('NFC')
    .replace(/ſ/g, 's')
    .toLowerCase()
    .split(/[^\p{L}]+/u)
    .filter((w) => w.length > 0);
  if (words.length === 0) return null;
  const shares = [...STOPWORDS].map(([language, set]) => ({ language, share: words.filter((w) => set.has(w)).length / words.length }));
  shares.sort((a, b) => b.share - a.share);
  const [best, second] = shares;
  return { language: best!.language, share: best!.share, runnerUpShare: second?.share ?? 0, words: words.length };
}
