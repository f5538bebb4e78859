import { isHeadingLine, type LineLabel, type MergeFurniture, type MergeHeadingLine, type OcrParagraph } from '@bookpipe/contracts';
import { editDistance } from '@bookpipe/text';

/** An OCR paragraph with its furniture lines (or words) taken out, and what was taken. */
export interface ParagraphWithoutFurniture {
  /** The paragraph as a reader reads it: furniture words removed, lines left empty dropped, `text` rebuilt. */
  paragraph: OcrParagraph;
  furniture: MergeFurniture[];
  /** Heading lines at the paragraph's start or end, cut out of it like furniture and set apart. */
  headings: MergeHeadingLine[];
  /** Words of furniture (or heading) before the paragraph's first word of text, and after its last (to strip from a corrected text). */
  leading: string[];
  trailing: string[];
  /** Furniture between two words of text (a marginal note OCR put inside a line): a corrected text cannot be cut there. */
  inside: boolean;
}

/**
 * Takes the label's furniture lines out of one OCR paragraph, and its heading lines where they open or
 * close it. `lines` are the label page's line labels (any paragraph's; those of this one are used). Line
 * labels that name no line of the paragraph are ignored (the label schema checked them against the OCR
 * page). A heading line is a whole line; one with text on both sides of it in the paragraph stays text
 * (its order with the text around it could not be kept).
 */
export function withoutFurniture(blockNum: number, paragraph: OcrParagraph, lines: readonly LineLabel[]): ParagraphWithoutFurniture {
  const labelled = lines.filter((line) => line.blockNum === blockNum && line.parNum === paragraph.parNum && paragraph.lines[line.lineNum - 1] !== undefined);
  const own = edgeHeadings(paragraph, labelled);
  if (own.length === 0) return { paragraph, furniture: [], headings: [], leading: [], trailing: [], inside: false };
  const furniture: MergeFurniture[] = [];
  const headings: MergeHeadingLine[] = [];
  /** For each word of the paragraph in reading order: furniture or text. */
  const sequence: Array<{ text: string; furniture: boolean; line: number }> = [];
  const kept = paragraph.lines.flatMap((line, index) => {
    const marks = own.filter((label) => label.lineNum === index + 1);
    const isFurniture = (rank: number) => marks.some((label) => !label.words || (rank >= label.words[0] && rank <= label.words[1]));
    for (const label of marks) {
      const classification = label.classification;
      if (isHeadingLine(classification)) {
        const text = line.words.length > 0 ? line.words.map((word) => word.text).join(' ') : line.text.trim();
        headings.push({ lineNum: index + 1, classification, text, at: 'start' });
        continue;
      }
      const words = label.words ? line.words.slice(label.words[0] - 1, label.words[1]) : line.words;
      const text = label.words || line.words.length > 0 ? words.map((word) => word.text).join(' ') : line.text.trim();
      const entry: MergeFurniture = { lineNum: index + 1, classification, text };
      if (label.words) entry.words = label.words;
      furniture.push(entry);
    }
    if (marks.length === 0) {
      for (const word of line.words) sequence.push({ text: word.text, furniture: false, line: index });
      return [line];
    }
    if (marks.some((label) => !label.words)) {
      for (const word of line.words) sequence.push({ text: word.text, furniture: true, line: index });
      return [];
    }
    const words = line.words.filter((word, rank) => {
      sequence.push({ text: word.text, furniture: isFurniture(rank + 1), line: index });
      return !isFurniture(rank + 1);
    });
    if (!words.some((word) => /[\p{L}\p{N}]/u.test(word.text))) return [];
    const first = words[0];
    const last = words.at(-1);
    const bbox = first && last ? { x: first.bbox.x, y: line.bbox.y, width: last.bbox.x + last.bbox.width - first.bbox.x, height: line.bbox.height } : line.bbox;
    return [{ ...line, bbox, text: words.map((word) => word.text).join(' '), words }];
  });
  const firstText = sequence.findIndex((entry) => !entry.furniture && /[\p{L}\p{N}]/u.test(entry.text));
  const lastText = sequence.findLastIndex((entry) => !entry.furniture && /[\p{L}\p{N}]/u.test(entry.text));
  const leading = (firstText < 0 ? sequence : sequence.slice(0, firstText)).filter((entry) => entry.furniture).map((entry) => entry.text);
  const trailing =
    firstText < 0
      ? []
      : sequence
          .slice(lastText + 1)
          .filter((entry) => entry.furniture)
          .map((entry) => entry.text);
  const inside = firstText >= 0 && sequence.slice(firstText, lastText + 1).some((entry) => entry.furniture);
  // A heading after the paragraph's last line of text closes it: it heads what follows.
  const firstTextLine = sequence[firstText]?.line;
  for (const heading of headings) if (firstTextLine !== undefined && heading.lineNum > firstTextLine + 1) heading.at = 'end';
  return {
    paragraph: { ...paragraph, text: kept.map((line) => line.text).join('\n'), lines: kept },
    furniture,
    headings,
    leading,
    trailing,
    inside,
  };
}

/**
 * The paragraph's labels with heading lines kept only where they open or close the paragraph's text: a
 * heading label with text lines both before and after it is dropped (the line stays text), and a heading
 * label always covers its whole line.
 */
function edgeHeadings(paragraph: OcrParagraph, labels: readonly LineLabel[]): LineLabel[] {
  if (!labels.some((label) => isHeadingLine(label.classification))) return [...labels];
  const wholeFurniture = new Set(labels.filter((label) => !isHeadingLine(label.classification) && !label.words).map((label) => label.lineNum));
  const headingLines = new Set(labels.filter((label) => isHeadingLine(label.classification)).map((label) => label.lineNum));
  const textLines = paragraph.lines.flatMap((line, index) =>
    /[\p{L}\p{N}]/u.test(line.text) && !wholeFurniture.has(index + 1) && !headingLines.has(index + 1) ? [index + 1] : [],
  );
  return labels.flatMap((label) => {
    if (!isHeadingLine(label.classification)) return [label];
    const before = textLines.some((lineNum) => lineNum < label.lineNum);
    const after = textLines.some((lineNum) => lineNum > label.lineNum);
    if (before && after) return [];
    const { words: _words, ...whole } = label;
    return [whole];
  });
}

const letters = (text: string) =>
  text
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, '');

/**
 * A corrected paragraph text with the paragraph's furniture cut off its ends: the corrector was given
 * the OCR text, furniture included, and may have mended its words. The first (last) words are cut when
 * they read as the furniture (letters and digits at most a third apart). Null when they do not, or when
 * furniture sits inside the text: the caller then falls back to the OCR text without furniture.
 */
export function stripFurnitureFromText(text: string, cut: Pick<ParagraphWithoutFurniture, 'leading' | 'trailing' | 'inside'>): string | null {
  if (cut.inside) return null;
  let tokens = text.split(/\s+/).filter(Boolean);
  const matches = (taken: string[], expected: string[]) => {
    const a = letters(taken.join(''));
    const b = letters(expected.join(''));
    const longest = Math.max(a.length, b.length);
    return longest === 0 || editDistance(a, b) / longest <= 1 / 3;
  };
  for (const [side, words] of [
    ['start', cut.leading],
    ['end', cut.trailing],
  ] as const) {
    if (words.length === 0) continue;
    // The corrector may have merged or split a word or two: try the same count, one fewer and one more.
    const counts = [words.length, words.length - 1, words.length + 1].filter((count) => count > 0 && count <= tokens.length);
    const count = counts.find((n) => matches(side === 'start' ? tokens.slice(0, n) : tokens.slice(-n), words));
    if (count === undefined) return null;
    tokens = side === 'start' ? tokens.slice(count) : tokens.slice(0, tokens.length - count);
  }
  return tokens.join(' ');
}
