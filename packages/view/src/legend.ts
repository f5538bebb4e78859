import { classCss, className } from './class-colours.js';
import { html, type SafeHtml } from './html.js';

/**
 * The key to the colours: one swatch per block class given (with a count when known), plus the marks
 * of the text column. Classes are listed in the order given.
 */
export function legend(classes: readonly { cls: string | null; count?: number }[], options: { lowConfidence: number }): SafeHtml {
  return html`<ul class="legend" aria-label="Legend">
${classes.map(
  ({
    cls,
    count,
  }) => html`<li><span class="swatch ${classCss(cls)}"></span>${className(cls)}${count === undefined ? '' : html` <span class="muted">(${count})</span>`}</li>
`,
)}<li><span class="swatch low"></span>OCR word confidence under ${options.lowConfidence.toFixed(2)}: <mark class="low">underlined</mark></li>
<li><del>removed</del>&nbsp;/&nbsp;<ins>added</ins> by correction or merge</li>
</ul>`;
}
