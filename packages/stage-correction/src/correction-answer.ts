import type { OcrPage } from '@bookpipe/contracts';
import { itemsOf, pinItems, pinProperty, replaceProperty, withoutDescriptions } from '@bookpipe/kit';
import { type LlmResponseSchema, toStrictJsonSchema } from '@bookpipe/llm-batch';
import { z } from 'zod';

/**
 * What the model answers for one paragraph. Only what it must decide: the stage adds the rest
 * (model, cost, timestamps, the de-hyphenation notes) itself.
 */
export const ParagraphAnswerSchema = z.object({
  parNum: z.int().positive().describe('The paragraph number, as given.'),
  text: z.string().nullable().describe('null when the given text is right as it stands; else the whole corrected paragraph, as one line.'),
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

const GENERIC = toStrictJsonSchema(CorrectionAnswerSchema);

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
