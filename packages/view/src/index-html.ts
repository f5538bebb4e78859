import type { BookSummary, PageRow, StageSummary } from './book-summary.js';
import { histogramSvg } from './confidence-histogram.js';
import { formatConfidence, formatShare, formatUsd, htmlDocument, pageHtmlName } from './document.js';
import { html, join, type SafeHtml } from './html.js';
import { legend } from './legend.js';

/** How many failures a stage row lists before "and N more". */
const FAILURES_LISTED = 20;

function pageLink(page: number): SafeHtml {
  return html`<a href="pages/${pageHtmlName(page)}">${page}</a>`;
}

function costCell(s: StageSummary): SafeHtml | string {
  if (s.llmPages === 0 && s.costUsd === 0 && s.costUnknownPages === 0) return 'no LLM';
  const unknown = s.costUnknownPages > 0 ? ` + unknown for ${s.costUnknownPages} pages` : '';
  return `${formatUsd(s.costUsd)}${unknown}`;
}

function stageTable(summary: BookSummary): SafeHtml {
  const total = summary.pages.length;
  const rows = summary.stages.map(
    (s) => html`<tr>
<th scope="row">${s.stage}</th>
<td class="num">${s.pagesWithFiles}/${total}</td>
<td>${s.complete ? 'complete' : 'not complete'}</td>
<td class="num">${s.failed.length}</td>
<td>${
      s.failed.length === 0
        ? ''
        : join(
            s.failed.slice(0, FAILURES_LISTED).map((f) => html`<span title="${f.error}">${pageLink(f.page)}</span>`),
            ', ',
          )
    }${s.failed.length > FAILURES_LISTED ? ` and ${s.failed.length - FAILURES_LISTED} more` : ''}</td>
<td>${[...s.methods, ...s.models].join(', ')}</td>
<td class="num">${costCell(s)}</td>
<td class="num">${s.promptTokens + s.completionTokens > 0 ? `${s.promptTokens} in / ${s.completionTokens} out` : ''}</td>
</tr>
`,
  );
  return html`<table class="stages">
<thead><tr><th>stage</th><th class="num">pages</th><th>state</th><th class="num">failed</th><th>failed pages</th><th>method / model</th><th class="num">LLM cost</th><th class="num">tokens</th></tr></thead>
<tbody>
${rows}</tbody>
</table>
${summary.stages.flatMap((s) => s.warnings.map((w) => html`<p class="notice">${s.stage}: ${w}</p>`))}`;
}

function meter(value: number | null): SafeHtml {
  const width = value === null ? 0 : Math.round(value * 100);
  return html`<svg class="meter" viewBox="0 0 100 4" preserveAspectRatio="none" aria-hidden="true"><rect class="track" width="100" height="4"/><rect class="fill" width="${width}" height="4"/></svg>`;
}

function pageCard(row: PageRow): SafeHtml {
  const printed = row.printed?.value ? html` · p. ${row.printed.value}${row.printed.inferred ? '*' : ''}` : '';
  const flags: string[] = [];
  if (row.failedStages.length > 0) flags.push(`failed: ${row.failedStages.join(', ')}`);
  if (!row.hasOcr) flags.push('no OCR');
  if (row.continuation?.fromPrevious) flags.push('continues');
  return html`<li id="page-${row.page}" class="${row.failedStages.length > 0 ? 'failed' : ''}">
<a href="pages/${pageHtmlName(row.page)}">${row.thumbnail ? html`<img src="${row.thumbnail.href}" width="${row.thumbnail.width}" height="${row.thumbnail.height}" loading="lazy" alt="Page ${row.page}">` : ''}<strong>page ${row.page}</strong>${printed}</a>
${meter(row.meanConfidence)}
<span class="muted">conf ${formatConfidence(row.meanConfidence)} · ${row.words} words${row.lowWords > 0 ? ` · ${row.lowWords} low` : ''}${row.changedParagraphs > 0 ? ` · ${row.changedParagraphs} ¶ changed` : ''}</span>
${flags.length > 0 ? html`<br><span>${flags.join(' · ')}</span>` : ''}
</li>
`;
}

/** The book summary: stages, failures, cost, confidence, the legend and a link to every page. */
export function indexHtml(summary: BookSummary): string {
  const { scan } = summary;
  const heading = scan.title ?? scan.scanId;
  const byline = [scan.author, scan.year === null ? null : String(scan.year)].filter((x): x is string => Boolean(x)).join(', ');
  const classes = [...summary.classCounts].sort((a, b) => b[1] - a[1]).map(([cls, count]) => ({ cls, count }));
  const failedPages = summary.rows.filter((r) => r.failedStages.length > 0);
  const body = html`<header>
<h1>${heading}</h1>
<p class="muted">${byline ? html`${byline} · ` : ''}scan <code>${scan.scanId}</code> · view generated ${summary.generatedAt}</p>
${summary.missingStages.length > 0 ? html`<p class="notice">Stages not run on this scan: <strong>${summary.missingStages.join(', ')}</strong>. ${summary.missingStages.includes('correction') && summary.missingStages.includes('merge') ? 'Text is shown as OCR read it. ' : ''}${summary.missingStages.includes('label') ? 'Blocks are not classified.' : ''}</p>` : ''}
</header>
<section class="summary">
<h2>Summary</h2>
<dl class="facts">
<dt>pages</dt><dd>${summary.pages.length}</dd>
<dt>pages failed</dt><dd>${
    failedPages.length === 0
      ? 'none'
      : join(
          failedPages.map((r) => pageLink(r.page)),
          ', ',
        )
  }</dd>
<dt>OCR words</dt><dd>${summary.words}</dd>
<dt>mean word confidence</dt><dd>${formatConfidence(summary.meanConfidence)}</dd>
<dt>low-confidence words</dt><dd>${summary.lowWords} under ${summary.lowConfidence.toFixed(2)} (${formatShare(summary.lowWords, summary.words)})</dd>
<dt>paragraphs changed</dt><dd>${summary.changedParagraphs} of ${summary.paragraphs}</dd>
<dt>LLM cost</dt><dd>${formatUsd(summary.totalCostUsd)}${summary.stages.some((s) => s.costUnknownPages > 0) ? ' + unknown (see the stages)' : ''}</dd>
</dl>
<h2>Stages</h2>
${stageTable(summary)}
<h2>OCR word confidence</h2>
<div class="hist">${histogramSvg(summary.histogram, { lowConfidence: summary.lowConfidence })}</div>
<h2>Block classes</h2>
${legend(classes, { lowConfidence: summary.lowConfidence })}
</section>
<section class="pages">
<h2>Pages</h2>
<ul class="grid">
${summary.rows.map(pageCard)}</ul>
<p class="muted">* printed page number inferred from the neighbouring pages.</p>
</section>`;
  return htmlDocument({ title: `${heading} · bookpipe view`, bodyClass: 'index', body });
}
