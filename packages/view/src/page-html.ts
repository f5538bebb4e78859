import type { BBox } from '@bookpipe/contracts';
import { classCss, className } from './class-colours.js';
import { formatConfidence, formatShare, htmlDocument, pageHtmlName } from './document.js';
import { html, join, type SafeHtml } from './html.js';
import { legend } from './legend.js';
import type { PageModel, ViewBlock, ViewParagraph } from './page-model.js';
import type { TextToken } from './text-diff.js';

/** What a page's HTML needs to know about the book around it. */
export interface PageContext {
  scanId: string;
  title: string | null;
  /** Page numbers of the book, to link the previous and next pages. */
  pages: readonly number[];
  /** Pipeline stages that have not run on this scan at all (correction, label, merge...). */
  missingStages: readonly string[];
}

/** Box attributes in source-image pixels: the SVG's viewBox is the image size, so they scale with it. */
function box(b: BBox): SafeHtml {
  return html`x="${b.x}" y="${b.y}" width="${b.width}" height="${b.height}"`;
}

function overlay(model: PageModel): SafeHtml {
  const blocks = model.blocks;
  const pars = blocks.flatMap((b) => b.paragraphs.map((p) => ({ b, p })));
  return html`<g class="ov">
<g class="ov-blocks">${blocks.map((b) => html`<rect class="blk ${classCss(b.cls)}" id="box-b${b.blockNum}" ${box(b.bbox)}><title>block ${b.blockNum}: ${className(b.cls)}${b.classConfidence === null ? '' : ` (${formatConfidence(b.classConfidence)})`}</title></rect>`)}</g>
<g class="ov-pars">${pars.map(({ b, p }) => html`<rect class="par ${classCss(b.cls)}" id="box-b${b.blockNum}-p${p.parNum}" ${box(p.bbox)}/>`)}</g>
<g class="ov-lines">${pars.flatMap(({ p }) => p.lines.map((l) => html`<rect class="line" ${box(l.bbox)}/>`))}</g>
<g class="ov-words">${pars.flatMap(({ p }) => p.lines.flatMap((l) => l.words.map((w) => html`<rect class="word${w.low ? ' low' : ''}" ${box(w.bbox)}><title>${w.text} (${formatConfidence(w.confidence)})</title></rect>`)))}</g>
</g>`;
}

function figure(model: PageModel): SafeHtml {
  const { width, height, image } = model;
  return html`<figure class="scan">
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" role="img" aria-label="Page ${model.page} with its OCR boxes">
${image ? html`<image href="${image.href}" x="0" y="0" width="${width}" height="${height}" preserveAspectRatio="none"/>` : html`<rect x="0" y="0" width="${width}" height="${height}" fill="#f1f5f9"/>`}
${overlay(model)}
</svg>
</figure>`;
}

/** Runs of tokens of one kind, so that "in- vestigate" reads as one deletion. */
function runs(tokens: readonly TextToken[]): TextToken[][] {
  const out: TextToken[][] = [];
  for (const token of tokens) {
    const last = out.at(-1);
    if (last && token.kind !== 'same' && last[0]!.kind === token.kind) last.push(token);
    else out.push([token]);
  }
  return out;
}

function word(token: TextToken, lowConfidence: number): SafeHtml | string {
  if (token.confidence !== null && token.confidence < lowConfidence) {
    return html`<mark class="low" title="OCR confidence ${formatConfidence(token.confidence)}">${token.text}</mark>`;
  }
  return token.text;
}

export function paragraphText(tokens: readonly TextToken[], lowConfidence: number): SafeHtml {
  return join(
    runs(tokens).map((run) => {
      const words = join(
        run.map((t) => word(t, lowConfidence)),
        ' ',
      );
      const kind = run[0]!.kind;
      if (kind === 'removed') return html`<del title="read by OCR, not in the final text">${words}</del>`;
      if (kind === 'added') return html`<ins title="not read by OCR">${words}</ins>`;
      return words;
    }),
    ' ',
  );
}

function sourceNote(p: ViewParagraph): string {
  if (p.textSource === 'ocr') return p.changed ? '' : 'OCR text';
  const who = p.textSource === 'merge' ? 'final text' : 'corrected';
  return p.changed ? `${who}, changed` : `${who}, unchanged`;
}

function textColumn(model: PageModel): SafeHtml {
  if (!model.hasOcr) return html`<section class="text"><p class="muted">No OCR text for this page.</p></section>`;
  if (model.blocks.length === 0) return html`<section class="text"><p class="muted">OCR found no text on this page.</p></section>`;
  return html`<section class="text" aria-label="Text">
${model.blocks.map((b: ViewBlock) =>
  b.paragraphs.map(
    (p) => html`<div class="ptext ${classCss(b.cls)}" id="t-b${b.blockNum}-p${p.parNum}">
<span class="meta"><a href="#box-b${b.blockNum}-p${p.parNum}">block ${b.blockNum} ¶${p.parNum}</a> · ${className(b.cls)}${b.classConfidence === null ? '' : ` ${formatConfidence(b.classConfidence)}`}${sourceNote(p) ? ` · ${sourceNote(p)}` : ''}${p.notes ? html` · <span title="correction notes">${p.notes}</span>` : ''}</span>
<p>${paragraphText(p.tokens, model.lowConfidence)}</p>
</div>
`,
  ),
)}</section>`;
}

function printedFact(model: PageModel): SafeHtml | string {
  const printed = model.printed;
  if (!printed) return model.has.label || model.has.merge ? 'not known' : 'not known (the label stage has not run)';
  if (printed.value === null) return 'none printed';
  return html`<strong>${printed.value}</strong>${printed.inferred ? ' (inferred from the neighbouring pages)' : ''}`;
}

function continuationFact(model: PageModel): string {
  const c = model.continuation;
  if (!c) return 'not known (no merge page)';
  const parts = [c.fromPrevious ? `continues from page ${model.page - 1}` : 'starts fresh', c.toNext ? `runs on to page ${model.page + 1}` : 'ends here'];
  if (c.endsWithHyphen) parts.push('ends with a hyphenated word');
  return parts.join('; ');
}

function facts(model: PageModel, ctx: PageContext): SafeHtml {
  return html`<dl class="facts">
<dt>scan page</dt><dd>${model.page} of ${ctx.pages.length}</dd>
<dt>printed page number</dt><dd>${printedFact(model)}</dd>
<dt>merge continuation</dt><dd>${continuationFact(model)}</dd>
<dt>OCR</dt><dd>${model.hasOcr ? `mean confidence ${formatConfidence(model.meanConfidence)}, ${model.words} words, ${model.lowWords} under ${model.lowConfidence.toFixed(2)} (${formatShare(model.lowWords, model.words)})${model.rotation ? `, turned ${model.rotation}° before reading` : ''}` : 'no OCR page'}</dd>
<dt>text</dt><dd>${model.changedParagraphs} of ${model.paragraphs} paragraphs changed from the OCR text</dd>
<dt>failures</dt><dd>${model.failures.length + model.unreadable.length === 0 ? 'none' : join([...model.failures.map((f) => html`<strong>${f.stage}</strong> failed: ${f.error}`), ...model.unreadable.map((f) => html`<strong>${f.stage}</strong> page unreadable: ${f.error}`)], '; ')}</dd>
</dl>`;
}

function notices(model: PageModel, ctx: PageContext): SafeHtml {
  const missing =
    ctx.missingStages.length > 0
      ? html`<p class="notice">Stages not run on this scan: ${ctx.missingStages.join(', ')}. ${!model.has.correction && !model.has.merge ? 'The text is shown as OCR read it. ' : ''}${!model.has.label && !model.has.merge ? 'Blocks are not classified.' : ''}</p>`
      : '';
  const failed =
    model.failures.length > 0
      ? html`<p class="notice error">This page failed in ${model.failures.map((f) => f.stage).join(', ')}: see the facts above.</p>`
      : '';
  const flags = model.correctionFlags;
  const refused =
    flags.length > 0
      ? html`<p class="notice">The correction model's text was refused for ${flags.length} paragraph(s), which keep the OCR text: ${join(
          flags.map(
            (f) =>
              html`<a href="#box-b${f.blockNum}-p${f.parNum}">block ${f.blockNum} ¶${f.parNum}</a> ${f.reason === 'empty' ? 'emptied' : 'rewritten'} (${f.detail})`,
          ),
          '; ',
        )}.</p>`
      : '';
  return html`${missing}${failed}${refused}`;
}

function pager(model: PageModel, ctx: PageContext): SafeHtml {
  const index = ctx.pages.indexOf(model.page);
  const prev = index > 0 ? ctx.pages[index - 1] : undefined;
  const next = index >= 0 && index < ctx.pages.length - 1 ? ctx.pages[index + 1] : undefined;
  return html`<nav class="pager" aria-label="Pages">
<a href="../index.html#page-${model.page}">Book summary</a>
${prev === undefined ? html`<span class="muted">← previous</span>` : html`<a rel="prev" href="${pageHtmlName(prev)}">← page ${prev}</a>`}
${next === undefined ? html`<span class="muted">next →</span>` : html`<a rel="next" href="${pageHtmlName(next)}">page ${next} →</a>`}
<span class="spacer"></span><span class="muted">${ctx.title ?? ctx.scanId}</span>
</nav>`;
}

function controls(): SafeHtml {
  const box = (id: string, label: string, checked: boolean) => html`<label><input type="checkbox" id="${id}"${checked ? html` checked` : ''}> ${label}</label>`;
  return html`<div class="controls" role="group" aria-label="Overlay">
${box('t-overlay', 'overlay', true)} ${box('t-blocks', 'blocks', true)} ${box('t-pars', 'paragraphs', false)} ${box('t-lines', 'lines', false)} ${box('t-words', 'all words', false)} ${box('t-low', 'low-confidence words', true)}
</div>`;
}

/** The HTML of one page: the image with its boxes, the text beside it, the page's facts. */
export function pageHtml(model: PageModel, ctx: PageContext): string {
  const present = new Map<string | null, number>();
  for (const b of model.blocks) present.set(b.cls, (present.get(b.cls) ?? 0) + 1);
  const classes = [...present].map(([cls, count]) => ({ cls, count }));
  const body = html`${pager(model, ctx)}
<header>
<h1>Page ${model.page}${model.printed?.value ? html` <span class="muted">· printed ${model.printed.value}</span>` : ''}</h1>
${facts(model, ctx)}
${notices(model, ctx)}
${controls()}
${legend(classes, { lowConfidence: model.lowConfidence })}
</header>
<main class="layout">
${figure(model)}
${textColumn(model)}
</main>`;
  return htmlDocument({ title: `Page ${model.page} · ${ctx.title ?? ctx.scanId}`, bodyClass: 'page', body });
}
