import type { TruthKind } from './truth-page.js';

/**
 * PAGE-XML TextRegion `type` values (2019 schema) -> truth kinds. Catch-words and signature marks are
 * what the foot line of an early print holds: furniture, like a running foot. Marginalia and
 * drop capitals are printed text but have no class of their own in bookpipe: `other` / `body`.
 */
const PAGE_XML: Record<string, TruthKind> = {
  header: 'header',
  'page-number': 'page-number',
  footer: 'footer',
  'catch-word': 'footer',
  'signature-mark': 'footer',
  heading: 'heading',
  caption: 'other',
  footnote: 'footnote',
  'footnote-continued': 'footnote',
  endnote: 'footnote',
  paragraph: 'body',
  'drop-capital': 'body',
  credit: 'other',
  marginalia: 'other',
};

/**
 * Layout labels of the JSONL region files (the ajmc-commentaries conversion): `title` is the running
 * head there; introduction, commentary and primary text are the reading text.
 */
const JSONL: Record<string, TruthKind> = {
  title: 'header',
  header: 'header',
  running_title: 'header',
  page_number: 'page-number',
  'page-number': 'page-number',
  footer: 'footer',
  footnote: 'footnote',
  heading: 'heading',
  introduction: 'body',
  commentary: 'body',
  primary_text: 'body',
  preface: 'body',
  paragraph: 'body',
  body: 'body',
};

export function pageXmlKind(type: string): TruthKind {
  return PAGE_XML[type] ?? 'other';
}

export function jsonlKind(label: string): TruthKind {
  return JSONL[label] ?? 'other';
}
