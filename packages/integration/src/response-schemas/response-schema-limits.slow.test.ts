/**
 * Every page-specific response schema the label and correction stages would send for the real pages
 * of ../shared/eval stays within what the providers document (OpenAI strict structured outputs,
 * Anthropic tool input_schema; see the testkit's structured-output-limits.ts).
 *
 * The pages' structure comes from the eval's own layout truth, not from an OCR run (too slow on a
 * shared machine): the vd-sbb PAGE-XML regions and lines, and the ajmc region and line boxes, each
 * region a block of one paragraph. Tesseract often finds more blocks than the truth has regions, so
 * the suite also measures how many blocks a page may have before a limit is passed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { OcrPage } from '@bookpipe/contracts';
import { correctionResponseSchemaFor } from '@bookpipe/stage-correction';
import { furnitureCandidates, labelResponseSchemaFor, MAX_FURNITURE_CANDIDATES } from '@bookpipe/stage-label';
import { anthropicToolProblems, evalFile, hasEval, noteSkip, openaiStrictProblems, schemaFigures, smallPage } from '@bookpipe/testkit';
import { describe, expect, it } from 'vitest';

noteSkip('response schemas of the eval pages within the providers’ limits');

/** A page as regions of lines (text only: the schemas depend on the numbers of blocks and paragraphs). */
interface PageLayout {
  name: string;
  regions: string[][];
}

/** vd-sbb: each PAGE-XML TextRegion, with the text of each of its TextLines (its last Unicode element). */
function vdSbbPages(): PageLayout[] {
  const root = evalFile('vd-sbb');
  return readdirSync(root).flatMap((work) =>
    readdirSync(path.join(root, work))
      .filter((file) => /^OCR-D-GT-PAGE_\d+\.xml$/.test(file))
      .map((file) => {
        const xml = readFileSync(path.join(root, work, file), 'utf8');
        const regions = [...xml.matchAll(/<(?:pc:)?TextRegion\b[\s\S]*?<\/(?:pc:)?TextRegion>/g)].map((region) =>
          [...region[0].matchAll(/<(?:pc:)?TextLine\b[\s\S]*?<\/(?:pc:)?TextLine>/g)].map((line) => {
            const texts = [...line[0].matchAll(/<(?:pc:)?Unicode>([^<]*)<\/(?:pc:)?Unicode>/g)];
            return texts.at(-1)?.[1] ?? '';
          }),
        );
        return { name: `vd-sbb/${work}/${file}`, regions: regions.filter((lines) => lines.length > 0) };
      }),
  );
}

type Box = [number, number, number, number];
const inside = ([x, y]: Box, [left, top, right, bottom]: Box) => x >= left - 5 && y >= top - 5 && x <= right && y <= bottom;

/** ajmc: each region box, with the lines whose top-left corner lies in it. */
function ajmcPages(): PageLayout[] {
  const dir = evalFile('ajmc-commentaries', 'derived');
  const jsonl = (file: string) =>
    readFileSync(path.join(dir, file), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { bbox: Box; text?: string });
  return readdirSync(dir)
    .filter((file) => file.endsWith('.regions.jsonl'))
    .map((file) => {
      const lines = jsonl(file.replace('.regions.', '.lines.'));
      const regions = jsonl(file).map((region) => lines.filter((line) => inside(line.bbox, region.bbox)).map((line) => line.text ?? ''));
      return { name: `ajmc/${file}`, regions: regions.filter((r) => r.length > 0) };
    });
}

const toOcrPage = (layout: PageLayout, pageNumber: number): OcrPage =>
  smallPage(
    pageNumber,
    layout.regions.map((lines) => [lines.map((line) => line.trim() || '.')]),
  );

/** A page of `blocks` blocks of `paragraphs` paragraphs each, for the limits. */
const syntheticPage = (blocks: number, paragraphs = 1): OcrPage =>
  smallPage(
    1,
    Array.from({ length: blocks }, () => Array.from({ length: paragraphs }, () => ['text'])),
  );

describe.skipIf(!hasEval)('response schemas of the eval pages', () => {
  const layouts = [...vdSbbPages(), ...ajmcPages()];

  it('reads the structure of every vd-sbb and ajmc page', () => {
    expect(layouts.length).toBeGreaterThanOrEqual(40);
    for (const layout of layouts) expect(layout.regions.length, layout.name).toBeGreaterThan(0);
  });

  it('every label and correction schema fits OpenAI strict structured outputs and Anthropic tools', () => {
    const worst = { label: schemaFigures({}), correction: schemaFigures({}), page: '' };
    for (const [index, layout] of layouts.entries()) {
      const page = toOcrPage(layout, index + 1);
      for (const [stage, response] of [
        ['label', labelResponseSchemaFor(page)],
        ['correction', correctionResponseSchemaFor(page)],
      ] as const) {
        expect(openaiStrictProblems(response), `${stage} schema of ${layout.name} (OpenAI)`).toEqual([]);
        expect(anthropicToolProblems(response), `${stage} schema of ${layout.name} (Anthropic)`).toEqual([]);
        const figures = schemaFigures(response.schema);
        if (figures.bytes > worst[stage].bytes) {
          worst[stage] = figures;
          if (stage === 'label') worst.page = `${layout.name} (${layout.regions.length} blocks)`;
        }
      }
    }
    console.info(
      `[response schemas] ${layouts.length} eval pages; largest label schema: ${JSON.stringify(worst.label)} on ${worst.page}; largest correction schema: ${JSON.stringify(worst.correction)}`,
    );
  });

  it('the label schema keeps 51 enum values and one per edge line offered (at most 40) however many blocks a page has; 1,000 blocks still fit every OpenAI limit', () => {
    // 32 block classes, 3 + 3 + 5 page fields, 8 line classes (6 furniture, 2 heading); then the ids of the edge lines the model may mark.
    const one = syntheticPage(1);
    expect(schemaFigures(labelResponseSchemaFor(one).schema).enumValues).toBe(51 + furnitureCandidates(one).length);
    const many = syntheticPage(1000);
    const big = labelResponseSchemaFor(many);
    expect(furnitureCandidates(many).length).toBeLessThanOrEqual(MAX_FURNITURE_CANDIDATES);
    expect(schemaFigures(big.schema).enumValues).toBe(51 + furnitureCandidates(many).length);
    expect(openaiStrictProblems(big)).toEqual([]);
    // What limits the correction schema: 4 properties a paragraph, 5,000 in all (about 1,190 paragraphs a page).
    expect(openaiStrictProblems(correctionResponseSchemaFor(syntheticPage(100, 10)))).toEqual([]);
    expect(openaiStrictProblems(correctionResponseSchemaFor(syntheticPage(200, 7)))).toEqual([expect.stringMatching(/object properties, more than 5000$/)]);
  });
});
