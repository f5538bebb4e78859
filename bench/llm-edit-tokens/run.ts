// Output tokens of the correction answer, whole paragraphs (before) against edits (after), on the sample
// book (issue 14 item 1): the sample book is generated, read by the real source and OCR stages, and each
// OCR page's words are aligned with book.txt, the text that was typeset. Where OCR misread words (a run of
// at most 3 OCR words aligned with at most 3 other words of the text), the right answer corrects them:
// - before: `{ parNum, text: <the whole corrected paragraph> | null, notes, confidence }` per paragraph;
// - after: `{ parNum, edits: [{ find, replace }], notes, confidence }`, each `find` the misread words,
//   widened by a neighbouring word until it occurs once in the paragraph (as the prompt asks).
// Words OCR read that the text does not have (running heads, folios, footnote marks) are left alone, as
// a proofreader leaves them. Tokens are estimated as ceil(characters of the answer JSON / 4), the
// estimate the fake provider's usage accounting uses; no tokenizer is downloaded.
//
//   pnpm build && node --import tsx bench/llm-edit-tokens/run.ts      (or: pnpm bench llm-edit-tokens)
//   BENCH_VERBOSE=1 prints each edit.
import { readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBookPipeline } from '@bookpipe/book-pipeline';
import { OcrPageSchema } from '@bookpipe/contracts';
import { loadConfig } from '@bookpipe/core';
import { openScan } from '@bookpipe/storage';
import { generateSampleBook, parseBookText, SAMPLE_BOOK_TEXT } from '@bookpipe/testkit/sample-book';

const tokens = (value: unknown) => Math.ceil(JSON.stringify(value).length / 4);
const words = (text: string) => text.split(/\s+/).filter(Boolean);
/**
 * Words compared as printed: a comma or a letter OCR got wrong is a correction; typographic and straight
 * quotes count as the same (the truth files differ from the print there), and a footnote call OCR read
 * ("left.*") is on the page, not a misreading.
 */
const normal = (word: string) =>
  word
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/[*\u2020\u2021]+$/, '');
const same = (a: string, b: string) => normal(a) === normal(b);

/** Edit-distance alignment of `ocr` against `truth`, free gaps at the ends of `truth` (the page is a window into it). */
function align(ocr: string[], truth: string[]): Array<[number[], number[]]> {
  const n = ocr.length;
  const m = truth.length;
  const cost = Array.from({ length: n + 1 }, () => new Int32Array(m + 1));
  for (let i = 1; i <= n; i++) cost[i]![0] = i;
  for (let i = 1; i <= n; i++) {
    for (let j = 1; j <= m; j++) {
      const diagonal = cost[i - 1]![j - 1]! + (same(ocr[i - 1]!, truth[j - 1]!) ? 0 : 1);
      cost[i]![j] = Math.min(diagonal, cost[i - 1]![j]! + 1, cost[i]![j - 1]! + 1);
    }
  }
  let j = 0;
  for (let k = 1; k <= m; k++) if (cost[n]![k]! < cost[n]![j]!) j = k;
  // Back from (n, j): runs of differing words as [ocr indexes, truth indexes].
  const runs: Array<[number[], number[]]> = [];
  let run: [number[], number[]] = [[], []];
  const close = () => {
    if (run[0].length + run[1].length > 0) runs.push([run[0].reverse(), run[1].reverse()]);
    run = [[], []];
  };
  let i = n;
  while (i > 0) {
    if (j > 0 && cost[i]![j] === cost[i - 1]![j - 1]! + (same(ocr[i - 1]!, truth[j - 1]!) ? 0 : 1)) {
      if (same(ocr[i - 1]!, truth[j - 1]!)) close();
      else {
        run[0].push(i - 1);
        run[1].push(j - 1);
      }
      i--;
      j--;
    } else if (cost[i]![j] === cost[i - 1]![j]! + 1) {
      run[0].push(i - 1);
      i--;
    } else {
      run[1].push(j - 1);
      j--;
    }
  }
  close();
  return runs;
}

/** BENCH_BOOK=old-books-d: the eval data's old-books pages of book "d" (real scans, Gutenberg text) instead of the sample book. */
const evalBook = process.env.BENCH_BOOK?.match(/^old-books-([a-g])$/)?.[1];
const evalDir = join(import.meta.dirname, '../../../shared/eval/old-books');

/** The pages to read and the text that was printed on them. */
async function source(root: string): Promise<{ inputs: string[]; truth: string; what: string }> {
  if (evalBook) {
    const names = readdirSync(evalDir)
      .filter((name) => name.startsWith(evalBook) && name.endsWith('.tiff'))
      .sort();
    const texts = await Promise.all(names.map((name) => readFile(join(evalDir, name.replace(/\.tiff$/, '.txt')), 'utf8')));
    return { inputs: names.map((name) => join(evalDir, name)), truth: texts.join(' '), what: `old-books "${evalBook}" (${names.length} real scans)` };
  }
  const pdf = join(root, 'sample-book.pdf');
  await generateSampleBook(pdf);
  const book = parseBookText(await readFile(SAMPLE_BOOK_TEXT, 'utf8'));
  const numerals = ['I', 'II', 'III', 'IV', 'V', 'VI'];
  const truth = [...book.chapters.flatMap((c, i) => [`CHAPTER ${numerals[i]}`, c.title, ...c.paragraphs]), ...book.footnotes.values()].join(' ');
  return { inputs: [pdf], truth: truth.replace(/\[\^\w+\]/g, ''), what: 'the sample book' };
}

const root = await mkdtemp(join(tmpdir(), 'bookpipe-bench-edit-tokens-'));
try {
  const input = await source(root);
  const scan = openScan({ root, scanId: 'book' });
  const built = await createBookPipeline({ scan, inputs: input.inputs, stages: ['source', 'ocr'], llm: false, ocrWorkers: 1, config: loadConfig({}) });
  await built.pipeline.run();
  const truth = words(input.truth);
  const totals = { before: 0, after: 0, paragraphs: 0, corrected: 0, edits: 0 };
  for (const page of await scan.pageNumbers()) {
    const ocr = OcrPageSchema.parse(await scan.stage('ocr').loadPage(page));
    const paragraphs = ocr.blocks.flatMap((block) =>
      block.paragraphs.map((p) => ({ blockNum: block.blockNum, parNum: p.parNum, words: p.lines.flatMap((line) => words(line.text)) })),
    );
    const pageWords = paragraphs.flatMap((p) => p.words);
    const owner = paragraphs.flatMap((p, index) => p.words.map(() => index));
    const fixes = paragraphs.map(() => [] as Array<{ from: number; to: number; replace: string }>);
    for (const [ocrRun, truthRun] of align(pageWords, truth)) {
      if (ocrRun.length === 0 || truthRun.length === 0 || ocrRun.length > 3 || truthRun.length > 3) continue;
      // A word broken at a line end ("divi-" "sion"): the de-hyphenation pass joins it before the model sees it.
      const joined = (list: string[]) => list.join('').replace(/-/g, '');
      if (joined(ocrRun.map((k) => pageWords[k]!)) === joined(truthRun.map((k) => truth[k]!))) continue;
      const index = owner[ocrRun[0]!]!;
      if (owner[ocrRun.at(-1)!] !== index) continue;
      const start = owner.indexOf(index);
      fixes[index]!.push({ from: ocrRun[0]! - start, to: ocrRun.at(-1)! - start + 1, replace: truthRun.map((k) => truth[k]).join(' ') });
    }
    const before = { blocks: [] as Array<{ blockNum: number; paragraphs: unknown[] }> };
    const after = { blocks: [] as Array<{ blockNum: number; paragraphs: unknown[] }> };
    paragraphs.forEach((p, index) => {
      const text = p.words.join(' ');
      const list = fixes[index]!;
      let corrected: string | null = null;
      const edits: Array<{ find: string; replace: string }> = [];
      if (list.length > 0) {
        const out = [...p.words];
        for (const fix of [...list].sort((a, b) => b.from - a.from)) out.splice(fix.from, fix.to - fix.from, fix.replace);
        corrected = out.join(' ');
        for (const fix of list) {
          // Widen by a word on either side until the span occurs once in the paragraph.
          let [from, to] = [fix.from, fix.to];
          const span = () => p.words.slice(from, to).join(' ');
          while (text.split(span()).length - 1 > 1 && (from > 0 || to < p.words.length)) [from, to] = [Math.max(0, from - 1), Math.min(p.words.length, to + 1)];
          const replaced = [...p.words.slice(from, fix.from), fix.replace, ...p.words.slice(fix.to, to)].join(' ');
          edits.push({ find: span(), replace: replaced });
        }
        totals.corrected += 1;
        totals.edits += edits.length;
        if (process.env.BENCH_VERBOSE) console.log(`page ${page} b${p.blockNum}p${p.parNum}: ${JSON.stringify(edits)}`);
      }
      totals.paragraphs += 1;
      const place = (answer: typeof before, entry: unknown) => {
        const last = answer.blocks.at(-1);
        if (last?.blockNum === p.blockNum) last.paragraphs.push(entry);
        else answer.blocks.push({ blockNum: p.blockNum, paragraphs: [entry] });
      };
      const notes = list.length > 0 ? 'misread letters' : '';
      place(before, { parNum: p.parNum, text: corrected, notes, confidence: 0.9 });
      place(after, { parNum: p.parNum, edits, notes, confidence: 0.9 });
    });
    totals.before += tokens(before);
    totals.after += tokens(after);
  }
  const pages = (await scan.pageNumbers()).length;
  console.log(`${input.what}: ${pages} pages, ${totals.paragraphs} OCR paragraphs, ${totals.corrected} with misread words (${totals.edits} edits)`);
  console.log(
    `correction answer output tokens (JSON characters / 4): whole paragraphs ${totals.before}, edits ${totals.after} (${Math.round((1 - totals.after / totals.before) * 100)}% fewer)`,
  );
} finally {
  await rm(root, { recursive: true, force: true });
}
