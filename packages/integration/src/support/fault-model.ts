/**
 * Test support: a scripted stand-in for a vision model, for the correction and label stages against
 * the fake provider. Its answer depends only on the request (the page JSON the stage sent), never on
 * timing or attempt, so a run with faults that recovers must end with exactly the book of a
 * fault-free run.
 */
import type { FakeReply, FakeRequest } from '@bookpipe/llm-batch/testing';

const MARKER = '(the page image is attached):\n';

interface PromptParagraph {
  parNum: number;
  text: string;
}
interface PromptBlock {
  blockNum: number;
  text?: string;
  paragraphs?: PromptParagraph[];
}
interface PromptPage {
  page: number;
  blocks: PromptBlock[];
}

/** The page JSON a stage put after its prompt's marker line. */
export function promptPage(request: FakeRequest): PromptPage {
  const at = request.text.lastIndexOf(MARKER);
  if (at < 0) throw new Error(`request ${request.id} has no page JSON after "${MARKER.trim()}"`);
  return JSON.parse(request.text.slice(at + MARKER.length).split('\n')[0]!) as PromptPage;
}

/** Mark the scripted correction adds to the first long paragraph of each page, to see it in book.md. */
export const CORRECTION_MARK = '(checked by the scripted model)';

/**
 * Correction: every paragraph as OCR read it, except the page's longest (body text, not a running
 * head), which gets `CORRECTION_MARK` appended. Label: the first block of a page HEADER when it is short (a running
 * head or chapter line), the rest BODY; the printed page number is the scan page + 10.
 */
export function scriptedModel(request: FakeRequest): FakeReply {
  const page = promptPage(request);
  const usage = { promptTokens: 1500, completionTokens: 200 };
  if (request.schemaName === 'page_correction') {
    const longest = page.blocks.flatMap((block) => block.paragraphs ?? []).reduce((a, b) => (b.text.length > a.text.length ? b : a));
    const blocks = page.blocks.map((block) => ({
      blockNum: block.blockNum,
      paragraphs: (block.paragraphs ?? []).map((paragraph) => {
        // The correction stage refuses a change of more than 15% of a paragraph: mark only one long enough.
        const mark = paragraph === longest && paragraph.text.length * 0.15 > CORRECTION_MARK.length + 1;
        return mark
          ? { parNum: paragraph.parNum, edits: [{ find: paragraph.text, replace: `${paragraph.text} ${CORRECTION_MARK}` }], notes: 'scripted', confidence: 0.9 }
          : { parNum: paragraph.parNum, edits: [], notes: '', confidence: 0.95 };
      }),
    }));
    return { json: { blocks }, usage };
  }
  if (request.schemaName === 'page_label') {
    const printed = String(page.page + 10);
    return {
      json: {
        printedPageNumber: printed,
        numberingStyle: 'arabic',
        pageNumberLocation: 'footer',
        pageNumberConfidence: 0.9,
        pageRegion: 'body',
        pageRegionConfidence: 0.8,
        furnitureLines: [],
        blocks: page.blocks.map((block, index) => ({
          blockNum: block.blockNum,
          classification: index === 0 && (block.text ?? '').length < 40 ? 'HEADER' : 'BODY',
          confidence: 0.85,
        })),
      },
      usage,
    };
  }
  throw new Error(`scripted model: unexpected schema ${request.schemaName} in request ${request.id}`);
}
