import {
  BLOCK_CLASSES,
  BlockClassSchema,
  type LabelPage,
  LineClassSchema,
  type NumberingStyle,
  NumberingStyleSchema,
  type OcrPage,
  PageNumberLocationSchema,
  PageRegionSchema,
} from '@bookpipe/contracts';
import { itemsOf, pinItems, pinProperty, replaceProperty, withoutDescriptions } from '@bookpipe/kit';
import { type JsonSchema, type LlmResponseSchema, toStrictJsonSchema } from '@bookpipe/llm-batch';
import { z } from 'zod';
import { candidateLineLabel, type FurnitureCandidate, furnitureCandidates } from './furniture-candidates.js';
import { numeralStyle } from './page-number-text.js';

const confidence = z.number().min(0).max(1);

/** What the model answers for one page: only what it must decide (no bookkeeping). */
export const LabelAnswerSchema = z.object({
  printedPageNumber: z.string().nullable().describe('The page number printed on this page, exactly as printed ("17", "xiv"); null when the page shows none.'),
  numberingStyle: NumberingStyleSchema.describe('"arabic" or "roman" for the printed page number; "none" when there is none.'),
  pageNumberLocation: PageNumberLocationSchema.describe('Where the page number is printed: in the header (top) or footer (bottom); "none" when there is none.'),
  pageNumberConfidence: confidence.describe('How sure you are of the page number, its style and location, 0..1.'),
  pageRegion: PageRegionSchema.describe('The part of the book this page belongs to.'),
  pageRegionConfidence: confidence.describe('How sure you are of the page region, 0..1.'),
  blocks: z
    .array(
      z.object({
        blockNum: z.int().positive().describe('The block number, as given.'),
        classification: BlockClassSchema,
        confidence: confidence.describe('How sure you are of the class, 0..1.'),
      }),
    )
    .describe('Every block of the page, in the order given.'),
  furnitureLines: z
    .array(
      z.object({
        line: z.int().positive().describe('The id of an edge line, as given in "edgeLines".'),
        classification: LineClassSchema.describe(
          'HEADER running head, PAGE_NUMBER printed page number, FOOTER running foot, CATCHWORD the next page\'s first word at the foot, SIGNATURE_MARK a printer\'s mark such as "B 2", MARGINALIA a note in the margin, CHAPTER_HEADING or SECTION_HEADING a heading on a line of its own.',
        ),
        confidence: confidence.describe('How sure you are that this line is of that class, 0..1.'),
      }),
    )
    .describe('The edge lines that are page furniture or a heading, not running text; edge lines that are running text are left out.'),
});
export type LabelAnswer = z.infer<typeof LabelAnswerSchema>;

/** Name of the structured output (OpenAI `json_schema.name`, Anthropic tool name). */
export const LABEL_SCHEMA_NAME = 'page_label';

/** Where the block classes are defined once in every label schema (`$defs`), for each block to `$ref`. */
export const BLOCK_CLASS_REF = '#/$defs/BlockClass';

/**
 * `LabelAnswerSchema` as strict JSON Schema, with the 32 block classes defined once under `$defs` and
 * each block's `classification` a `$ref` to them. Repeated per block, the enum passed OpenAI's limit
 * of 1,000 enum values in one schema at 31 blocks, and billed ~1.5 KB of tool schema a block on Anthropic.
 */
function genericSchema(): JsonSchema {
  const strict = toStrictJsonSchema(LabelAnswerSchema);
  const blockItem = itemsOf(strict, 'blocks');
  const classification = { $ref: BLOCK_CLASS_REF };
  return {
    ...replaceProperty(strict, 'blocks', (array) => ({ ...array, items: replaceProperty(blockItem, 'classification', () => classification) })),
    $defs: { BlockClass: { type: 'string', enum: [...BLOCK_CLASSES], description: 'The class of a block, as defined in the instructions.' } },
  };
}

const GENERIC = genericSchema();

/**
 * The response schema for one OCR page: `LabelAnswerSchema` (strict-mode compatible, the block
 * classes once in `$defs`) with exactly the page's blocks, in order (`prefixItems`, `minItems` =
 * `maxItems`), each `blockNum` pinned with `const`. Enforced locally by the batch client whatever the
 * provider does.
 */
export function labelResponseSchemaFor(page: OcrPage, candidates: readonly FurnitureCandidate[] = furnitureCandidates(page)): LlmResponseSchema {
  // Descriptions once, in the generic items schema: not repeated for every block.
  const positionItem = withoutDescriptions(itemsOf(GENERIC, 'blocks'));
  const blocks = replaceProperty(GENERIC, 'blocks', (array) =>
    pinItems(
      array,
      page.blocks.map((block) => pinProperty(positionItem, 'blockNum', block.blockNum)),
    ),
  );
  // Only the ids offered, each at most once (an enum of the page's ids; none offered, none answered).
  const ids = candidates.map((candidate) => candidate.id);
  return {
    name: LABEL_SCHEMA_NAME,
    description: `Labels of scan page ${page.pageNumber}: its printed page number, region, a class for each given block and the edge lines that are furniture.`,
    schema: replaceProperty(blocks, 'furnitureLines', (array) => ({
      ...array,
      maxItems: ids.length,
      ...(ids.length === 0 ? {} : { items: replaceProperty(itemsOf(blocks, 'furnitureLines'), 'line', (line) => ({ ...line, enum: ids })) }),
    })),
  };
}

/**
 * The label page file from a model's answer. The answer's page-number fields are made consistent
 * (a JSON Schema cannot tie them together): an empty number is no number; no number means style and
 * location "none"; a number with style "none" gets the style its numeral shows.
 */
export function labelPageFromAnswer(answer: LabelAnswer, candidates: readonly FurnitureCandidate[] = []): LabelPage {
  const printed = answer.printedPageNumber?.trim() || null;
  let style: NumberingStyle = answer.numberingStyle;
  if (printed === null) style = 'none';
  else if (style === 'none') style = numeralStyle(printed) ?? (/\d/.test(printed) ? 'arabic' : 'roman');
  return {
    printedPageNumber: printed,
    numberingStyle: style,
    pageNumberLocation: printed === null ? 'none' : answer.pageNumberLocation,
    pageNumberConfidence: answer.pageNumberConfidence,
    pageRegion: answer.pageRegion,
    pageRegionConfidence: answer.pageRegionConfidence,
    blocks: answer.blocks.map((block) => ({ blockNum: block.blockNum, classification: block.classification, confidence: block.confidence })),
    ...furnitureOf(answer, candidates),
  };
}

/**
 * The label page's `lines` from the edge lines the model marked: each id once (the first answer wins),
 * ids that were not offered left out. No `lines` when none is marked.
 */
function furnitureOf(answer: LabelAnswer, candidates: readonly FurnitureCandidate[]): Pick<LabelPage, 'lines'> {
  const byId = new Map(candidates.map((candidate) => [candidate.id, candidate]));
  const marked = new Set<number>();
  const lines = answer.furnitureLines.flatMap((mark) => {
    const candidate = byId.get(mark.line);
    if (!candidate || marked.has(mark.line)) return [];
    marked.add(mark.line);
    return [candidateLineLabel(candidate, mark.classification, mark.confidence)];
  });
  return lines.length === 0 ? {} : { lines };
}
