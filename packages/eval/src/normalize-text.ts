/**
 * How texts are made comparable before scoring. Two forms are scored and both are reported:
 *
 * - `raw`: Unicode NFC (so that "é" typed as one or two code points is one character), every run of
 *   whitespace (line ends included) made one space, trimmed. Nothing else: a ligature, a long s or a
 *   line-end hyphen the OCR kept counts as an error.
 * - `normalized`: `raw`, after Unicode NFKC (ligatures such as "ﬁ" -> "fi"), long s "ſ" -> "s", typographic
 *   quotes and dashes (including the Fraktur double hyphen "⸗") to their ASCII forms, soft hyphens removed,
 *   and words broken by a line-end hyphen joined when the next line starts in lower case ("in-\nvestigate"
 *   -> "investigate"), as a reader (and Gutenberg-style truth) has them.
 *
 * Private-use characters (MUFI glyphs of historical prints, as in OCR-D ground truth) are left alone in
 * both forms: no standard mapping exists for all of them, so they count as errors and the page records
 * how many the truth holds.
 */
export type TextForm = 'raw' | 'normalized';

export const TEXT_FORMS: readonly TextForm[] = ['raw', 'normalized'];

const collapse = (text: string) => text.replace(/\s+/gu, ' ').trim();

/** The text in the given form (see the module comment for exactly what each does). */
export function normalizeText(text: string, form: TextForm): string {
  if (form === 'raw') return collapse(text.normalize('NFC'));
  return collapse(
    text
      .normalize('NFKC')
      .replace(/\u00ad/gu, '')
      .replace(/\u017f/gu, 's')
      .replace(/[\u2018\u2019\u201a\u201b\u2032`\u00b4]/gu, "'")
      .replace(/[\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb]/gu, '"')
      .replace(/[\u2010-\u2015\u2212\u2e17\u2e3a\u2e3b]/gu, '-')
      // A word broken at a line end: the hyphen and the line break go, the halves join.
      .replace(/(\p{L})-[ \t]*\n\s*(?=\p{Ll})/gu, '$1'),
  ).normalize('NFC');
}

/** Private-use code points in a text (glyphs with no standard Unicode character). */
export function countPrivateUse(text: string): number {
  let count = 0;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if ((code >= 0xe000 && code <= 0xf8ff) || code >= 0xf0000) count += 1;
  }
  return count;
}

/** Words of a text already in a form: split at spaces. */
export function wordsOf(text: string): string[] {
  return text.length === 0 ? [] : text.split(' ');
}
