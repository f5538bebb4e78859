import { createHash } from 'node:crypto';
import { classColourCss } from './class-colours.js';

/**
 * The one style sheet of every view page, inlined so that each HTML file stands alone. No web fonts
 * (nothing is fetched), no script: the overlay toggles are checkboxes read by `:has()` selectors.
 */
export const VIEW_CSS = `
:root{color-scheme:light;--ink:#1f2937;--muted:#6b7280;--line:#e5e7eb;--low:#dc2626;--ins:#15803d;--del:#b91c1c}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:#f8fafc}
a{color:#1d4ed8}
header,nav,main,section.summary,section.pages,footer{padding:0 1rem}
nav.pager{display:flex;gap:1rem;align-items:center;padding:.5rem 1rem;background:#fff;border-bottom:1px solid var(--line);position:sticky;top:0;z-index:2}
nav.pager .spacer{flex:1}
h1{font-size:1.4rem;margin:.8rem 0 .3rem}
h2{font-size:1.1rem;margin:1.2rem 0 .4rem}
.muted{color:var(--muted)}
.notice{background:#fffbeb;border:1px solid #fcd34d;border-radius:6px;padding:.5rem .8rem;margin:.6rem 0}
.notice.error{background:#fef2f2;border-color:#fca5a5}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;margin:.4rem 0}
dl.facts dt{color:var(--muted)}
dl.facts dd{margin:0}
table{border-collapse:collapse;background:#fff}
th,td{border:1px solid var(--line);padding:.25rem .5rem;text-align:left;vertical-align:top}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.legend{display:flex;flex-wrap:wrap;gap:.3rem .9rem;margin:.4rem 0;padding:0;list-style:none}
.legend li{display:flex;align-items:center;gap:.35rem}
.swatch{display:inline-block;width:1.1rem;height:.8rem;border:2px solid var(--c,#999);background:color-mix(in srgb,var(--c,#999) 15%,transparent)}
.swatch.low{border-color:var(--low);background:color-mix(in srgb,var(--low) 30%,transparent)}
.controls{display:flex;flex-wrap:wrap;gap:.3rem 1rem;margin:.4rem 0}
.layout{display:grid;grid-template-columns:minmax(0,3fr) minmax(16rem,2fr);gap:1rem;align-items:start}
@media (max-width:900px){.layout{grid-template-columns:minmax(0,1fr)}}
figure.scan{margin:0;background:#fff;border:1px solid var(--line)}
figure.scan svg{display:block;width:100%;height:auto}
.ov rect{vector-effect:non-scaling-stroke}
.ov .blk{stroke:var(--c);stroke-width:2px;fill:var(--c);fill-opacity:.08}
.ov .par{stroke:var(--c);stroke-width:1px;stroke-dasharray:5 3;fill:none}
.ov .line{stroke:#0ea5e9;stroke-width:1px;fill:none}
.ov .word{stroke:#f59e0b;stroke-width:1px;fill:none}
.ov .word.low{stroke:var(--low);fill:var(--low);fill-opacity:.22}
.ov-pars,.ov-lines,.ov-words .word{display:none}
body:has(#t-blocks:not(:checked)) .ov-blocks{display:none}
body:has(#t-pars:checked) .ov-pars{display:inline}
body:has(#t-lines:checked) .ov-lines{display:inline}
body:has(#t-words:checked) .ov-words .word,body:has(#t-low:checked) .ov-words .word.low{display:inline}
body:has(#t-overlay:not(:checked)) .ov{visibility:hidden}
.ov :target{stroke:#000;stroke-width:3px;display:inline}
section.text{background:#fff;border:1px solid var(--line);padding:.5rem .8rem;overflow-wrap:anywhere}
.ptext{border-left:4px solid var(--c);padding:.1rem 0 .1rem .6rem;margin:.2rem 0 .9rem}
.ptext .meta{font-size:.8rem;color:var(--muted);display:block}
.ptext p{margin:.15rem 0}
mark.low{background:none;color:inherit;text-decoration:underline wavy var(--low);text-decoration-thickness:1px;text-underline-offset:3px}
ins{background:#dcfce7;color:var(--ins);text-decoration:none;border-bottom:1px solid var(--ins)}
del{background:#fee2e2;color:var(--del)}
.hist svg{display:block;max-width:46rem;width:100%;height:auto}
.hist .bar{fill:#60a5fa}
.hist .bar.low{fill:#f87171}
.hist text{font-size:11px;fill:var(--muted)}
.hist .threshold{stroke:var(--low);stroke-width:1.5;stroke-dasharray:4 3}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(9.5rem,1fr));gap:.6rem;padding:0;list-style:none}
.grid li{background:#fff;border:1px solid var(--line);border-radius:4px;padding:.3rem;font-size:.85rem}
.grid li.failed{border-color:#f87171;background:#fef2f2}
.grid img{display:block;width:100%;height:auto;background:#f1f5f9}
.grid svg.meter{display:block;width:100%;height:4px;margin:.2rem 0}
.meter .track{fill:var(--line)}
.meter .fill{fill:#60a5fa}
`.trim();

const CSS = `${VIEW_CSS}\n${classColourCss()}`;

/** The style element's exact content: its hash goes into the Content-Security-Policy. */
export function styleSheet(): string {
  return CSS;
}

/**
 * Nothing remote may load: no scripts at all (the view has none, so injected markup could not run
 * one either), images only from the view's own files, the one inline style sheet by its hash, no
 * forms, no <base>. `file:` is listed because Chromium gives file:// pages an opaque origin that
 * 'self' does not match.
 */
export function contentSecurityPolicy(): string {
  const hash = createHash('sha256').update(CSS, 'utf8').digest('base64');
  return ["default-src 'none'", "img-src 'self' file:", `style-src 'sha256-${hash}'`, "script-src 'none'", "base-uri 'none'", "form-action 'none'"].join('; ');
}
