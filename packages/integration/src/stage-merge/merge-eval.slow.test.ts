import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Book, BookSchema, type MergePage, MergePageSchema, type OcrPage } from '@bookpipe/contracts';
import { type BookStorage, loadConfig, Pipeline, silentLogger } from '@bookpipe/core';
import { SourceStage } from '@bookpipe/source';
import { MergeStage } from '@bookpipe/stage-merge';
import { OcrStage } from '@bookpipe/stage-ocr';
import { openScan } from '@bookpipe/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOcrPages, runDeterministicStages } from '../support/deterministic-inputs.js';

const repoRoot = path.resolve(import.meta.dirname, '../../../..');
const oldBooks = path.resolve(repoRoot, '../shared/eval/old-books');
const present = existsSync(oldBooks);
if (!present) console.warn(`[stage-merge] ${oldBooks} is absent: skipping the merge tests on real pages.`);

/**
 * Whether the body text runs on from a page to the next one, read by hand from the old-books truth
 * texts (the Gutenberg text of each page): true when the next page goes on with the same paragraph.
 * Every one of these pages ends with a footer (its page number or a signature mark) or a running
 * foot, which continuation must look past.
 */
const RUNS_ON: Record<string, boolean> = {
  a013: false, // '"What will Christendom do even now?"' / a heading
  a014: false, // '...homelessness and starvation.' / a heading
  a017: false, // '...Kurdish and Turkish raiders.' / a heading
  b013: true, // 'in the den of Lions—' / 'the scene of which'
  b017: false, // '"Who shall dare to rouse him up?"' / 'No. III.'
  b027: true, // 'conducive to their predacious' / 'and carnivorous habits'
  c015: false, // 'to finish the story for him.' / 'And that is the way'
  c016: true, // 'as swift as the plunging wave' / 'of the sea'
  c017: true, // 'sitting before the' / 'iron door'
  c018: false, // 'what doom would befall him.' / 'It was then'
  c019: true, // 'He was put in the' / "story-teller's place"
  d014: false, // a title page / a title page
  d015: true, // 'there was no' / 'one left'
  d016: true, // 'had certainly not been a blessing' / 'to her neighbours'
  d017: true, // 'He crossed him-' / 'self devoutly'
  e009: false, // '"Corset question."' / 'No one, we apprehend'
  e010: true, // 'it will be seen that those' / 'writing in praise'
  e021: true, // 'placed on the chest,' / 'which, by their strong pressure'
  f012: false, // '...would be widely read.' / 'Most of us like'
  f013: false, // '...than he usually occupies.' / 'Hero-worshippers'
  f019: true, // 'Travellers, who had been' / 'violently abused'
  f020: true, // 'in the darkling lane,' / 'and had your purse'
  g006: false, // a copyright page / 'PREFACE'
  g007: true, // 'for twenty years the body' / 'of the nation'
  g015: true, // 'It was commanded by His' / 'Excellency Panfilo de Narvaez'
  g016: true, // 'But Cortez' / 'was not the man'
};

/**
 * OCR mean confidence under which a page is left out of the continuation score: f013, f014 and the
 * g015-g017 scans are read as noise (0.22-0.58), and their breaks cannot be judged.
 */
const MIN_READABLE = 0.7;

/** Runs of consecutive pages of one book ("c015".."c020"), from the file names. */
function consecutiveRuns(): string[][] {
  const ids = readdirSync(oldBooks)
    .filter((file) => /^[a-z]\d{3}\.tiff$/.test(file))
    .map((file) => file.slice(0, 4))
    .sort();
  const runs: string[][] = [];
  for (const id of ids) {
    const last = runs.at(-1)?.at(-1);
    if (last && last[0] === id[0] && Number(id.slice(1)) === Number(last.slice(1)) + 1) runs.at(-1)!.push(id);
    else runs.push([id]);
  }
  return runs.filter((run) => run.length >= 2);
}

/** Letters and digits only, lower case: what must survive the merge, whatever happens to spaces, hyphens and line ends. */
const alnum = (text: string) => text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
const ocrWords = (page: OcrPage) => page.blocks.flatMap((b) => b.paragraphs.flatMap((p) => p.lines.flatMap((l) => l.words.map((w) => w.text))));

/** The OCR page's words in reading order, split into those of the text and those the merge page marks as furniture. */
function splitByFurniture(ocr: OcrPage, merged: MergePage): { text: string[]; furniture: string[] } {
  const text: string[] = [];
  const furniture: string[] = [];
  for (const block of ocr.blocks) {
    for (const paragraph of block.paragraphs) {
      const marks = merged.blocks.find((b) => b.blockNum === block.blockNum)?.paragraphs.find((p) => p.parNum === paragraph.parNum)?.furniture ?? [];
      paragraph.lines.forEach((line, lineIndex) => {
        line.words.forEach((word, wordIndex) => {
          const marked = marks.some((f) => f.lineNum === lineIndex + 1 && (!f.words || (wordIndex + 1 >= f.words[0] && wordIndex + 1 <= f.words[1])));
          (marked ? furniture : text).push(word.text);
        });
      });
    }
  }
  return { text, furniture };
}

/** The OCR words found, in order, in `stream` (an alnum stream): a word is found when it comes next. */
function wordsFoundInOrder(words: readonly string[], stream: string): number {
  let at = 0;
  let found = 0;
  for (const word of words.map(alnum).filter(Boolean)) {
    const next = stream.indexOf(word, at);
    if (next < 0) continue;
    found += 1;
    at = next + word.length;
  }
  return found;
}

interface MergedRun {
  ids: string[];
  scan: BookStorage;
  ocr: OcrPage[];
  merged: MergePage[];
  book: Book;
  md: string;
}

/** source -> ocr -> correction and label (deterministic modes) -> merge, all through the real stages. */
async function mergeRun(root: string, ids: string[]): Promise<MergedRun> {
  const scan = openScan({ root, scanId: `old-books-${ids[0]}-${ids.at(-1)}` });
  const config = loadConfig({});
  await new Pipeline({
    scan,
    config,
    logger: silentLogger,
    stages: [new SourceStage({ inputs: ids.map((id) => path.join(oldBooks, `${id}.tiff`)) }), new OcrStage({ maxWorkers: 2 })],
  }).run();
  await runDeterministicStages(scan);
  await new Pipeline({ scan, config, logger: silentLogger, stages: [new MergeStage()], resume: false }).run();
  const merge = scan.stage('merge', { schema: MergePageSchema });
  return {
    ids,
    scan,
    ocr: await loadOcrPages(scan),
    merged: await Promise.all(ids.map((_, index) => merge.loadPage<MergePage>(index + 1))),
    book: BookSchema.parse(JSON.parse(await readFile(merge.filePath('book.json'), 'utf8'))),
    md: await readFile(merge.filePath('book.md'), 'utf8'),
  };
}

describe.skipIf(!present)('merge on real pages (old-books: runs of consecutive pages, OCR by the real stages)', () => {
  // Set BOOKPIPE_MERGE_EVAL_ROOT to keep the scans between runs: the pipeline resumes, so OCR runs once.
  const kept = process.env.BOOKPIPE_MERGE_EVAL_ROOT;
  let root: string;
  const runs: MergedRun[] = [];

  beforeAll(async () => {
    root = kept ?? (await mkdtemp(path.join(tmpdir(), 'bookpipe-merge-eval-')));
    for (const ids of consecutiveRuns()) runs.push(await mergeRun(root, ids));
  }, 1_200_000);
  afterAll(async () => {
    if (!kept && root) await rm(root, { recursive: true, force: true });
  });

  it('loses no OCR word: every block, paragraph and word of every page is in its merge page, and in book.json', () => {
    let total = 0;
    let inPages = 0;
    let inBook = 0;
    for (const run of runs) {
      run.ocr.forEach((ocr, index) => {
        const merged = run.merged[index]!;
        expect(merged.blocks.map((b) => [b.blockNum, b.paragraphs.map((p) => p.parNum)])).toEqual(
          ocr.blocks.map((b) => [b.blockNum, b.paragraphs.map((p) => p.parNum)]),
        );
        const words = ocrWords(ocr);
        total += words.filter((w) => alnum(w)).length;
        expect(merged.blocks.reduce((sum, b) => sum + b.paragraphs.reduce((s, p) => s + p.ocrWords, 0), 0)).toBe(words.length);
        // A word is in its paragraph's text, in OCR order, or in the paragraph's furniture (a running head or
        // catch-word the label marked inside it, left out of the text, by its line and words).
        const { text: textWords, furniture } = splitByFurniture(ocr, merged);
        const mergedText = merged.blocks.flatMap((b) => b.paragraphs.map((p) => p.text)).join(' ');
        const furnitureText = merged.blocks.flatMap((b) => b.paragraphs.flatMap((p) => (p.furniture ?? []).map((f) => f.text))).join(' ');
        const sortedAlnum = (text: string) => [...alnum(text)].sort().join('');
        expect(sortedAlnum(`${mergedText} ${furnitureText}`)).toBe(sortedAlnum(words.join(' ')));
        expect(alnum(furniture.join(' '))).toBe(alnum(furnitureText));
        inPages += wordsFoundInOrder(textWords, alnum(mergedText)) + furniture.filter((w) => alnum(w)).length;
      });
      // The book holds the text (paragraphs, headings), the footnotes (mark and text) and what was left
      // out of it (running heads, page numbers): together, every character OCR read.
      const { book } = run;
      const pieces = [
        ...book.chapters.flatMap((c) => [c.title ?? '', ...c.content.map((item) => item.text)]),
        ...book.footnotes.flatMap((n) => [n.marker ?? '', n.text]),
        ...book.pages.flatMap((p) => p.removed.map((r) => r.text)),
      ];
      const sorted = (text: string) => [...alnum(text)].sort().join('');
      expect(sorted(pieces.join(' '))).toBe(sorted(run.ocr.flatMap(ocrWords).join(' ')));
      inBook += run.ocr.flatMap(ocrWords).filter((w) => alnum(w) && alnum(pieces.join(' ')).includes(alnum(w))).length;
    }
    console.log(
      `[stage-merge] old-books: ${total} OCR words in ${runs.reduce((n, r) => n + r.ocr.length, 0)} pages; ${inPages} found in order in the merge pages, ${inBook} in book.json`,
    );
    expect(inPages).toBe(total);
    expect(inBook).toBe(total);
  });

  it("book.md holds every word of book.json's text in order and every footnote, and leaves out the running heads and page numbers", () => {
    for (const run of runs) {
      const md = alnum(run.md);
      // book.json's text in reading order (chapter titles, then their paragraphs and headings): book.md renders it.
      const words = run.book.chapters.flatMap((c) => [c.title ?? '', ...c.content.map((item) => item.text)]).flatMap((text) => text.split(/\s+/));
      expect(wordsFoundInOrder(words, md), run.ids.join(',')).toBe(words.filter((w) => alnum(w)).length);
      for (const note of run.book.footnotes) expect(md).toContain(alnum(note.text));
      // A running head is left out: book.md holds its words no more often than the text does ("the story
      // of The Boy Apprenticed to an Enchanter" is text; the head of that name on every other page is not).
      const text = alnum([...words, ...run.book.footnotes.map((n) => n.text)].join(' '));
      const count = (haystack: string, needle: string) => haystack.split(needle).length - 1;
      for (const page of run.book.pages) {
        for (const removed of page.removed) {
          const head = alnum(removed.text);
          if (head.length > 12) expect(count(md, head), `${run.ids.join(',')}: ${removed.text}`).toBeLessThanOrEqual(count(text, head));
        }
      }
    }
  });

  it("continuation: toNext always equals the next page's fromPrevious, and is right across page breaks that end in a footer", () => {
    const wrong: string[] = [];
    let right = 0;
    let scored = 0;
    let unreadable = 0;
    for (const run of runs) {
      run.ids.slice(0, -1).forEach((id, index) => {
        const here = run.merged[index]!.continuation;
        const next = run.merged[index + 1]!.continuation;
        expect(here.toNext).toBe(next.fromPrevious);
        const expected = RUNS_ON[id];
        if (expected === undefined) return;
        // Continuation is judged on text: where OCR could not read a page, there is nothing to judge.
        if (Math.min(run.ocr[index]!.meanConfidence, run.ocr[index + 1]!.meanConfidence) < MIN_READABLE) {
          unreadable += 1;
          return;
        }
        scored += 1;
        if (here.toNext === expected) right += 1;
        else wrong.push(`${id}: expected ${expected}, got ${here.toNext}`);
      });
    }
    console.log(
      `[stage-merge] continuation (label stage, deterministic mode) right on ${right} of ${scored} readable page breaks (${unreadable} unreadable left out)${wrong.length ? `; wrong: ${wrong.join('; ')}` : ''}`,
    );
    expect(scored + unreadable).toBe(Object.keys(RUNS_ON).length);
    expect(right / scored).toBeGreaterThanOrEqual(0.8);
  });
});

describe('merge on the sample book (typeset from the testkit sample book, OCR by the real stages)', () => {
  let dir: string;
  let run: MergedRun;
  beforeAll(async () => {
    const { generateSampleBook } = await import('@bookpipe/testkit/sample-book');
    dir = await mkdtemp(path.join(tmpdir(), 'bookpipe-merge-sample-'));
    const { path: pdf } = await generateSampleBook(path.join(dir, 'sample-book.pdf'));
    const scan = openScan({ root: path.join(dir, 'scans'), scanId: 'sample' });
    const config = loadConfig({});
    await new Pipeline({ scan, config, logger: silentLogger, stages: [new SourceStage({ inputs: [pdf] }), new OcrStage({ maxWorkers: 2 })] }).run();
    await runDeterministicStages(scan);
    await new Pipeline({ scan, config, logger: silentLogger, stages: [new MergeStage()] }).run();
    const merge = scan.stage('merge', { schema: MergePageSchema });
    const ocr = await loadOcrPages(scan);
    run = {
      ids: ocr.map((page) => String(page.pageNumber)),
      scan,
      ocr,
      merged: await Promise.all(ocr.map((page) => merge.loadPage<MergePage>(page.pageNumber))),
      book: BookSchema.parse(JSON.parse(await readFile(merge.filePath('book.json'), 'utf8'))),
      md: await readFile(merge.filePath('book.md'), 'utf8'),
    };
  }, 300_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('page 3 ends with a footnote under text that stops mid-sentence: it runs on to page 4, and the note stays with page 3', () => {
    const [, , three, four] = run.merged;
    expect(three!.inputs).toEqual({ correction: 'used', label: 'used' });
    expect(three!.blocks.at(-1)!.classification).toBe('FOOTNOTE');
    expect(three!.continuation.toNext).toBe(true);
    expect(four!.continuation.fromPrevious).toBe(true);
    const note = run.book.footnotes.find((n) => n.page === 3);
    expect(note?.text).toMatch(/^The distinction is older than printing/);
    expect(run.md).toContain(`[^${note!.id}]: The distinction is older than printing.`);
    // The text before the note's call is the paragraph it belongs to.
    expect(run.md).toMatch(new RegExp(`the space that was left\\.?\\S*\\[\\^${note!.id}\\]`));
    expect(run.md).toContain('A book that has waited a hundred years on a shelf can wait a few minutes more while we read it properly.');
  });

  it('loses no OCR word: each is in its paragraph text, in order, or in its furniture (running head, folio)', () => {
    for (const [index, ocr] of run.ocr.entries()) {
      const merged = run.merged[index]!;
      const { text, furniture } = splitByFurniture(ocr, merged);
      expect(alnum(merged.blocks.flatMap((b) => b.paragraphs.map((p) => p.text)).join(' '))).toBe(alnum(text.join(' ')));
      expect(alnum(merged.blocks.flatMap((b) => b.paragraphs.flatMap((p) => (p.furniture ?? []).map((f) => f.text))).join(' '))).toBe(
        alnum(furniture.join(' ')),
      );
    }
  });
});
