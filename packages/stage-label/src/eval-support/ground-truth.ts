/**
 * Test support, not exported: ground-truth layout regions of the real pages in ../shared/eval,
 * as boxes with the labeller's vocabulary, so OCR blocks can be scored by overlap.
 */
import { type BBox } from '@bookpipe/contracts';
import { readFileSync } from 'node:fs';
import { XMLParser } from 'fast-xml-parser';

/** The region kinds the deterministic labeller is scored on; everything else is `other`. */
export type TruthKind = 'header' | 'page-number' | 'footer' | 'heading' | 'footnote' | 'body' | 'other';

export interface TruthRegion {
  kind: TruthKind;
  /** The dataset's own type name ("catch-word", "title", ...). */
  type: string;
  bbox: BBox;
  text: string | null;
}

/** PAGE-XML region types -> our kinds. Catch-words and signature marks are what a book's footer line holds. */
const PAGE_XML_KINDS: Record<string, TruthKind> = {
  header: 'header',
  'page-number': 'page-number',
  'catch-word': 'footer',
  'signature-mark': 'footer',
  footer: 'footer',
  heading: 'heading',
  footnote: 'footnote',
  paragraph: 'body',
};

/** The ajmc-commentaries `derived/*.regions.jsonl` labels -> our kinds (`title` is the running header there). */
const AJMC_KINDS: Record<string, TruthKind> = {
  title: 'header',
  page_number: 'page-number',
  footnote: 'footnote',
  introduction: 'body',
  commentary: 'body',
  primary_text: 'body',
  preface: 'body',
};

function boxOfPoints(points: string): BBox {
  const xy = points
    .trim()
    .split(/\s+/)
    .map((pair) => pair.split(',').map(Number) as [number, number]);
  const xs = xy.map(([x]) => x);
  const ys = xy.map(([, y]) => y);
  const x = Math.min(...xs);
  const y = Math.min(...ys);
  return { x, y, width: Math.max(...xs) - x, height: Math.max(...ys) - y };
}

const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

interface XmlRegion {
  '@_type'?: string;
  Coords?: { '@_points'?: string };
  TextEquiv?: { Unicode?: unknown } | Array<{ Unicode?: unknown }>;
}

/** The text regions of a PAGE-XML file (2019 schema, as in OCR-D's ground truth). */
export function loadPageXmlRegions(file: string): TruthRegion[] {
  const parser = new XMLParser({ ignoreAttributes: false, removeNSPrefix: true, parseTagValue: false });
  const xml = parser.parse(readFileSync(file, 'utf8')) as { PcGts?: { Page?: { TextRegion?: XmlRegion | XmlRegion[] } } };
  return asArray(xml.PcGts?.Page?.TextRegion).flatMap((region) => {
    const points = region.Coords?.['@_points'];
    if (!points) return [];
    const type = region['@_type'] ?? 'paragraph';
    const equiv = asArray(region.TextEquiv)[0];
    const text = equiv?.Unicode === undefined ? null : String(equiv.Unicode);
    return [{ kind: PAGE_XML_KINDS[type] ?? 'other', type, bbox: boxOfPoints(points), text }];
  });
}

/** The regions of an ajmc-commentaries `derived/<page>.regions.jsonl` file. */
export function loadAjmcRegions(file: string): TruthRegion[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => {
      const { bbox, label } = JSON.parse(line) as { bbox: [number, number, number, number]; label: string };
      const [x0, y0, x1, y1] = bbox;
      return { kind: AJMC_KINDS[label] ?? 'other', type: label, bbox: { x: x0, y: y0, width: x1 - x0, height: y1 - y0 }, text: null };
    });
}
