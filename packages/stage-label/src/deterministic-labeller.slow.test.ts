import { LabelPageSchema, labelPageSchemaFor } from '@bookpipe/contracts';
import { type OcrPage } from '@bookpipe/contracts';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadAjmcRegions, loadPageXmlRegions, type TruthRegion } from './eval-support/ground-truth.js';
import { evalEngine, ocrImages } from './eval-support/ocr-eval-pages.js';
import { formatCounts, scoreLabels, type ClassCounts, type PageToScore } from './eval-support/score-labels.js';
import { labelDeterministic } from './index.js';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
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
        const regions = loadPageXmlRegions(path.join(root, work, file));
        return {
          image: path.join(root, work, `OCR-D-IMG_${id}.tif`),
          pageNumber: Number(id),
          regions,
          truthPageNumber: regions.find((region) => region.kind === 'page-number')?.text?.trim() ?? null,
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
        regions: loadAjmcRegions(path.join(derived, file)),
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
    const totals: Record<string, ClassCounts> = {};
    const lines: string[] = [];
    let correctNumbers = 0;
    let truthNumbers = 0;
    for (const [name, books] of Object.entries(datasets)) {
      const scored: PageToScore[] = [];
      const readings: string[] = [];
      for (const book of books) {
        const labels = labelDeterministic(book.map((page) => page.ocr));
        book.forEach((page, index) => {
          const label = labels[index];
          expect(labelPageSchemaFor(page.ocr).safeParse(label).success).toBe(true);
          scored.push({ ocr: page.ocr, label: LabelPageSchema.parse(label), regions: page.regions, truthPageNumber: page.truthPageNumber });
          readings.push(`${page.pageNumber}:${label?.printedPageNumber ?? '-'}${label?.pageNumberInferred ? '*' : ''}/${page.truthPageNumber ?? '?'}`);
        });
      }
      const { perClass, pageNumbers } = scoreLabels(scored);
      for (const [kind, counts] of Object.entries(perClass)) {
        if (counts.predicted > 0 || counts.regions > 0) lines.push(`  ${name.padEnd(7)} ${kind.padEnd(12)} ${formatCounts(counts)}`);
        const total = (totals[kind] ??= { predicted: 0, truePositives: 0, regions: 0, found: 0 });
        for (const key of Object.keys(total) as Array<keyof ClassCounts>) total[key] += counts[key];
      }
      lines.push(`  ${name.padEnd(7)} printed page number: ${pageNumbers.correct}/${pageNumbers.truth} pages with a known number read right (${pageNumbers.predicted} pages given one)`);
      lines.push(`  ${name.padEnd(7)} scan page:label/truth (* inferred) ${readings.join(' ')}`);
      correctNumbers += pageNumbers.correct;
      truthNumbers += pageNumbers.truth;
    }
    console.log(`[stage-label] deterministic labeller, block level (OCR: ${evalEngine()}):\n${lines.join('\n')}`);
    const header = totals.header as ClassCounts;
    // Guards against regressions, below the figures measured when the labeller was written.
    expect(header.truePositives / header.predicted).toBeGreaterThanOrEqual(0.75);
    expect(header.found / header.regions).toBeGreaterThanOrEqual(0.4);
    expect(correctNumbers / truthNumbers).toBeGreaterThanOrEqual(0.55);
  });
});
