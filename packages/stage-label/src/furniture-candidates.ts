import { type BBox, boxAround, type LineLabel, type OcrPage } from '@bookpipe/contracts';
import { centredLines } from './heading-lines.js';
import { measure, type PlacedLine, type PlacedWord } from './line-furniture.js';

/**
 * Most candidates offered a page: its top rows, its foot and a page of marginal notes fit well
 * under it, and each one is an enum value of the page's response schema (OpenAI allows 1,000 in all).
 */
export const MAX_FURNITURE_CANDIDATES = 40;

/** Characters of a candidate's text sent to the model: furniture is short, a text line only has to be recognised. */
const CANDIDATE_TEXT_LIMIT = 60;

/**
 * A piece of an OCR line that may be page furniture, as the label model is offered it: words of one
 * line set close together, at the top or the foot of the page or beside the text column. `id` is what
 * the model answers with; `words` (1-based ranks in the OCR line) is null when the piece is the whole line.
 */
export interface FurnitureCandidate {
  id: number;
  /** `inside`: a short centred line opening or closing a paragraph, where a heading OCR read into the text would be. */
  where: 'top' | 'foot' | 'margin' | 'inside';
  blockNum: number;
  parNum: number;
  lineNum: number;
  words: [number, number] | null;
  text: string;
  bbox: BBox;
}

const hasInk = (text: string) => /[\p{L}\p{N}]/u.test(text);
const right = (box: BBox) => box.x + box.width;

/**
 * Splits the words of one OCR line where they stand further apart than a word space: a folio set off
 * from its running head, a catch-word flush right after a short last line, a note beside the text.
 * OCR often reads such pieces as one line, and the model must be able to mark one of them only.
 */
function pieces(placed: PlacedLine, gap: number): PlacedWord[][] {
  const words = placed.line.words
    .map((word, index) => ({ at: placed, rank: index + 1, word }))
    .filter((entry) => hasInk(entry.word.text) || /^[*)(]+$/.test(entry.word.text.trim()))
    .sort((a, b) => a.word.bbox.x - b.word.bbox.x);
  const out: PlacedWord[][] = [];
  for (const entry of words) {
    const last = out.at(-1)?.at(-1);
    if (last && entry.word.bbox.x - right(last.word.bbox) < gap) out.at(-1)?.push(entry);
    else out.push([entry]);
  }
  return out;
}

/**
 * The pieces of a page that may be furniture, for the label model to mark: the top two rows over the
 * text column (running head, folio), the last three rows (the last line of text, catch-word, signature,
 * a folio at the foot), words beside a one-column body (marginal notes), and short centred lines that
 * open or close a paragraph (a heading read into the text: `centredLines`). Each is a run of words of
 * one OCR line; a line's runs are split where a gap is wider than a line height. At most
 * `MAX_FURNITURE_CANDIDATES`, the top and foot first.
 */
export function furnitureCandidates(page: OcrPage): FurnitureCandidate[] {
  const geometry = measure(page);
  const { rows, lineHeight, left, right: columnRight, bodyLines, usable } = geometry;
  const gap = 1.2 * lineHeight;
  const found: Array<{ where: FurnitureCandidate['where']; words: PlacedWord[] }> = [];
  const seen = new Set<PlacedWord['word']>();
  const take = (where: FurnitureCandidate['where'], words: PlacedWord[]) => {
    const fresh = words.filter((entry) => !seen.has(entry.word));
    if (fresh.length === 0) return;
    for (const entry of fresh) seen.add(entry.word);
    found.push({ where, words: fresh });
  };
  const top = rows.slice(0, 2).filter((row) => row.top < 0.35 * page.height);
  for (const row of top) for (const placed of row.lines) for (const piece of pieces(placed, gap)) take('top', piece);
  const foot = rows.slice(-3).filter((row) => row.top > 0.6 * page.height && !top.includes(row));
  for (const row of foot) for (const placed of row.lines) for (const piece of pieces(placed, gap)) take('foot', piece);
  if (bodyLines.length >= 3 && geometry.oneColumn) {
    for (const placed of usable) {
      for (const piece of pieces(placed, 0.8 * lineHeight)) {
        const outside = piece.every((entry) => right(entry.word.bbox) <= left - 0.3 * lineHeight || entry.word.bbox.x >= columnRight + 0.3 * lineHeight);
        if (outside) take('margin', piece);
      }
    }
  }
  // Short centred lines inside the text: a heading OCR read into the paragraph before or after it.
  for (const centred of centredLines(geometry)) {
    const at: PlacedLine = { blockNum: centred.blockNum, parNum: centred.parNum, lineNum: centred.lineNum, line: centred.line };
    take(
      'inside',
      centred.words.map((word) => ({ at, rank: centred.line.words.indexOf(word) + 1, word })),
    );
  }
  return found.slice(0, MAX_FURNITURE_CANDIDATES).map(({ where, words }, index) => {
    const first = words[0] as PlacedWord;
    const ranks = words.map((entry) => entry.rank);
    const inked = first.at.line.words.flatMap((word, rank) => (hasInk(word.text) ? [rank + 1] : []));
    const from = Math.min(...ranks);
    const to = Math.max(...ranks);
    const whole = inked.every((rank) => rank >= from && rank <= to);
    const text = words.map((entry) => entry.word.text).join(' ');
    return {
      id: index + 1,
      where,
      blockNum: first.at.blockNum,
      parNum: first.at.parNum,
      lineNum: first.at.lineNum,
      words: whole ? null : [from, to],
      text: text.length > CANDIDATE_TEXT_LIMIT ? `${text.slice(0, CANDIDATE_TEXT_LIMIT)} [...]` : text,
      bbox: boxAround(words.map((entry) => entry.word.bbox)),
    };
  });
}

/** The line label a candidate becomes when the model marks it. */
export function candidateLineLabel(candidate: FurnitureCandidate, classification: LineLabel['classification'], confidence: number): LineLabel {
  return {
    blockNum: candidate.blockNum,
    parNum: candidate.parNum,
    lineNum: candidate.lineNum,
    ...(candidate.words ? { words: candidate.words } : {}),
    classification,
    confidence,
  };
}
