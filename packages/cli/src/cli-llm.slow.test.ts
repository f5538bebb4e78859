import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { exampleFromSchema, type FakeProvider, type FakeReply, type FakeRequest, startFakeProvider } from '@bookpipe/llm-batch/testing';
import { type ProcessOutput, runNode } from '@bookpipe/testkit';
import { generateSampleBook, parseBookText, SAMPLE_BOOK_TEXT } from '@bookpipe/testkit/sample-book';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bin = resolve(import.meta.dirname, '../dist/bin.js');
const KEY = 'sk-e2e-test-key-4b1d0c';

type Json = Record<string, unknown>;

/** The page JSON a stage put after its prompt's first line. */
function promptPage(request: FakeRequest): {
  page: number;
  blocks: Array<{ blockNum: number; text?: string; box: number[]; paragraphs?: Array<{ parNum: number; text: string }> }>;
} {
  const json = request.text.slice(request.text.indexOf('{', request.text.lastIndexOf('attached):')));
  return JSON.parse(json) as ReturnType<typeof promptPage>;
}

/** The sample book's title-page values (book.txt's `@title`, `@author`...), read in beforeAll. */
let bookMeta: Record<string, string> = {};

/** The line of the metadata prompt that contains `text`, without its type-size prefix, as a model would quote it. */
function quoteLine(request: FakeRequest, text: string): string | null {
  return (
    request.text
      .split('\n')
      .find((line) => line.includes(text))
      ?.replace(/^\[[\d.]+\] /, '') ?? null
  );
}

/**
 * The answer to the OCR stage's `book_metadata` request (text of the first pages, no image): the
 * schema's shape, filled with the sample book's title-page values and the prompt lines they stand on
 * (page 1 is the title page, page 2 the copyright page with the year).
 */
function metadataAnswer(request: FakeRequest): Json {
  const answer = exampleFromSchema(request.schema) as Json;
  const found = (value: string | number, page: number, line: string) => ({ value, confidence: 0.95, page, line: quoteLine(request, line) });
  Object.assign(answer, {
    title: found(bookMeta.title!, 1, bookMeta.title!.toUpperCase()),
    author: found(bookMeta.author!, 1, `by ${bookMeta.author!}`),
    year: found(Number(bookMeta.year), 2, `First published in ${bookMeta.year!}`),
    publisher: found(bookMeta.publisher!, 1, bookMeta.publisher!),
    isbn: { value: null, confidence: 0, page: null, line: null },
    language: { value: 'en', confidence: 0.9, page: null, line: null },
  });
  return answer;
}

/** Chapter openings set "CHAPTER I" over the chapter's title: both lines are the heading. */
const CHAPTER_NUMBER = /^chapter [ivxlc]+$/i;

/**
 * A stand-in for a vision model, scripted on the sample book: the OCR stage's metadata request gets
 * the title page's values; correction leaves every paragraph as OCR read it but one (which it marks);
 * label classes blocks from their text and position and "reads" the folios the sample book prints
 * (page 3, the first chapter's opening, is 1): at the outer end of the running head, and at the foot
 * (a drop folio) on the chapter openings, pages 3, 6 and 8. The first label request for page 2 gets a 503.
 */
function fakeVisionModel(request: FakeRequest): FakeReply {
  if (request.schemaName === 'book_metadata') return { json: metadataAnswer(request), usage: { promptTokens: 600, completionTokens: 120 } };
  const page = promptPage(request);
  const answer = exampleFromSchema(request.schema) as Json & { blocks: Json[] };
  if (request.schemaName === 'page_correction') {
    for (const block of answer.blocks as Array<{ blockNum: number; paragraphs: Json[] }>) {
      for (const paragraph of block.paragraphs) {
        const given = page.blocks.find((b) => b.blockNum === block.blockNum)?.paragraphs?.find((p) => p.parNum === paragraph.parNum);
        const marked = given?.text.startsWith('A footnote is a small voice');
        Object.assign(paragraph, {
          edits: marked ? [{ find: given!.text, replace: `${given!.text} (checked by the model)` }] : [],
          notes: marked ? 'marked by the test model' : '',
          confidence: 0.95,
        });
      }
    }
  } else {
    if (page.page === 2 && request.attempt === 1) return { fault: 'serverError', status: 503 };
    for (const block of answer.blocks as Array<{ blockNum: number; classification: string; confidence: number }>) {
      const given = page.blocks.find((b) => b.blockNum === block.blockNum)!;
      const text = given.text ?? '';
      const top = given.box[1] ?? 0;
      // The chapter's title is the block just under its "CHAPTER n" line (box tops in thousandths of the page).
      const above = page.blocks.find((b) => b.blockNum === block.blockNum - 1);
      const underChapterNumber = above !== undefined && CHAPTER_NUMBER.test(above.text ?? '') && top - (above.box[1] ?? 0) < 80;
      block.classification =
        CHAPTER_NUMBER.test(text) || underChapterNumber
          ? 'CHAPTER_HEADING'
          : top < 100 && text === text.toUpperCase()
            ? 'HEADER'
            : top > 780 && /^[*†‡§]/.test(text)
              ? 'FOOTNOTE'
              : 'BODY';
      block.confidence = 0.9;
    }
    const printed = page.page >= 3 ? String(page.page - 2) : null;
    const opening = page.blocks.some((b) => CHAPTER_NUMBER.test(b.text ?? ''));
    Object.assign(answer, {
      printedPageNumber: printed,
      numberingStyle: printed ? 'arabic' : 'none',
      pageNumberLocation: printed ? (opening ? 'footer' : 'header') : 'none',
      pageNumberConfidence: 0.9,
      pageRegion: printed ? 'body' : 'front_matter',
      pageRegionConfidence: 0.8,
    });
  }
  return { json: answer, usage: { promptTokens: 1200, completionTokens: 150 } };
}

function run(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<ProcessOutput> {
  return runNode([bin, ...args], { cwd, env });
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('bookpipe run with the LLM stages, against the fake provider (child process, the real bin)', () => {
  let dir: string;
  let fake: FakeProvider;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bookpipe-cli-llm-'));
    await generateSampleBook(join(dir, 'sample-book.pdf'));
    bookMeta = parseBookText(await readFile(SAMPLE_BOOK_TEXT, 'utf8')).meta;
    fake = await startFakeProvider({ respond: fakeVisionModel });
  });
  afterAll(async () => {
    await fake?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('source -> ocr -> correction and label -> merge: book.md from the model answers, a 503 retried, cost shown, no key on disk', async () => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/_API_KEY$|^npm_|^BOOKPIPE_/.test(name)));
    const result = await run(
      ['run', 'sample-book.pdf', '--provider', 'openai', '--base-url', fake.openaiBaseURL, '--model', 'gpt-4o-mini', '--workers', '2'],
      dir,
      { ...env, OPENAI_API_KEY: KEY, BOOKPIPE_LLM_RETRY_JITTER: '0' },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`correction and label: openai, model gpt-4o-mini at ${fake.openaiBaseURL}.`);
    // gpt-4o-mini's list price x the reported tokens: the cost is known and shown.
    expect(result.stderr).toMatch(/correction: done in [\d.]+ s \(8 pages, 0 already done, 0 failed, \$0\.\d{4}\)/);
    expect(result.stderr).toMatch(/label: done in [\d.]+ s \(8 pages, 0 already done, 0 failed, \$0\.\d{4}\)/);

    const bySchema = (name: string) => fake.requests.filter((r) => r.schemaName === name);
    expect(bySchema('page_correction')).toHaveLength(8);
    expect(bySchema('page_label')).toHaveLength(9); // page 2 retried after its 503
    // The OCR stage's after() asks once for the book's metadata, with the first pages' text and no image.
    const metadataRequests = bySchema('book_metadata');
    expect(metadataRequests).toHaveLength(1);
    expect(metadataRequests[0]!.images).toHaveLength(0);
    expect(metadataRequests[0]!.text).toContain('--- page 1 ---');
    expect(metadataRequests[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(fake.requests).toHaveLength(8 + 9 + 1);
    for (const request of [...bySchema('page_correction'), ...bySchema('page_label')]) {
      expect(request.images).toHaveLength(1);
      expect(request.images[0]!.mediaType).toBe('image/jpeg');
      expect(request.headers.authorization).toBe(`Bearer ${KEY}`);
    }

    const merge = join(dir, 'scans', 'sample-book', 'merge');
    const md = await readFile(join(merge, 'book.md'), 'utf8');
    expect(md).toContain("## CHAPTER I — The Compositor's Case");
    expect(md).toContain('## CHAPTER II — Notes at the Foot of the Page');
    expect(md).toContain('## CHAPTER III — Reading It Again');
    // The running heads of pages 4 and 7 ("2 THE PATIENT PAGE", "NOTES AT THE FOOT OF THE PAGE 5") are left
    // out: the paragraphs run on across the breaks, anchored at printed pages 2 and 5.
    expect(md).toContain('everything else the compositor added <a id="page-2"></a>to the page. At the head of each page');
    expect(md).toContain('A leaf sticks to its neighbour, a number is <a id="page-5"></a>misread, a blank page');
    expect(md).not.toMatch(/THE PATIENT PAGE\s*\d|\d\s*THE PATIENT PAGE|COMPOSITOR'S CASE\s*\d|NOTES AT THE FOOT OF THE PAGE/);
    // Both star footnotes become Markdown footnotes of their pages.
    expect(md).toContain('[^p3-1]: The distinction is older than printing.');
    expect(md).toMatch(/\[\^p6-1\]: \S*Gibbon is the usual example/);
    expect(md).toContain('(checked by the model)');
    const page5 = JSON.parse(await readFile(join(merge, 'page_0005.json'), 'utf8')) as { printedPageNumber: string; inputs: unknown };
    expect(page5).toMatchObject({ printedPageNumber: '3', inputs: { correction: 'used', label: 'used' } });

    // The model's metadata answer, checked against the OCR lines it quotes, is written to metadata.json.
    const metadata = JSON.parse(await readFile(join(dir, 'scans', 'sample-book', 'metadata.json'), 'utf8')) as Json & {
      metadataSources?: Record<string, Json>;
    };
    expect(metadata).toMatchObject({ title: bookMeta.title, author: bookMeta.author, year: Number(bookMeta.year), publisher: bookMeta.publisher });
    expect(metadata.metadataSources?.title).toMatchObject({ method: 'llm', model: 'gpt-4o-mini', page: 1 });

    // The key went to the provider only: not into any file of the scan (logs, reports, pages).
    for (const file of await filesUnder(join(dir, 'scans'))) {
      if (file.endsWith('.png')) continue;
      expect(await readFile(file, 'utf8'), file).not.toContain(KEY);
    }
  }, 300_000);
});
