import { OcrPageSchema } from '@bookpipe/contracts';
import { describe, expect, it } from 'vitest';
import { buildOcrPage } from './ocr-page-builder.js';
import type { TsvRow } from './tsv.js';

const engine = { name: 'tesseract', version: '5.3.0', language: 'eng', psm: 3 };
const meta = { pageNumber: 7, engine, rotation: 0 };

function row(level: TsvRow['level'], ids: [number, number, number, number], box: [number, number, number, number], conf = -1, text = ''): TsvRow {
  const [block, par, line, word] = ids;
  const [left, top, width, height] = box;
  return { level, block, par, line, word, left, top, width, height, conf, text };
}

describe('buildOcrPage', () => {
  it('nests blocks, paragraphs, lines and words with boxes, texts and 0..1 confidences', () => {
    const rows = [
      row(1, [0, 0, 0, 0], [0, 0, 1000, 2000]),
      row(2, [1, 0, 0, 0], [10, 20, 500, 100]),
      row(3, [1, 1, 0, 0], [10, 20, 500, 100]),
      row(4, [1, 1, 1, 0], [10, 20, 500, 40]),
      row(5, [1, 1, 1, 1], [10, 20, 100, 40], 90, 'Hello'),
      row(5, [1, 1, 1, 2], [120, 20, 100, 40], 70, 'world'),
      row(4, [1, 1, 2, 0], [10, 70, 300, 40]),
      row(5, [1, 1, 2, 1], [10, 70, 300, 40], 50, 'again-'),
    ];
    const page = buildOcrPage(rows, meta);
    expect(OcrPageSchema.parse(page)).toEqual(page);
    expect(page).toMatchObject({ pageNumber: 7, width: 1000, height: 2000, engine, rotation: 0 });
    const par = page.blocks[0]!.paragraphs[0]!;
    expect(page.blocks[0]).toMatchObject({ blockNum: 1, bbox: { x: 10, y: 20, width: 500, height: 100 } });
    expect(par.text).toBe('Hello world\nagain-');
    expect(par.lines.map((l) => l.text)).toEqual(['Hello world', 'again-']);
    expect(par.lines[0]!.confidence).toBe(0.8);
    expect(par.lines[0]!.words[1]).toEqual({ text: 'world', bbox: { x: 120, y: 20, width: 100, height: 40 }, confidence: 0.7 });
    // Paragraph and page: mean over words, not over lines.
    expect(par.confidence).toBe(0.7);
    expect(page.meanConfidence).toBe(0.7);
  });

  it('gives a page with no text no blocks and confidence 0', () => {
    const page = buildOcrPage([row(1, [0, 0, 0, 0], [0, 0, 1700, 2200])], meta);
    expect(page).toEqual({ pageNumber: 7, width: 1700, height: 2200, engine, meanConfidence: 0, rotation: 0, blocks: [] });
    expect(OcrPageSchema.safeParse(page).success).toBe(true);
  });

  it('drops blocks without words (images, rules) and renumbers what is left without gaps', () => {
    const rows = [
      row(1, [0, 0, 0, 0], [0, 0, 100, 100]),
      row(2, [1, 0, 0, 0], [0, 0, 10, 10]),
      row(3, [1, 1, 0, 0], [0, 0, 10, 10]),
      row(4, [1, 1, 1, 0], [0, 0, 10, 10]),
      row(5, [1, 1, 1, 1], [0, 0, 10, 10], 95, ' '),
      row(2, [2, 0, 0, 0], [0, 20, 10, 10]),
      row(3, [2, 1, 0, 0], [0, 20, 10, 10]),
      row(3, [2, 2, 0, 0], [0, 25, 10, 10]),
      row(4, [2, 2, 1, 0], [0, 25, 10, 10]),
      row(5, [2, 2, 1, 1], [0, 25, 10, 10], 40, 'x'),
    ];
    const page = buildOcrPage(rows, meta);
    expect(page.blocks).toHaveLength(1);
    expect(page.blocks[0]!.blockNum).toBe(1);
    expect(page.blocks[0]!.bbox).toEqual({ x: 0, y: 20, width: 10, height: 10 });
    expect(page.blocks[0]!.paragraphs.map((p) => [p.parNum, p.text])).toEqual([[1, 'x']]);
  });

  it('clamps confidences into 0..1 and records the rotation', () => {
    const rows = [row(5, [1, 1, 1, 1], [0, 0, 10, 10], -1, 'a'), row(5, [1, 1, 1, 2], [0, 0, 10, 10], 100.4, 'b')];
    const page = buildOcrPage(rows, { ...meta, rotation: 90, width: 50, height: 60 });
    // No page row: the size given in meta; missing parents take their first child's box.
    expect(page).toMatchObject({ width: 50, height: 60, rotation: 90, meanConfidence: 0.5 });
    expect(page.blocks[0]!.paragraphs[0]!.lines[0]!.words.map((w) => w.confidence)).toEqual([0, 1]);
  });

  it('refuses output with no page size at all', () => {
    expect(() => buildOcrPage([], meta)).toThrow(/no page row/);
  });
});
