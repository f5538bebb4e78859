import type { OcrPage } from '@bookpipe/contracts';
import { itemsOf, pinItems, pinProperty, replaceProperty, withoutDescriptions } from '@bookpipe/kit';
import { type JsonSchema, type LlmResponseSchema, toStrictJsonSchema } from '@bookpipe/llm-batch';
import { z } from 'zod';

/** One change to a paragraph: a span of its given text and what replaces it. */
export const EditAnswerSchema = z.object({
  find: z
    .string()
    .describe('Characters copied exactly from the given text of this paragraph, occurring in it only once (add neighbouring words until they do).'),
  replace: z.string().describe('What is printed there instead.'),
});

/**
 * What the model answers for one paragraph. Only what it must decide: the stage adds the rest
 * (model, cost, timestamps, the de-hyphenation notes) itself. The model names the spans to change,
 * not the whole paragraph: its answer is a few words, not the page again, and it cannot drift in the
 * parts it did not mean to touch (see `applyEdits`).
 */
export const ParagraphAnswerSchema = z.object({
  parNum: z.int().positive().describe('The paragraph number, as given.'),
  edits: z.array(EditAnswerSchema).describe('The corrections of this paragraph; [] when the given text is right as it stands.'),
  notes: z.string().describe('What was corrected and why, briefly; "" when nothing to say.'),
  confidence: z.number().min(0).max(1).describe('How sure you are that the paragraph now reads as printed, 0..1.'),
});

export const BlockAnswerSchema = z.object({
  blockNum: z.int().positive().describe('The block number, as given.'),
  paragraphs: z.array(ParagraphAnswerSchema).describe('Every paragraph of the block, in the order given.'),
});

/** The model's answer for one page: every block and paragraph of the OCR page, in order. */
export const CorrectionAnswerSchema = z.object({
  blocks: z.array(BlockAnswerSchema).describe('Every block of the page, in the order given.'),
});
export type CorrectionAnswer = z.infer<typeof CorrectionAnswerSchema>;

/** Name of the structured output (OpenAI `json_schema.name`, Anthropic tool name). */
export const CORRECTION_SCHEMA_NAME = 'page_correction';

/** Where the edit object is defined once in every correction schema (`$defs`), for each paragraph to `$ref`. */
export const EDIT_REF = '#/$defs/Edit';

/**
 * `CorrectionAnswerSchema` as strict JSON Schema, with the edit object defined once under `$defs`:
 * inline, its two properties would be repeated in every pinned paragraph and count against OpenAI's
 * 5,000 object properties a schema (a page of 1,000 paragraphs would no longer fit).
 */
function genericSchema(): JsonSchema {
  const strict = toStrictJsonSchema(CorrectionAnswerSchema);
  const blockItem = itemsOf(strict, 'blocks');
  const paragraphItem = itemsOf(blockItem, 'paragraphs');
  const editItem = itemsOf(paragraphItem, 'edits');
  const paragraph = replaceProperty(paragraphItem, 'edits', (array) => ({ ...array, items: { $ref: EDIT_REF } }));
  const block = replaceProperty(blockItem, 'paragraphs', (array) => ({ ...array, items: paragraph }));
  return { ...replaceProperty(strict, 'blocks', (array) => ({ ...array, items: block })), $defs: { Edit: editItem } };
}

const GENERIC = genericSchema();

/**
 * The response schema for one OCR page: `CorrectionAnswerSchema` (strict-mode compatible) with the
 * number of blocks and of paragraphs per block fixed to the page's (`prefixItems`, `minItems` =
 * `maxItems`) and every `blockNum` and `parNum` pinned with `const`. The batch client validates each
 * answer against it locally, so an answer with a block too many is rejected and retried whatever
 * the provider enforces.
 */
export function correctionResponseSchemaFor(page: OcrPage): LlmResponseSchema {
  // Descriptions once, in the generic items schemas: not repeated for every block and paragraph.
  const blockItem = withoutDescriptions(itemsOf(GENERIC, 'blocks'));
  const paragraphItem = itemsOf(blockItem, 'paragraphs');
  const blocks = page.blocks.map((block) =>
    replaceProperty(pinProperty(blockItem, 'blockNum', block.blockNum), 'paragraphs', (array) =>
      pinItems(
        array,
        block.paragraphs.map((paragraph) => pinProperty(paragraphItem, 'parNum', paragraph.parNum)),
      ),
    ),
  );
  return {
    name: CORRECTION_SCHEMA_NAME,
    description: `Corrections of the OCR text of scan page ${page.pageNumber}, one entry per given paragraph.`,
    schema: replaceProperty(GENERIC, 'blocks', (array) => pinItems(array, blocks)),
  };
}
