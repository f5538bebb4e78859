import { html, type SafeHtml } from './html.js';

/** Number of bins of the word confidence histogram (0.05 wide). */
export const HISTOGRAM_BINS = 20;

/** Counts of word confidences per bin of width 1/bins; 1.0 falls in the last bin. */
export function histogramCounts(confidences: Iterable<number>, bins = HISTOGRAM_BINS): number[] {
  const counts = new Array<number>(bins).fill(0);
  for (const c of confidences) counts[Math.min(bins - 1, Math.max(0, Math.floor(c * bins)))]! += 1;
  return counts;
}

/** Adds `more` into `into`, bin by bin. */
export function addCounts(into: number[], more: readonly number[]): void {
  more.forEach((n, i) => {
    into[i] = (into[i] ?? 0) + n;
  });
}

/**
 * The histogram as inline SVG (no chart library, nothing to load): one bar per bin, bars under the
 * low-confidence threshold in red, a dashed line at the threshold, counts in each bar's tooltip.
 */
export function histogramSvg(counts: readonly number[], options: { lowConfidence: number }): SafeHtml {
  const W = 600;
  const H = 180;
  const left = 44;
  const bottom = 24;
  const top = 8;
  const plotW = W - left - 8;
  const plotH = H - bottom - top;
  const max = Math.max(1, ...counts);
  const bw = plotW / counts.length;
  const bars = counts.map((n, i) => {
    const h = (n / max) * plotH;
    const from = i / counts.length;
    const to = (i + 1) / counts.length;
    const low = to <= options.lowConfidence + 1e-9;
    return html`<rect class="bar${low ? ' low' : ''}" x="${(left + i * bw + 1).toFixed(1)}" y="${(top + plotH - h).toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${h.toFixed(1)}"><title>${from.toFixed(2)}–${to.toFixed(2)}: ${n} words</title></rect>`;
  });
  const ticks = [0, 0.2, 0.4, 0.6, 0.8, 1].map(
    (t) => html`<text x="${(left + t * plotW).toFixed(1)}" y="${H - 6}" text-anchor="middle">${t.toFixed(1)}</text>`,
  );
  const tx = (left + options.lowConfidence * plotW).toFixed(1);
  return html`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" role="img" aria-label="Histogram of OCR word confidences">
<line x1="${left}" y1="${top + plotH}" x2="${W - 8}" y2="${top + plotH}" stroke="#9ca3af"/>
${bars}
${ticks}
<text x="${left - 6}" y="${top + 10}" text-anchor="end">${max}</text>
<text x="${left - 6}" y="${top + plotH}" text-anchor="end">0</text>
<line class="threshold" x1="${tx}" y1="${top}" x2="${tx}" y2="${top + plotH}"><title>low-confidence threshold ${options.lowConfidence.toFixed(2)}</title></line>
</svg>`;
}
