import { html, type SafeHtml, trusted } from './html.js';
import { contentSecurityPolicy, styleSheet } from './styles.js';

/** A whole HTML document with the view's style sheet and Content-Security-Policy. */
export function htmlDocument(options: { title: string; bodyClass: string; body: SafeHtml }): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy()}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${options.title}</title>
<style>${trusted(styleSheet())}</style>
</head>
<body class="${options.bodyClass}">
${options.body}
</body>
</html>
`.toString();
}

/** 0.8734 -> "0.87"; null -> "–". */
export function formatConfidence(value: number | null | undefined): string {
  return value === null || value === undefined ? '–' : value.toFixed(2);
}

/** 0.1234 -> "12.3%". */
export function formatShare(part: number, whole: number): string {
  return whole === 0 ? '–' : `${((part / whole) * 100).toFixed(1)}%`;
}

/** US dollars; under a dollar with four decimals, since a page of LLM work costs fractions of a cent. */
export function formatUsd(value: number): string {
  return value === 0 ? '$0' : value < 1 ? `$${value.toFixed(4)}` : `$${value.toFixed(2)}`;
}

/** `page_0001.html`, the file of one page in the view's pages/ folder. */
export function pageHtmlName(page: number): string {
  return `page_${String(page).padStart(4, '0')}.html`;
}
