/**
 * Test support: a deterministic stand-in for a vision model behind the fake provider. Its answer depends
 * only on the request's page JSON, never on timing or attempt, so an interrupted run that is resumed must
 * end with exactly the pages of an uninterrupted one.
 */
import type { FakeReply, FakeRequest } from '@bookpipe/llm-batch/testing';

interface PromptBlock {
  blockNum: number;
  text?: string;
  paragraphs?: { parNum: number; text: string }[];
}
export interface PromptPage {
  page: number;
  blocks: PromptBlock[];
}

/** The page JSON the correction and label stages put after "...(the page image is attached):". */
export function promptPage(request: FakeRequest): PromptPage {
  const marker = request.text.lastIndexOf('attached):');
  if (marker < 0) throw new Error(`request ${request.id} has no page JSON after "attached):"`);
  const line = request.text.slice(request.text.indexOf('{', marker)).split('\n')[0]!;
  return JSON.parse(line) as PromptPage;
}

/** Which stage a request is for, from its pinned schema's name. */
export function requestStage(request: FakeRequest): 'correction' | 'label' {
  if (request.schemaName === 'page_correction') return 'correction';
  if (request.schemaName === 'page_label') return 'label';
  throw new Error(`request ${request.id}: unexpected schema ${String(request.schemaName)}`);
}

export const CORRECTION_MARK = '(checked by the crash-suite model)';

/** Fields of the OCR stage's `book_metadata` answer (its JSON schema requires every one). */
const METADATA_FIELDS = ['title', 'author', 'year', 'publisher', 'isbn', 'language'] as const;

/**
 * The OCR stage's one `book_metadata` request (text of the first pages, no image): the crash scans are
 * body pages of a real book, so the model finds nothing but the language. Deterministic, like the rest.
 */
export function metadataReply(): FakeReply {
  const none = { value: null, confidence: 0, page: null, line: null };
  const json = Object.fromEntries(METADATA_FIELDS.map((field) => [field, field === 'language' ? { ...none, value: 'en', confidence: 0.9 } : none]));
  return { json, usage: { promptTokens: 600, completionTokens: 60 } };
}

/**
 * The metadata request gets {@link metadataReply}. Correction leaves every paragraph as read (null) but the page's longest, which it marks; label makes a
 * short first block a HEADER and the rest BODY, and reads the printed page number as scan page + 40.
 */
export function scriptedModel(request: FakeRequest): FakeReply {
  if (request.schemaName === 'book_metadata') return metadataReply();
  const page = promptPage(request);
  const usage = { promptTokens: 1400, completionTokens: 180 };
  if (requestStage(request) === 'correction') {
    const paragraphs = page.blocks.flatMap((b) => b.paragraphs ?? []);
    const longest = paragraphs.reduce<{ text: string } | undefined>((a, b) => (a === undefined || b.text.length > a.text.length ? b : a), undefined);
    return {
      usage,
      json: {
        blocks: page.blocks.map((block) => ({
          blockNum: block.blockNum,
          paragraphs: (block.paragraphs ?? []).map((p) =>
            // The correction stage refuses a change of more than 15% of a paragraph: mark only one long enough.
            p === longest && p.text.length * 0.15 > CORRECTION_MARK.length + 1
              ? { parNum: p.parNum, edits: [{ find: p.text, replace: `${p.text} ${CORRECTION_MARK}` }], notes: 'scripted', confidence: 0.9 }
              : { parNum: p.parNum, edits: [], notes: '', confidence: 0.95 },
          ),
        })),
      },
    };
  }
  const printed = String(page.page + 40);
  return {
    usage,
    json: {
      blocks: page.blocks.map((block, i) => ({
        blockNum: block.blockNum,
        classification: i === 0 && (block.text ?? '').length < 60 ? 'HEADER' : 'BODY',
        confidence: 0.9,
      })),
      printedPageNumber: printed,
      numberingStyle: 'arabic',
      pageNumberLocation: 'header',
      pageNumberConfidence: 0.9,
      pageRegion: 'body',
      pageRegionConfidence: 0.8,
      furnitureLines: [],
    },
  };
}
