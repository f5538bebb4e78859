/** Characters of a block's text sent to the model; the class shows in a block's first lines. */
export const BLOCK_TEXT_LIMIT = 300;

/**
 * The OCR page as the label model sees it: each block's number, box, line count, median line height
 * (what sets a heading or a footnote apart) and text, cut after `BLOCK_TEXT_LIMIT` characters; then
 * the pieces of lines at the page's edges that may be furniture (`furnitureCandidates`), each with the
 * id the model marks it by, where it is, its box and text. Compact JSON: the tokens are paid for.
 */
export function labelPromptJson(page: OcrPage, candidates: readonly FurnitureCandidate[] = furnitureCandidates(page)): string {
  return JSON.stringify({
    page: page.pageNumber,
    blocks: page.blocks.map((block) => {
      const lines = block.paragraphs.flatMap((paragraph) => paragraph.lines).filter((line) => line.text.trim() !== '');
      const heights = lines.map((line) => line.bbox.height).sort((a, b) => a - b);
      const text = lines.map((line) => line.text.trim()).join(' ');
      return {
        blockNum: block.blockNum,
        box: relativeBox(block.bbox, page),
        lines: lines.length,
        lineHeight: heights.length === 0 ? 0 : Math.round(((heights[Math.floor(heights.length / 2)] ?? 0) / page.height) * 1000),
        text: text.length > BLOCK_TEXT_LIMIT ? `${text.slice(0, BLOCK_TEXT_LIMIT)} [...]` : text,
        // Read by the OCR's margin pass: a mark set apart at the head or foot, furniture or noise.
        ...(block.pass === 'margin' ? { margin: true } : {}),
      };
    }),
    edgeLines: candidates.map((candidate) => ({ line: candidate.id, where: candidate.where, box: relativeBox(candidate.bbox, page), text: candidate.text })),
  });
}

import type { OcrPage } from '@bookpipe/contracts';
import { relativeBox } from '@bookpipe/kit';
import { type FurnitureCandidate, furnitureCandidates } from './furniture-candidates.js';
