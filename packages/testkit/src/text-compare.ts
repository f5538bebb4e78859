/**
 * Character error rates between OCR texts and truth texts, for the OCR tests and the OCR bench.
 */
import { editDistance } from '@bookpipe/text';

/**
 * Normalises text for comparison: Unicode compatibility forms (ligatures), typographic quotes and dashes
 * to ASCII, long s to s, line-end hyphens joined ("in-\nvestigate" -> "investigate"), all whitespace
 * runs to one space.
 */
export function normalizeText(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/[\u2018\u2019\u201a\u201b\u2032`´]/g, "'")
    .replace(/[\u201c\u201d\u201e\u201f\u2033]/g, '"')
    .replace(/[\u2010-\u2015\u2212]/g, '-')
    .replace(/\u017f/g, 's')
    .replace(/(\p{L})-[ \t]*\n\s*(?=\p{Ll})/gu, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Character error rate of `hypothesis` against `reference`: edits / reference length. */
export function cer(reference: string, hypothesis: string): number {
  const ref = normalizeText(reference);
  return editDistance(ref, normalizeText(hypothesis)) / Math.max(1, ref.length);
}

/**
 * Character error rate of the reference against the best-matching stretch of the hypothesis: text the
 * OCR read before and after it costs nothing. For truth that leaves out the running header at the top
 * and the page number at the bottom (Gutenberg texts of scanned pages), this scores the body text only.
 */
export function bodyCer(reference: string, hypothesis: string): number {
  const ref = normalizeText(reference);
  const hyp = normalizeText(hypothesis);
  // Rows over the reference, columns over the hypothesis; row 0 is all zeros (free hypothesis prefix).
  let prev = new Uint32Array(hyp.length + 1);
  let cur = new Uint32Array(hyp.length + 1);
  for (let i = 1; i <= ref.length; i++) {
    cur[0] = i;
    const cr = ref.charCodeAt(i - 1);
    for (let j = 1; j <= hyp.length; j++) {
      const sub = prev[j - 1]! + (cr === hyp.charCodeAt(j - 1) ? 0 : 1);
      cur[j] = Math.min(sub, prev[j]! + 1, cur[j - 1]! + 1);
    }
    [prev, cur] = [cur, prev];
  }
  // The best end column: a free hypothesis suffix.
  return Math.min(...prev) / Math.max(1, ref.length);
}

/**
 * Share of the reference's words (lowercased, letters and digits only) found in the hypothesis, counted
 * with multiplicity and in any order: agreement of two readings whose reading order differs (columns
 * of a skewed page read across), where a character error rate would mostly count the order.
 */
export function wordRecall(reference: string, hypothesis: string): number {
  const words = (t: string) =>
    normalizeText(t)
      .toLowerCase()
      .split(' ')
      .map((w) => w.replace(/[^\p{L}\p{N}]/gu, ''))
      .filter((w) => w.length > 0);
  const available = new Map<string, number>();
  for (const w of words(hypothesis)) available.set(w, (available.get(w) ?? 0) + 1);
  const ref = words(reference);
  let found = 0;
  for (const w of ref) {
    const n = available.get(w) ?? 0;
    if (n > 0) {
      found++;
      available.set(w, n - 1);
    }
  }
  return found / Math.max(1, ref.length);
}
