import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type LabelPage, LabelPageSchema, labelPageSchemaFor, type OcrPage } from '@bookpipe/contracts';
import {
  addClassCounts,
  type ClassCounts,
  type LabelledBlock,
  parsePageXml,
  parseRegionsJsonl,
  precisionRecall,
  type ScoredClass,
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
    // Guards against regressions, below the figures measured when the labeller was written.
    expect(header.precision).toBeGreaterThanOrEqual(0.75);
    expect(header.recall).toBeGreaterThanOrEqual(0.4);
    expect(correctNumbers / truthNumbers).toBeGreaterThanOrEqual(0.55);
  });
});

/** The OCR page's blocks with the classes the label page gives them (@bookpipe/eval scores boxes). */
function labelledBlocks(ocr: OcrPage, label: LabelPage): LabelledBlock[] {
  const classOf = new Map(label.blocks.map((block) => [block.blockNum, block.classification]));
  return ocr.blocks.flatMap((block) => {
    const classification = classOf.get(block.blockNum);
    return classification === undefined ? [] : [{ bbox: block.bbox, classification }];
  });
}

/** "precision 0.83 (5/6)  recall 0.71 (5/7)" for a report line; "n/a" where nothing was predicted or expected. */
function formatCounts(counts: ClassCounts): string {
  const ratio = (a: number, b: number) => (b === 0 ? 'n/a' : `${(a / b).toFixed(2)} (${a}/${b})`);
  return `precision ${ratio(counts.correct, counts.predicted)}  recall ${ratio(counts.found, counts.regions)}`;
}
