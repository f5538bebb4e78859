import type { BBox } from '@bookpipe/contracts';
import { jsonlKind } from './region-kinds.js';
import { FURNITURE_KINDS, type TruthRegion } from './truth-page.js';

/**
 * One line of a `<page>.regions.jsonl` or `<page>.lines.jsonl` file: a box `[x0, y0, x1, y1]` in the
 * page image's pixels, a layout label (`label`, or `olr_label` as in the ajmc-commentaries conversion),
 * and for lines the transcribed `text` and an optional reading `order`.
 */
interface JsonlItem {
  bbox?: unknown;
  label?: unknown;
  olr_label?: unknown;
  text?: unknown;
  order?: unknown;
}

function parseJsonl(content: string, file: string): JsonlItem[] {
  return content
    .split('\n')
    .map((line, index) => ({ line: line.trim(), index }))
    .filter(({ line }) => line.length > 0)
    .map(({ line, index }) => {
      try {
        return JSON.parse(line) as JsonlItem;
      } catch (error) {
        throw new Error(`${file}, line ${index + 1}: not JSON (${(error as Error).message})`);
      }
    });
}

function boxOf(value: unknown, file: string, index: number): BBox {
  if (!Array.isArray(value) || value.length !== 4 || !value.every((n) => typeof n === 'number' && Number.isFinite(n))) {
    throw new Error(`${file}, item ${index + 1}: "bbox" must be [x0, y0, x1, y1] in pixels`);
  }
  const [x0, y0, x1, y1] = value as [number, number, number, number];
  return { x: Math.min(x0, x1), y: Math.min(y0, y1), width: Math.abs(x1 - x0), height: Math.abs(y1 - y0) };
}

const labelOf = (item: JsonlItem) => String(item.label ?? item.olr_label ?? 'other');

/** Typed regions with boxes (no text) from a `.regions.jsonl` file. */
export function parseRegionsJsonl(content: string, file: string): TruthRegion[] {
  return parseJsonl(content, file).map((item, index) => {
    const type = labelOf(item);
    return { kind: jsonlKind(type), type, bbox: boxOf(item.bbox, file, index), text: null };
  });
}

/** Transcribed lines from a `.lines.jsonl` file, in reading order (`order`, else file order). */
export function parseLinesJsonl(content: string, file: string): TruthRegion[] {
  return parseJsonl(content, file)
    .map((item, index) => {
      const type = labelOf(item);
      const region: TruthRegion = { kind: jsonlKind(type), type, bbox: boxOf(item.bbox, file, index), text: typeof item.text === 'string' ? item.text : null };
      return { region, order: typeof item.order === 'number' ? item.order : index };
    })
    .sort((a, b) => a.order - b.order)
    .map(({ region }) => region);
}

/** The reading text of labelled lines: furniture lines left out. */
export function bodyTextOfLines(lines: readonly TruthRegion[]): string {
  return lines
    .filter((line) => !FURNITURE_KINDS.has(line.kind) && line.text !== null)
    .map((line) => line.text)
    .join('\n');
}
