/** One OCR block with the measures the labeller decides on. */
export interface BlockLayout {
  block: OcrBlock;
  lines: OcrLine[];
  text: string;
  words: number;
  /** Line pitch (distance between consecutive line tops) when the block has 2+ lines, else its line height. */
  size: number;
  /** `size` over the page's body size: 1 for body text, > 1.3 for a heading, < 0.9 for notes. */
  scale: number;
  meanConfidence: number;
  /**
   * Noise: `strong` for a block with no letter or digit or far too small for text, `weak` for one
   * or two letters or a few low-confidence marks (often noise, sometimes a catch-word). Neither
   * counts when measuring the page.
   */
  noise: 'none' | 'weak' | 'strong';
  /** Above the page's body text (a running head, a page number, or a title on an opening page). */
  above: boolean;
  /** Below the page's body text (page number, footer, catch-word, footnotes). */
  below: boolean;
  /** `above`, and on the page's first text line. */
  topLine: boolean;
  /** `below`, and on the page's last text line. */
  bottomLine: boolean;
  /** Roughly centred on the text column. */
  centred: boolean;
}

export interface PageLayout {
  page: OcrPage;
  blocks: BlockLayout[];
  /** Median height of text lines (lines of 3+ words) on the page. */
  lineHeight: number;
  /** Median line pitch inside blocks: the body text's size. */
  bodySize: number;
  /** Box around every non-artifact block. */
  content: BBox;
  /** Top and bottom of the body text (blocks of several full lines); the content box when there is none. */
  bodyTop: number;
  bodyBottom: number;
}

const median = (values: number[]): number | undefined => {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

const blockLines = (block: OcrBlock): OcrLine[] => block.paragraphs.flatMap((paragraph) => paragraph.lines).filter((line) => line.text.trim().length > 0);

/** Line pitches inside a block, ignoring lines OCR put side by side (overlapping heights). */
function pitches(lines: OcrLine[]): number[] {
  const out: number[] = [];
  for (let index = 1; index < lines.length; index += 1) {
    const previous = lines[index - 1] as OcrLine;
    const line = lines[index] as OcrLine;
    const pitch = line.bbox.y - previous.bbox.y;
    if (pitch > 0.5 * Math.min(line.bbox.height, previous.bbox.height)) out.push(pitch);
  }
  return out;
}

/** Measures one page: body text size, where the body starts and ends, and each block against them. */
export function measurePage(page: OcrPage): PageLayout {
  const raw = page.blocks.map((block) => {
    const lines = blockLines(block);
    const text = lines.map((line) => line.text.trim()).join('\n');
    const words = lines.flatMap((line) => line.words);
    return { block, lines, text, words: text.split(/\s+/).filter(Boolean).length, wordList: words };
  });
  const allLines = raw.flatMap((entry) => entry.lines);
  const textLines = allLines.filter((line) => line.text.trim().split(/\s+/).length >= 3);
  const lineHeight = median((textLines.length > 0 ? textLines : allLines).map((line) => line.bbox.height)) ?? 1;
  const bodySize = median(raw.flatMap((entry) => pitches(entry.lines))) ?? lineHeight;

  const blocks: BlockLayout[] = raw.map(({ block, lines, text, words, wordList }) => {
    const ownPitch = median(pitches(lines));
    const ownHeight = median(lines.map((line) => line.bbox.height)) ?? 0;
    const size = ownPitch ?? ownHeight;
    const scale = ownPitch !== undefined ? ownPitch / bodySize : ownHeight / lineHeight;
    const meanConfidence = wordList.length > 0 ? wordList.reduce((sum, word) => sum + word.confidence, 0) / wordList.length : 0;
    const alphanumerics = (text.match(/[\p{L}\p{N}]/gu) ?? []).length;
    const noise: BlockLayout['noise'] =
      alphanumerics === 0 || ownHeight < 0.4 * lineHeight
        ? 'strong'
        : (alphanumerics <= 2 && !/\p{N}/u.test(text)) || (meanConfidence < 0.5 * page.meanConfidence && words <= 4 && !/^\W*\p{N}{1,4}\W*$/u.test(text))
          ? 'weak'
          : 'none';
    return { block, lines, text, words, size, scale, meanConfidence, noise, above: false, below: false, topLine: false, bottomLine: false, centred: false };
  });

  const kept = blocks.filter((entry) => entry.noise === 'none');
  const content = boxAround(kept.map((entry) => entry.block.bbox)) ?? { x: 0, y: 0, width: page.width, height: page.height };
  // Body blocks: several lines of about body size, or two wide ones. Lines with no letter or digit
  // (a rule under a running head read as "—") do not count.
  const textLineCount = (entry: BlockLayout) => entry.lines.filter((line) => /[\p{L}\p{N}]/u.test(line.text)).length;
  const body = kept.filter(
    (entry) =>
      (textLineCount(entry) >= 3 || (textLineCount(entry) >= 2 && entry.block.bbox.width >= 0.5 * content.width)) && entry.scale > 0.6 && entry.scale < 1.6,
  );
  const bodyTop = body.length > 0 ? Math.min(...body.map((entry) => entry.block.bbox.y)) : content.y + 0.15 * page.height;
  const bodyBottom =
    body.length > 0 ? Math.max(...body.map((entry) => entry.block.bbox.y + entry.block.bbox.height)) : content.y + content.height - 0.15 * page.height;
  const tolerance = 0.3 * lineHeight;
  for (const entry of blocks) {
    if (entry.noise === 'strong') continue;
    const { bbox } = entry.block;
    // Above the body and on the page's first text line or the next (a stray mark may sit higher).
    const over = kept.filter((other) => other !== entry && other.block.bbox.y + other.block.bbox.height <= bbox.y + tolerance).length;
    const under = kept.filter((other) => other !== entry && other.block.bbox.y >= bbox.y + bbox.height - tolerance).length;
    entry.above = bbox.y + bbox.height <= bodyTop + tolerance && bbox.y < 0.35 * page.height && over <= 1;
    entry.below = bbox.y >= bodyBottom - tolerance && bbox.y > 0.55 * page.height && under <= 1;
    // The page's first or last text line: running heads, feet and folios live there, line numbers in a margin do not.
    entry.topLine = entry.above && bbox.y < content.y + 2 * lineHeight;
    entry.bottomLine = entry.below && bbox.y + bbox.height > content.y + content.height - 2 * lineHeight;
    const centre = bbox.x + bbox.width / 2;
    entry.centred = Math.abs(centre - (content.x + content.width / 2)) < 0.08 * content.width && bbox.width < 0.8 * content.width;
  }
  return { page, blocks, lineHeight, bodySize, content, bodyTop, bodyBottom };
}

function boxAround(boxes: BBox[]): BBox | undefined {
  if (boxes.length === 0) return undefined;
  const x = Math.min(...boxes.map((box) => box.x));
  const y = Math.min(...boxes.map((box) => box.y));
  const right = Math.max(...boxes.map((box) => box.x + box.width));
  const bottom = Math.max(...boxes.map((box) => box.y + box.height));
  return { x, y, width: right - x, height: bottom - y };
}

import type { BBox, OcrBlock, OcrLine, OcrPage } from '@bookpipe/contracts';
