import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type BBox, type LabelPage, LabelPageSchema, labelPageSchemaFor, type OcrPage } from '@bookpipe/contracts';
import {
  addClassCounts,
  boxesOverlap,
  type ClassCounts,
  type LabelledBlock,
  parsePageXml,
  parseRegionsJsonl,
  precisionRecall,
  type ScoredClass,
  scaleRegions,
  scoreLabels,
  type TruthRegion,
} from '@bookpipe/eval';
import { labelDeterministic } from '@bookpipe/stage-label';
import { beforeAll, describe, expect, it } from 'vitest';
import { evalEngine, ocrImages } from '../support/ocr-eval-pages.js';

const repoRoot = path.resolve(import.meta.dirname, '../../../..');
const evalRoot = path.resolve(repoRoot, '../shared/eval');
const present = existsSync(path.join(evalRoot, 'vd-sbb')) && existsSync(path.join(evalRoot, 'ajmc-commentaries'));
if (!present) console.warn(`[stage-label] ${evalRoot} (vd-sbb, ajmc-commentaries) is absent: skipping the labeller eval on real pages.`);

interface EvalPage {
  image: string;
  pageNumber: number;
  regions: TruthRegion[];
  /** Size of the image the truth boxes refer to, when the truth says it. */
  imageSize: { width: number; height: number } | null;
  truthPageNumber: string | null;
}

/** vd-sbb: one book per work folder, pages numbered by their image number. */
function vdSbbBooks(): EvalPage[][] {
  const root = path.join(evalRoot, 'vd-sbb');
  return readdirSync(root).map((work) =>
    readdirSync(path.join(root, work))
      .filter((file) => /^OCR-D-GT-PAGE_\d+\.xml$/.test(file))
      .sort()
      .map((file) => {
        const id = (file.match(/(\d+)\.xml$/) as RegExpMatchArray)[1] as string;
        const xml = path.join(root, work, file);
        const truth = parsePageXml(readFileSync(xml, 'utf8'), xml);
        return {
          image: path.join(root, work, `OCR-D-IMG_${id}.tif`),
          pageNumber: Number(id),
          regions: truth.regions ?? [],
          imageSize: truth.imageSize,
          truthPageNumber: truth.printedPageNumber,
        };
      }),
  );
}

/** ajmc-commentaries: four pages of one book; the page number's text where a transcribed line gives it. */
function ajmcBook(): EvalPage[] {
  const derived = path.join(evalRoot, 'ajmc-commentaries/derived');
  return readdirSync(derived)
    .filter((file) => file.endsWith('.regions.jsonl'))
    .sort()
    .map((file) => {
      const id = file.replace('.regions.jsonl', '');
      const lines = readFileSync(path.join(derived, `${id}.lines.jsonl`), 'utf8')
        .split('\n')
        .filter((line) => line.trim().length > 0)
        .map((line) => JSON.parse(line) as { olr_label?: string; text?: string });
      return {
        image: path.join(evalRoot, 'ajmc-commentaries/cu31924087948174/imgs', `${id}.png`),
        pageNumber: Number(id.split('_').at(-1)),
        regions: parseRegionsJsonl(readFileSync(path.join(derived, file), 'utf8'), path.join(derived, file)),
        imageSize: null,
        truthPageNumber: lines.find((line) => line.olr_label === 'page_number')?.text?.trim() ?? null,
      };
    });
}

describe.skipIf(!present)('labelDeterministic on vd-sbb and ajmc-commentaries pages (region ground truth)', () => {
  const datasets: Record<string, Array<Array<EvalPage & { ocr: OcrPage }>>> = {};

  beforeAll(async () => {
    const books = { 'vd-sbb': vdSbbBooks(), ajmc: [ajmcBook()] };
    const all = Object.values(books).flat(2);
    const read = await ocrImages(all.map((page) => ({ file: page.image, pageNumber: page.pageNumber })));
    const ocrOf = new Map(all.map((page, index) => [page, read[index] as OcrPage]));
    for (const [name, list] of Object.entries(books)) {
      datasets[name] = list.map((book) => book.map((page) => ({ ...page, ocr: ocrOf.get(page) as OcrPage })));
    }
  }, 900_000);

  it('labels every block once with a valid label page, and scores headers, page numbers, footers and footnotes', () => {
    const totals: Array<Record<ScoredClass, ClassCounts>> = [];
    const lines: string[] = [];
    let correctNumbers = 0;
    let truthNumbers = 0;
    for (const [name, books] of Object.entries(datasets)) {
      const scored: Array<Record<ScoredClass, ClassCounts>> = [];
      const readings: string[] = [];
      const numbers = { truth: 0, predicted: 0, correct: 0 };
      for (const book of books) {
        const labels = labelDeterministic(book.map((page) => page.ocr));
        book.forEach((page, index) => {
          const label = labels[index];
          expect(labelPageSchemaFor(page.ocr).safeParse(label).success).toBe(true);
          scored.push(scoreLabels(labelledBlocks(page.ocr, LabelPageSchema.parse(label)), page.regions));
          if (page.truthPageNumber !== null) numbers.truth += 1;
          if (label?.printedPageNumber != null) numbers.predicted += 1;
          if (page.truthPageNumber !== null && label?.printedPageNumber === page.truthPageNumber) numbers.correct += 1;
          readings.push(`${page.pageNumber}:${label?.printedPageNumber ?? '-'}${label?.pageNumberInferred ? '*' : ''}/${page.truthPageNumber ?? '?'}`);
        });
      }
      const perClass = addClassCounts(scored);
      totals.push(perClass);
      for (const [kind, counts] of Object.entries(perClass)) {
        if (counts.predicted > 0 || counts.regions > 0) lines.push(`  ${name.padEnd(7)} ${kind.padEnd(12)} ${formatCounts(counts)}`);
      }
      lines.push(
        `  ${name.padEnd(7)} printed page number: ${numbers.correct}/${numbers.truth} pages with a known number read right (${numbers.predicted} pages given one)`,
      );
      lines.push(`  ${name.padEnd(7)} scan page:label/truth (* inferred) ${readings.join(' ')}`);
      correctNumbers += numbers.correct;
      truthNumbers += numbers.truth;
    }
    console.log(`[stage-label] deterministic labeller, block level (OCR: ${evalEngine()}):\n${lines.join('\n')}`);
    const header = precisionRecall(addClassCounts(totals).header);
    // Block level keeps the whole-block classes: furniture marked inside a text block is scored line by line below.
    // Guards against regressions, below the figures measured when the labeller was written.
    expect(header.precision).toBeGreaterThanOrEqual(0.75);
    expect(header.recall).toBeGreaterThanOrEqual(0.4);
    expect(correctNumbers / truthNumbers).toBeGreaterThanOrEqual(0.55);
  });

  it('marks running heads, page numbers, catch-words, signature marks and marginal notes line by line', () => {
    const report: string[] = [];
    const figures: Record<string, Record<LineKind, LineCounts>> = {};
    for (const [name, books] of Object.entries(datasets)) {
      const total = Object.fromEntries(LINE_KINDS.map((kind) => [kind, { predicted: 0, correct: 0, regions: 0, found: 0 }])) as Record<LineKind, LineCounts>;
      for (const book of books) {
        const labels = labelDeterministic(book.map((page) => page.ocr));
        book.forEach((page, index) => {
          const label = labelPageSchemaFor(page.ocr).parse(labels[index]);
          const regions = scaleRegions(page.regions, page.imageSize, page.ocr);
          const counts = scoreLines(page.ocr, label, regions);
          if (process.env.BOOKPIPE_EVAL_VERBOSE) report.push(...lineMisses(page, label, regions));
          for (const kind of LINE_KINDS) for (const key of ['predicted', 'correct', 'regions', 'found'] as const) total[kind][key] += counts[kind][key];
        });
      }
      figures[name] = total;
      for (const kind of LINE_KINDS) {
        if (total[kind].predicted > 0 || total[kind].regions > 0) report.push(`  ${name.padEnd(7)} ${kind.padEnd(15)} ${formatCounts(total[kind])}`);
      }
    }
    console.log(`[stage-label] deterministic labeller, line level (OCR: ${evalEngine()}):\n${report.join('\n')}`);
    // Floors below the figures measured with tesseract.js when line furniture was written (stage-label's README).
    const of = (name: string, kind: LineKind) => precisionRecall(figures[name]?.[kind] as LineCounts);
    const floors: Array<[string, LineKind, number, number]> = FLOORS;
    for (const [name, kind, precision, recall] of floors) {
      const got = of(name, kind);
      expect(got.precision ?? 0, `${name} ${kind} precision`).toBeGreaterThanOrEqual(precision);
      expect(got.recall ?? 0, `${name} ${kind} recall`).toBeGreaterThanOrEqual(recall);
    }
  });

  it('takes a running head that names a division ("198 SECTIO III.", repeated two pages on) for a head, not a chapter heading', () => {
    // catapabin: versos "SECTIO III." with the folio outside left, rectos "IN OCTAVO." with it outside right.
    const book = datasets['vd-sbb']?.find((pages) => pages[0]?.image.includes('catapabin')) as Array<EvalPage & { ocr: OcrPage }>;
    const labels = labelDeterministic(book.map((page) => page.ocr));
    const versos = book.flatMap((page, index) => {
      const top = page.ocr.blocks
        .flatMap((block) => block.paragraphs.flatMap((p) => p.lines.map((line, at) => ({ block, p, line, at }))))
        .find(({ line }) => /SECTIO/i.test(line.text));
      return top ? [{ index, top }] : [];
    });
    expect(versos.length).toBeGreaterThanOrEqual(2);
    for (const { index, top } of versos) {
      const label = labels[index] as LabelPage;
      const line = label.lines?.find(
        (l) => l.blockNum === top.block.blockNum && l.parNum === top.p.parNum && l.lineNum === top.at + 1 && l.classification === 'HEADER',
      );
      expect(line, `page ${book[index]?.pageNumber}: "${top.line.text}" is the running head`).toBeDefined();
      expect(label.blocks.find((b) => b.blockNum === top.block.blockNum)?.classification).not.toBe('CHAPTER_HEADING');
    }
    // Its folio is the printed page number (198 and 200 on the versos).
    expect(versos.map(({ index }) => labels[index]?.printedPageNumber)).toEqual(versos.map(({ index }) => book[index]?.truthPageNumber));
  });
});

/** [dataset, kind, precision floor, recall floor]: a little under what was measured, to catch regressions, not noise. */
const FLOORS: Array<[string, LineKind, number, number]> = [
  ['vd-sbb', 'header', 0.9, 0.9],
  ['vd-sbb', 'page-number', 0.9, 0.85],
  ['vd-sbb', 'catch-word', 0.9, 0.9],
  ['vd-sbb', 'signature-mark', 0.85, 0.6],
  ['vd-sbb', 'marginalia', 0.75, 0.1],
  ['ajmc', 'header', 0.9, 0.75],
  ['ajmc', 'page-number', 0.9, 0.75],
];

/** The furniture kinds scored line by line: the truth's region types that name them, and the label classes that mean them. */
const LINE_KINDS = ['header', 'page-number', 'catch-word', 'signature-mark', 'marginalia'] as const;
type LineKind = (typeof LINE_KINDS)[number];
const TRUTH_TYPES: Record<string, LineKind> = {
  header: 'header',
  title: 'header',
  'page-number': 'page-number',
  page_number: 'page-number',
  'catch-word': 'catch-word',
  'signature-mark': 'signature-mark',
  marginalia: 'marginalia',
  printed_marginalia: 'marginalia',
};
const KIND_OF_CLASS: Record<string, LineKind | 'footer'> = {
  HEADER: 'header',
  PAGE_NUMBER: 'page-number',
  CATCHWORD: 'catch-word',
  SIGNATURE_MARK: 'signature-mark',
  MARGINALIA: 'marginalia',
  FOOTER: 'footer',
};

interface LineCounts {
  predicted: number;
  correct: number;
  regions: number;
  found: number;
}

/**
 * Furniture as the label page marks it, piece by piece: each line label (its words' box when it names
 * words), and each line of a block labelled HEADER, PAGE_NUMBER or FOOTER as a whole where no line
 * label covers it (a FOOTER block says "foot", not which: it scores as neither catch-word nor signature).
 */
function furniturePieces(ocr: OcrPage, label: LabelPage): Array<{ bbox: BBox; kind: LineKind | 'footer' }> {
  const pieces: Array<{ bbox: BBox; kind: LineKind | 'footer' }> = [];
  const covered = new Set<string>();
  for (const line of label.lines ?? []) {
    const ocrLine = ocr.blocks.find((b) => b.blockNum === line.blockNum)?.paragraphs.find((p) => p.parNum === line.parNum)?.lines[line.lineNum - 1];
    if (!ocrLine) continue;
    covered.add(`${line.blockNum}/${line.parNum}/${line.lineNum}`);
    const words = line.words ? ocrLine.words.slice(line.words[0] - 1, line.words[1]) : [];
    pieces.push({ bbox: words.length > 0 ? boxAround(words.map((word) => word.bbox)) : ocrLine.bbox, kind: KIND_OF_CLASS[line.classification] as LineKind });
  }
  for (const block of label.blocks) {
    const kind = KIND_OF_CLASS[block.classification];
    if (!kind) continue;
    for (const paragraph of ocr.blocks.find((b) => b.blockNum === block.blockNum)?.paragraphs ?? []) {
      paragraph.lines.forEach((line, index) => {
        if (!covered.has(`${block.blockNum}/${paragraph.parNum}/${index + 1}`) && /[\p{L}\p{N}]/u.test(line.text)) pieces.push({ bbox: line.bbox, kind });
      });
    }
  }
  return pieces;
}

/** Line-level counts on one page: a piece is right when it overlaps a truth region of its kind; a region is found when a piece of its kind overlaps it. */
function scoreLines(ocr: OcrPage, label: LabelPage, regions: readonly TruthRegion[]): Record<LineKind, LineCounts> {
  const pieces = furniturePieces(ocr, label);
  const truth = regions.flatMap((region) => (TRUTH_TYPES[region.type] ? [{ bbox: region.bbox, kind: TRUTH_TYPES[region.type] as LineKind }] : []));
  const counts = Object.fromEntries(LINE_KINDS.map((kind) => [kind, { predicted: 0, correct: 0, regions: 0, found: 0 }])) as Record<LineKind, LineCounts>;
  for (const kind of LINE_KINDS) {
    const ours = pieces.filter((piece) => piece.kind === kind);
    const theirs = truth.filter((region) => region.kind === kind);
    counts[kind].predicted = ours.length;
    counts[kind].correct = ours.filter((piece) => theirs.some((region) => boxesOverlap(piece.bbox, region.bbox))).length;
    counts[kind].regions = theirs.length;
    counts[kind].found = theirs.filter((region) => ours.some((piece) => boxesOverlap(piece.bbox, region.bbox))).length;
  }
  return counts;
}

/** With BOOKPIPE_EVAL_VERBOSE: the furniture missed and the pieces marked wrongly on one page, to see why. */
function lineMisses(page: EvalPage & { ocr: OcrPage }, label: LabelPage, regions: readonly TruthRegion[]): string[] {
  const pieces = furniturePieces(page.ocr, label);
  const where = `${path.basename(path.dirname(page.image))}#${page.pageNumber}`;
  const box = (b: BBox) => `[${Math.round(b.x)},${Math.round(b.y)} ${Math.round(b.width)}x${Math.round(b.height)}]`;
  const out: string[] = [];
  for (const region of regions) {
    const kind = TRUTH_TYPES[region.type];
    if (kind && !pieces.some((piece) => piece.kind === kind && boxesOverlap(piece.bbox, region.bbox)))
      out.push(`    missed ${where} ${kind} ${box(region.bbox)} ${JSON.stringify(region.text)}`);
  }
  for (const piece of pieces) {
    if (!regions.some((region) => TRUTH_TYPES[region.type] === piece.kind && boxesOverlap(piece.bbox, region.bbox)))
      out.push(`    wrong  ${where} ${piece.kind} ${box(piece.bbox)}`);
  }
  return out;
}

function boxAround(boxes: readonly BBox[]): BBox {
  const x = Math.min(...boxes.map((box) => box.x));
  const y = Math.min(...boxes.map((box) => box.y));
  return { x, y, width: Math.max(...boxes.map((box) => box.x + box.width)) - x, height: Math.max(...boxes.map((box) => box.y + box.height)) - y };
}

/** The OCR page's blocks with the classes the label page gives them (@bookpipe/eval scores boxes). */
function labelledBlocks(ocr: OcrPage, label: LabelPage): LabelledBlock[] {
  const classOf = new Map(label.blocks.map((block) => [block.blockNum, block.classification]));
  return ocr.blocks.flatMap((block) => {
    const classification = classOf.get(block.blockNum);
    return classification === undefined ? [] : [{ bbox: block.bbox, classification }];
  });
}

/** "precision 0.83 (5/6)  recall 0.71 (5/7)" for a report line; "n/a" where nothing was predicted or expected. */
function formatCounts(counts: ClassCounts | LineCounts): string {
  const ratio = (a: number, b: number) => (b === 0 ? 'n/a' : `${(a / b).toFixed(2)} (${a}/${b})`);
  return `precision ${ratio(counts.correct, counts.predicted)}  recall ${ratio(counts.found, counts.regions)}`;
}
