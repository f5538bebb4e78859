import { XMLParser } from 'fast-xml-parser';
import { countPrivateUse } from '../normalize-text.js';
import { pageXmlKind } from './region-kinds.js';
import { bodyTextOf, boxOfPoints, type TruthPage, type TruthRegion } from './truth-page.js';

interface XmlTextEquiv {
  '@_index'?: string;
  Unicode?: unknown;
}
interface XmlTextLine {
  TextEquiv?: XmlTextEquiv[];
}
interface XmlTextRegion {
  '@_id'?: string;
  '@_type'?: string;
  Coords?: { '@_points'?: string };
  TextLine?: XmlTextLine[];
  TextEquiv?: XmlTextEquiv[];
  TextRegion?: XmlTextRegion[];
  /** Other kinds of region (graphic, table, ...), which may hold text regions of their own. */
  [kind: `${string}Region`]: XmlTextRegion[] | undefined;
}
interface XmlGroup {
  '@_index'?: string;
  '@_regionRef'?: string;
  RegionRefIndexed?: XmlGroup[];
  RegionRef?: XmlGroup[];
  OrderedGroupIndexed?: XmlGroup[];
  UnorderedGroupIndexed?: XmlGroup[];
  OrderedGroup?: XmlGroup[];
  UnorderedGroup?: XmlGroup[];
}
interface XmlPage {
  '@_imageFilename'?: string;
  '@_imageWidth'?: string;
  '@_imageHeight'?: string;
  ReadingOrder?: XmlGroup;
  TextRegion?: XmlTextRegion[];
  [kind: `${string}Region`]: XmlTextRegion[] | undefined;
}

/**
 * The PAGE region kinds besides TextRegion. Any region may nest others: a page number inside a
 * decoration (GraphicRegion), a caption inside a table or image region, a drop capital inside a paragraph.
 */
const OTHER_REGIONS = [
  'ImageRegion',
  'LineDrawingRegion',
  'GraphicRegion',
  'TableRegion',
  'ChartRegion',
  'MapRegion',
  'SeparatorRegion',
  'MathsRegion',
  'ChemRegion',
  'MusicRegion',
  'AdvertRegion',
  'NoiseRegion',
  'UnknownRegion',
  'CustomRegion',
] as const;

const ARRAYS = new Set<string>([
  'TextRegion',
  ...OTHER_REGIONS,
  'TextLine',
  'TextEquiv',
  'RegionRefIndexed',
  'RegionRef',
  'OrderedGroupIndexed',
  'UnorderedGroupIndexed',
  'OrderedGroup',
  'UnorderedGroup',
]);

const parser = new XMLParser({
  ignoreAttributes: false,
  removeNSPrefix: true,
  // Transcriptions are text, never numbers: "12" stays "12", "007" keeps its zeros.
  parseTagValue: false,
  parseAttributeValue: false,
  // Transcriptions keep their inner line breaks; only the ends are trimmed.
  trimValues: true,
  isArray: (name) => ARRAYS.has(name),
  // Only region and line texts are used: words and glyphs (most of an OCR-D file, with their own
  // coordinates) stay unparsed, which makes a 700 KB page about 7x faster to read.
  stopNodes: ['*.Word'],
});

/** True when an XML document's root element is a PAGE-XML `PcGts` (any namespace prefix). */
export function isPageXml(xml: string): boolean {
  return /<(?:[A-Za-z_][\w.-]*:)?PcGts[\s>]/.test(xml.slice(0, 4096));
}

/** The first TextEquiv by `index` (PAGE allows several readings; the lowest index is the preferred one). */
function firstUnicode(equivs: XmlTextEquiv[] | undefined): string | null {
  if (!equivs || equivs.length === 0) return null;
  const sorted = [...equivs].sort((a, b) => Number(a['@_index'] ?? 0) - Number(b['@_index'] ?? 0));
  const value = sorted[0]?.Unicode;
  return value === undefined || value === null ? null : String(value);
}

function regionText(region: XmlTextRegion): string | null {
  const own = firstUnicode(region.TextEquiv);
  if (own !== null) return own;
  // No region-level text: the lines' texts, top to bottom.
  const lines = (region.TextLine ?? []).map((line) => firstUnicode(line.TextEquiv)).filter((t): t is string => t !== null);
  return lines.length > 0 ? lines.join('\n') : null;
}

/** Region ids in reading order: RegionRefIndexed by index, nested groups flattened in place. */
function readingOrder(group: XmlGroup | undefined): string[] {
  if (!group) return [];
  const children: Array<{ index: number; ids: string[] }> = [];
  const visit = (items: XmlGroup[] | undefined, isRef: boolean) => {
    for (const [position, item] of (items ?? []).entries()) {
      const index = Number(item['@_index'] ?? position);
      if (isRef) children.push({ index, ids: item['@_regionRef'] ? [item['@_regionRef']] : [] });
      else children.push({ index, ids: [...(item['@_regionRef'] ? [item['@_regionRef']] : []), ...readingOrder(item)] });
    }
  };
  visit(group.RegionRefIndexed, true);
  visit(group.RegionRef, true);
  for (const nested of [group.OrderedGroupIndexed, group.UnorderedGroupIndexed, group.OrderedGroup, group.UnorderedGroup]) visit(nested, false);
  return children.sort((a, b) => a.index - b.index).flatMap((c) => c.ids);
}

/**
 * Reads one PAGE-XML document (2013-2019 schemas, any namespace prefix): its text regions with their
 * type, box and text, in the document's reading order (regions it leaves out follow, in document order).
 *
 * @param file path or name of the document, used for `key` and `files` and in error messages
 * @throws Error when `xml` is not a PAGE-XML document
 */
export function parsePageXml(xml: string, file: string): TruthPage {
  const doc = parser.parse(xml) as { PcGts?: { Page?: XmlPage } };
  const page = doc.PcGts?.Page;
  if (!page) throw new Error(`${file} is not a PAGE-XML document (no PcGts/Page element)`);
  const byId = new Map<string, TruthRegion>();
  const inDocumentOrder: TruthRegion[] = [];
  // Text regions at any depth, inside text regions or any other kind, in document order.
  const collect = (regions: XmlTextRegion[] | undefined) => {
    for (const region of regions ?? []) {
      const bbox = boxOfPoints(region.Coords?.['@_points'] ?? '');
      const type = region['@_type'] ?? 'paragraph';
      if (bbox) {
        const truth: TruthRegion = { kind: pageXmlKind(type), type, bbox, text: regionText(region) };
        inDocumentOrder.push(truth);
        if (region['@_id']) byId.set(region['@_id'], truth);
      }
      collectNested(region);
    }
  };
  const collectNested = (parent: XmlTextRegion | XmlPage) => {
    collect(parent.TextRegion);
    for (const kind of OTHER_REGIONS) for (const other of parent[kind] ?? []) collectNested(other);
  };
  collectNested(page);
  const ordered = readingOrder(page.ReadingOrder).flatMap((id) => {
    const region = byId.get(id);
    return region ? [region] : [];
  });
  const seen = new Set(ordered);
  const regions = [...ordered, ...inDocumentOrder.filter((r) => !seen.has(r))];
  const text = regions.flatMap((r) => (r.text === null ? [] : [r.text])).join('\n');
  const width = Number(page['@_imageWidth']);
  const height = Number(page['@_imageHeight']);
  const imageFilename = page['@_imageFilename'];
  const pageNumber = regions.find((r) => r.kind === 'page-number' && r.text !== null && r.text.trim() !== '');
  const base = file.split(/[\\/]/).pop() ?? file;
  return {
    key: base.replace(/\.xml$/i, ''),
    files: [file],
    format: 'page-xml',
    imageName: imageFilename ? (imageFilename.split(/[\\/]/).pop() ?? null) : null,
    imageSize: width > 0 && height > 0 ? { width, height } : null,
    text,
    scope: 'page',
    bodyText: bodyTextOf(regions),
    regions,
    printedPageNumber: pageNumber?.text?.trim() ?? null,
    privateUseChars: countPrivateUse(text),
  };
}
