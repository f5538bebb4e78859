import { BLOCK_CLASSES, LabelPageSchema, type OcrPage } from '@bookpipe/contracts';
import { anthropic, LlmBatchClient, type LlmResult, openaiCompatible } from '@bookpipe/llm-batch';
import { type FakeProvider, startFakeProvider } from '@bookpipe/llm-batch/testing';
import type { JsonSchemaNode } from '@bookpipe/testkit';
import { describe, expect, it } from 'vitest';
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
    expect(text.split('"CHAPTER_HEADING"')).toHaveLength(2);
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
