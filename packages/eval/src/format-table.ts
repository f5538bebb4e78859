import type { EvalResult } from './eval-schema.js';
import { SCORED_CLASSES } from './label-scores.js';
import { LINE_KINDS } from './line-scores.js';

const pct = (rate: number | null | undefined) => (rate === null || rate === undefined ? '-' : `${(rate * 100).toFixed(1)}%`);

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) =>
    r
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join('  ')
      .trimEnd(),
  );
}

/**
 * The result as a terminal table: one row per page and an overall row (normalised CER / WER of the OCR,
 * corrected and merged text, printed page number), then the raw overall rates and label precision / recall.
 */
export function formatEvalTable(result: EvalResult): string {
  const rows: string[][] = [['page', 'truth', 'OCR CER', 'WER', 'corr. CER', 'WER', 'merged CER', 'WER', 'page no. (truth/read)']];
  for (const p of result.pages) {
    const n = p.text;
    rows.push([
      String(p.page),
      p.truth.key,
      pct(n.ocr?.normalized.cer.rate),
      pct(n.ocr?.normalized.wer.rate),
      pct(n.corrected?.normalized.cer.rate),
      pct(n.corrected?.normalized.wer.rate),
      pct(n.merged?.normalized.cer.rate),
      pct(n.merged?.normalized.wer.rate),
      p.pageNumber ? `${p.pageNumber.truth}/${p.pageNumber.predicted ?? '-'}${p.pageNumber.correct ? '' : ' x'}` : '',
    ]);
  }
  const o = result.overall;
  const numbers = o.pageNumbers ? `${o.pageNumbers.correct}/${o.pageNumbers.pages} right` : '';
  rows.push([
    'all',
    `${result.pages.length} pages`,
    pct(o.ocr?.normalized.cer.rate),
    pct(o.ocr?.normalized.wer.rate),
    pct(o.corrected?.normalized.cer.rate),
    pct(o.corrected?.normalized.wer.rate),
    pct(o.merged?.normalized.cer.rate),
    pct(o.merged?.normalized.wer.rate),
    numbers,
  ]);
  const lines = [`Scan "${result.scanId}" against ${result.truthFolder} (normalised text; overall = total edits / total truth length)`, ...table(rows)];
  const raw = (name: string, s: EvalResult['overall']['ocr']) => (s ? `${name} CER ${pct(s.raw.cer.rate)} WER ${pct(s.raw.wer.rate)}` : null);
  const raws = [raw('OCR', o.ocr), raw('corrected', o.corrected), raw('merged', o.merged)].filter(Boolean);
  if (raws.length > 0) lines.push(`raw (NFC, whitespace only): ${raws.join('; ')}`);
  const merged = result.pages.find((p) => p.text.merged)?.text.merged?.reference;
  if (merged)
    lines.push(`merged text compared with the truth's ${merged === 'body' ? 'reading text (running heads, feet and page numbers left out)' : 'whole page'}`);
  if (o.labels) {
    const cells = SCORED_CLASSES.filter((c) => o.labels![c].predicted + o.labels![c].regions > 0).map(
      (c) =>
        `${c} P ${pct(o.labels![c].precision)} (${o.labels![c].correct}/${o.labels![c].predicted}) R ${pct(o.labels![c].recall)} (${o.labels![c].found}/${o.labels![c].regions})`,
    );
    lines.push(`labels: ${cells.join('; ')}`);
  }
  const lineLabels = o.lineLabels;
  if (lineLabels) {
    const cells = LINE_KINDS.filter((c) => lineLabels[c].predicted + lineLabels[c].regions > 0).map(
      (c) =>
        `${c} P ${pct(lineLabels[c].precision)} (${lineLabels[c].correct}/${lineLabels[c].predicted}) R ${pct(lineLabels[c].recall)} (${lineLabels[c].found}/${lineLabels[c].regions})`,
    );
    if (cells.length > 0) lines.push(`furniture lines: ${cells.join('; ')}`);
  }
  const blanks = [o.ocr, o.corrected, o.merged]
    .map((s, i) =>
      s?.blankPages && s.blankPages.pages > 0
        ? `${['OCR', 'corrected', 'merged'][i]} read ${s.blankPages.hypothesisChars} characters on ${s.blankPages.pages} (page ${s.blankPages.page.join(', ')})`
        : null,
    )
    .filter(Boolean);
  if (blanks.length > 0) lines.push(`blank truth pages (no text to compare with), left out of the overall rates: ${blanks.join('; ')}`);
  const pua = result.pages.reduce((s, p) => s + p.truth.privateUseChars, 0);
  if (pua > 0) lines.push(`note: the truth holds ${pua} private-use characters (MUFI glyphs), counted as errors in both forms`);
  if (result.unmatchedTruth.length > 0) lines.push(`not scored: ${result.unmatchedTruth.length} truth page(s) match no scan page`);
  for (const [stage, pages] of Object.entries(result.missingPages)) lines.push(`missing: ${stage} has no page file for page(s) ${pages.join(', ')}`);
  return `${lines.join('\n')}\n`;
}
