import { BLOCK_CLASSES, LabelPageSchema, labelPageSchemaFor, type OcrPage } from '@bookpipe/contracts';
import { anthropic, LlmBatchClient, type LlmResult, openaiCompatible } from '@bookpipe/llm-batch';
import { type FakeProvider, startFakeProvider } from '@bookpipe/llm-batch/testing';
import { anthropicToolProblems, type JsonSchemaNode, openaiStrictProblems } from '@bookpipe/testkit';
import { describe, expect, it } from 'vitest';
import { furnitureCandidates, MAX_FURNITURE_CANDIDATES } from './furniture-candidates.js';
import { BLOCK_CLASS_REF, type LabelAnswer, labelPageFromAnswer, labelResponseSchemaFor } from './label-answer.js';
import { BLOCK_TEXT_LIMIT, labelPromptJson } from './label-request.js';

/** A page of three blocks (numbers 1, 2, 4: OCR numbering may skip), for the schema's shape only. */
const page: OcrPage = {
  pageNumber: 9,
  width: 1000,
  height: 2000,
  engine: { name: 'tesseract.js', version: 'test', language: 'eng', psm: 3 },
  meanConfidence: 0.9,
  blocks: [1, 2, 4].map((blockNum, index) => {
    const text = index === 1 ? 'body text '.repeat(60).trim() : `block ${blockNum}`;
    const bbox = { x: 100, y: 100 + 600 * index, width: 800, height: 40 };
    return { blockNum, bbox, paragraphs: [{ parNum: 1, bbox, text, confidence: 0.9, lines: [{ bbox, text, confidence: 0.9, words: [] }] }] };
  }),
};

const answer = (overrides: Partial<LabelAnswer>): LabelAnswer => ({
  printedPageNumber: '17',
  numberingStyle: 'arabic',
  pageNumberLocation: 'header',
  pageNumberConfidence: 0.9,
  pageRegion: 'body',
  pageRegionConfidence: 0.8,
  blocks: [1, 2, 4].map((blockNum) => ({ blockNum, classification: 'BODY', confidence: 0.9 })),
  furnitureLines: [],
  ...overrides,
});

describe('labelResponseSchemaFor', () => {
  it("pins exactly the page's blocks, in order, by number", () => {
    const { name, schema } = labelResponseSchemaFor(page);
    expect(name).toBe('page_label');
    const blocks = (schema.properties as Record<string, JsonSchemaNode>).blocks;
    expect(blocks).toMatchObject({ minItems: 3, maxItems: 3 });
    expect(blocks?.prefixItems?.map((b) => b.properties?.blockNum?.const)).toEqual([1, 2, 4]);
    expect(blocks?.prefixItems?.[0]?.properties?.classification).toEqual({ $ref: BLOCK_CLASS_REF });
    expect(blocks?.items?.properties?.classification).toEqual({ $ref: BLOCK_CLASS_REF });
    // Descriptions once, in the generic items schema, not in every block's copy.
    expect(JSON.stringify(blocks?.items)).toContain('"description"');
    expect(JSON.stringify(blocks?.prefixItems)).not.toContain('"description"');
  });

  it('defines the 32 block classes once, whatever the number of blocks', () => {
    const many: OcrPage = { ...page, blocks: Array.from({ length: 60 }, (_, i) => ({ ...page.blocks[0]!, blockNum: i + 1 })) };
    const { schema } = labelResponseSchemaFor(many);
    const text = JSON.stringify(schema);
    // TITLE_PAGE is a block class only (CHAPTER_HEADING is a line class too, in the line labels' enum).
    expect(text.split('"TITLE_PAGE"')).toHaveLength(2);
    expect((schema.$defs as { BlockClass: { enum: string[] } }).BlockClass.enum).toEqual([...BLOCK_CLASSES]);
  });
});

describe.each([
  ['openai', (fake: FakeProvider) => openaiCompatible({ baseURL: fake.openaiBaseURL, apiKey: 'test' })],
  ['anthropic', (fake: FakeProvider) => anthropic({ baseURL: fake.anthropicBaseURL, apiKey: 'test' })],
])('the $ref schema through the batch client (%s adapter, fake provider)', (_name, providerFor) => {
  it('goes out with its $defs, and the client validates answers against it: a known class is taken, an unknown one refused', async () => {
    await using fake = await startFakeProvider({
      respond: (request) => ({
        json: answer({
          blocks: [1, 2, 4].map((blockNum) => ({ blockNum, classification: request.attempt === 1 ? 'SIDEBAR' : 'FOOTNOTE', confidence: 0.9 })) as never,
        }),
      }),
    });
    const client = new LlmBatchClient({ provider: providerFor(fake), maxRetries: 1, retryBaseDelayMs: 1 });
    const results: LlmResult[] = [];
    await client.processBatch(
      [{ id: 'label_0009', model: 'm', messages: [{ role: 'user', content: 'label' }], responseSchema: labelResponseSchemaFor(page), maxTokens: 500 }],
      {
        onResult: (result) => void results.push(result),
      },
    );
    expect(fake.requests[0]!.schema).toMatchObject({ $defs: { BlockClass: { enum: [...BLOCK_CLASSES] } } });
    expect(results[0]).toMatchObject({ ok: true, attempts: 2 });
    expect((results[0] as { value: LabelAnswer }).value.blocks.map((b) => b.classification)).toEqual(['FOOTNOTE', 'FOOTNOTE', 'FOOTNOTE']);
  });
});

describe('labelPromptJson', () => {
  it('gives each block its number, box in thousandths, lines and text, long text cut', () => {
    const json: { blocks: Array<{ blockNum: number; text: string }> } = JSON.parse(labelPromptJson(page));
    expect(json.blocks.map((b) => b.blockNum)).toEqual([1, 2, 4]);
    expect(json.blocks[0]).toEqual({ blockNum: 1, box: [100, 50, 900, 70], lines: 1, lineHeight: 20, text: 'block 1' });
    expect(json.blocks[1]!.text).toHaveLength(BLOCK_TEXT_LIMIT + ' [...]'.length);
  });
});

describe('labelPageFromAnswer', () => {
  it('keeps a consistent answer as it is', () => {
    expect(LabelPageSchema.parse(labelPageFromAnswer(answer({})))).toMatchObject({
      printedPageNumber: '17',
      numberingStyle: 'arabic',
      pageNumberLocation: 'header',
    });
  });

  it('makes the page number fields agree: empty is none, none has no style or location, a numeral gets its style', () => {
    expect(labelPageFromAnswer(answer({ printedPageNumber: ' ' }))).toMatchObject({
      printedPageNumber: null,
      numberingStyle: 'none',
      pageNumberLocation: 'none',
    });
    expect(labelPageFromAnswer(answer({ printedPageNumber: null, numberingStyle: 'roman' }))).toMatchObject({
      numberingStyle: 'none',
      pageNumberLocation: 'none',
    });
    expect(labelPageFromAnswer(answer({ printedPageNumber: 'xiv', numberingStyle: 'none' }))).toMatchObject({
      printedPageNumber: 'xiv',
      numberingStyle: 'roman',
    });
    expect(labelPageFromAnswer(answer({ printedPageNumber: '23', numberingStyle: 'none' }))).toMatchObject({ numberingStyle: 'arabic' });
    for (const printed of [' ', null, 'xiv', '23']) {
      expect(() => LabelPageSchema.parse(labelPageFromAnswer(answer({ printedPageNumber: printed, numberingStyle: 'none' })))).not.toThrow();
    }
  });
});

/**
 * An old print's page: block 1 opens with the running head and its folio on one OCR line ("12 ... DE
 * ELECTIONE"), then text; block 2 ends with a short last line and the catch-word set far right on it.
 */
function oldPrintPage(): OcrPage {
  const line = (words: Array<[string, number]>, y: number) => {
    const boxes = words.map(([text, x]) => ({ text, bbox: { x, y, width: text.length * 20, height: 36 }, confidence: 0.8 }));
    const x = Math.min(...boxes.map((w) => w.bbox.x));
    const width = Math.max(...boxes.map((w) => w.bbox.x + w.bbox.width)) - x;
    return { bbox: { x, y, width, height: 36 }, text: words.map(([text]) => text).join(' '), confidence: 0.8, words: boxes };
  };
  const text = (y: number) =>
    line(
      ['the', 'compositor', 'set', 'every', 'line', 'by', 'hand', 'there'].map((word, index) => [
        word,
        index === 7 ? 1050 - word.length * 20 : 100 + index * 110,
      ]),
      y,
    );
  const block = (blockNum: number, lines: ReturnType<typeof line>[]) => {
    const y = Math.min(...lines.map((l) => l.bbox.y));
    const bbox = { x: 100, y, width: 950, height: Math.max(...lines.map((l) => l.bbox.y + l.bbox.height)) - y };
    return { blockNum, bbox, paragraphs: [{ parNum: 1, bbox, text: lines.map((l) => l.text).join('\n'), confidence: 0.8, lines }] };
  };
  const head = line(
    [
      ['12', 100],
      ['DE', 460],
      ['ELECTIONE', 520],
    ],
    100,
  );
  const last = line(
    [
      ['so', 100],
      ['ends', 160],
      ['it.', 260],
      ['beta', 970],
    ],
    1400,
  );
  return {
    pageNumber: 3,
    width: 1200,
    height: 1800,
    engine: { name: 'tesseract.js', version: 'test', language: 'lat', psm: 3 },
    meanConfidence: 0.8,
    blocks: [
      // A section heading OCR read as the last line of the first block, centred ("§. VII.").
      block(1, [
        head,
        ...Array.from({ length: 12 }, (_, i) => text(160 + 50 * i)),
        line(
          [
            ['§.', 540],
            ['VII.', 590],
          ],
          740,
        ),
      ]),
      block(2, [...Array.from({ length: 12 }, (_, i) => text(800 + 50 * i)), last]),
    ],
  };
}

describe('furniture lines in LLM mode', () => {
  it('offers the edge lines in pieces: the folio apart from its head, the catch-word apart from the last words of text', () => {
    const ocr = oldPrintPage();
    const offered = furnitureCandidates(ocr).map((c) => `${c.where}:${c.text}:${c.blockNum}/${c.lineNum}/${c.words?.join('-') ?? 'all'}`);
    expect(offered).toContain('top:12:1/1/1-1');
    expect(offered).toContain('top:DE ELECTIONE:1/1/2-3');
    expect(offered).toContain('foot:so ends it.:2/13/1-3');
    expect(offered).toContain('foot:beta:2/13/4-4');
    expect(offered).toContain('inside:§. VII.:1/14/all');
    const json = JSON.parse(labelPromptJson(ocr)) as { edgeLines: Array<{ line: number; text: string }> };
    expect(json.edgeLines.map((l) => l.text)).toEqual(furnitureCandidates(ocr).map((c) => c.text));
  });

  it('pins the marks to the ids offered and stays within the OpenAI strict and Anthropic tool rules, with edge lines or none', () => {
    const ocr = oldPrintPage();
    const ids = furnitureCandidates(ocr).map((c) => c.id);
    const schema = labelResponseSchemaFor(ocr);
    const furniture = (schema.schema.properties as Record<string, JsonSchemaNode>).furnitureLines;
    expect(furniture?.maxItems).toBe(ids.length);
    expect(furniture?.items?.properties?.line?.enum).toEqual(ids);
    const blank: OcrPage = { ...page, blocks: [] };
    expect((labelResponseSchemaFor(blank).schema.properties as Record<string, JsonSchemaNode>).furnitureLines?.maxItems).toBe(0);
    for (const response of [schema, labelResponseSchemaFor(page), labelResponseSchemaFor(blank)]) {
      expect(openaiStrictProblems(response)).toEqual([]);
      expect(anthropicToolProblems(response)).toEqual([]);
    }
    expect(ids.length).toBeLessThanOrEqual(MAX_FURNITURE_CANDIDATES);
  });

  describe.each([
    ['openai', (fake: FakeProvider) => openaiCompatible({ baseURL: fake.openaiBaseURL, apiKey: 'test' })],
    ['anthropic', (fake: FakeProvider) => anthropic({ baseURL: fake.anthropicBaseURL, apiKey: 'test' })],
  ])('through the batch client (%s adapter, fake provider)', (_name, providerFor) => {
    it("turns the marked edge lines into the label page's lines; an id not offered is refused and the page asked again", async () => {
      const ocr = oldPrintPage();
      const candidates = furnitureCandidates(ocr);
      const id = (text: string) => candidates.find((c) => c.text === text)?.id as number;
      await using fake = await startFakeProvider({
        respond: (request) => ({
          json: {
            printedPageNumber: '12',
            numberingStyle: 'arabic',
            pageNumberLocation: 'header',
            pageNumberConfidence: 0.9,
            pageRegion: 'body',
            pageRegionConfidence: 0.9,
            blocks: [1, 2].map((blockNum) => ({ blockNum, classification: 'BODY', confidence: 0.9 })),
            furnitureLines: [
              { line: request.attempt === 1 ? 999 : id('12'), classification: 'PAGE_NUMBER', confidence: 0.9 },
              { line: id('DE ELECTIONE'), classification: 'HEADER', confidence: 0.9 },
              { line: id('beta'), classification: 'CATCHWORD', confidence: 0.8 },
              { line: id('§. VII.'), classification: 'SECTION_HEADING', confidence: 0.8 },
            ],
          },
        }),
      });
      const client = new LlmBatchClient({ provider: providerFor(fake), maxRetries: 1, retryBaseDelayMs: 1 });
      const results: LlmResult[] = [];
      await client.processBatch(
        [
          {
            id: 'label_0003',
            model: 'm',
            messages: [{ role: 'user', content: labelPromptJson(ocr, candidates) }],
            responseSchema: labelResponseSchemaFor(ocr, candidates),
            maxTokens: 500,
          },
        ],
        { onResult: (result) => void results.push(result) },
      );
      expect(results[0]).toMatchObject({ ok: true, attempts: 2 });
      const label = labelPageSchemaFor(ocr).parse(labelPageFromAnswer((results[0] as { value: LabelAnswer }).value, candidates));
      expect(label.lines).toEqual([
        { blockNum: 1, parNum: 1, lineNum: 1, words: [1, 1], classification: 'PAGE_NUMBER', confidence: 0.9 },
        { blockNum: 1, parNum: 1, lineNum: 1, words: [2, 3], classification: 'HEADER', confidence: 0.9 },
        { blockNum: 2, parNum: 1, lineNum: 13, words: [4, 4], classification: 'CATCHWORD', confidence: 0.8 },
        { blockNum: 1, parNum: 1, lineNum: 14, classification: 'SECTION_HEADING', confidence: 0.8 },
      ]);
    });
  });

  it('marks each edge line once, and leaves a page with no marks without lines', () => {
    const ocr = oldPrintPage();
    const candidates = furnitureCandidates(ocr);
    const head = candidates.find((c) => c.text === 'DE ELECTIONE')?.id as number;
    const twice = labelPageFromAnswer(
      answer({
        furnitureLines: [
          { line: head, classification: 'HEADER', confidence: 0.9 },
          { line: head, classification: 'FOOTER', confidence: 0.5 },
        ],
      }),
      candidates,
    );
    expect(twice.lines).toEqual([{ blockNum: 1, parNum: 1, lineNum: 1, words: [2, 3], classification: 'HEADER', confidence: 0.9 }]);
    expect(labelPageFromAnswer(answer({}), candidates)).not.toHaveProperty('lines');
  });
});
