import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateSampleBook } from '@bookpipe/example-sample-book';
import { exampleFromSchema, startFakeProvider, type FakeProvider, type FakeReply, type FakeRequest } from '@bookpipe/llm-batch/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bin = resolve(import.meta.dirname, '../dist/bin.js');
const KEY = 'sk-e2e-test-key-4b1d0c';

type Json = Record<string, unknown>;

/** The page JSON a stage put after its prompt's first line. */
function promptPage(request: FakeRequest): { page: number; blocks: Array<{ blockNum: number; text?: string; box: number[]; paragraphs?: Array<{ parNum: number; text: string }> }> } {
  const json = request.text.slice(request.text.indexOf('{', request.text.lastIndexOf('attached):')));
  return JSON.parse(json) as ReturnType<typeof promptPage>;
}

/**
 * A stand-in for a vision model, scripted on the sample book: correction leaves every paragraph as OCR
 * read it but one (which it marks), label classes blocks from their text and position and "reads" the
 * folios the sample book prints (page 3 is 1). The first label request for page 2 gets a 503.
 */
function fakeVisionModel(request: FakeRequest): FakeReply {
  const page = promptPage(request);
  const answer = exampleFromSchema(request.schema) as Json & { blocks: Json[] };
  if (request.schemaName === 'page_correction') {
    for (const block of answer.blocks as Array<{ blockNum: number; paragraphs: Json[] }>) {
      for (const paragraph of block.paragraphs) {
        const given = page.blocks.find((b) => b.blockNum === block.blockNum)?.paragraphs?.find((p) => p.parNum === paragraph['parNum']);
        const marked = given?.text.startsWith('A footnote is a small voice');
        Object.assign(paragraph, { text: marked ? `${given!.text} (checked by the model)` : null, notes: marked ? 'marked by the test model' : '', confidence: 0.95 });
      }
    }
  } else {
    if (page.page === 2 && request.attempt === 1) return { fault: 'serverError', status: 503 };
    for (const block of answer.blocks as Array<{ blockNum: number; classification: string; confidence: number }>) {
      const given = page.blocks.find((b) => b.blockNum === block.blockNum)!;
      const text = given.text ?? '';
      const top = given.box[1] ?? 0;
      block.classification = /^chapter\b/i.test(text)
        ? 'CHAPTER_HEADING'
        : top < 100 && text === text.toUpperCase()
          ? 'HEADER'
          : top > 780 && /^[!*¹\d]/.test(text)
            ? 'FOOTNOTE'
            : 'BODY';
      block.confidence = 0.9;
    }
    const printed = page.page >= 3 ? String(page.page - 2) : null;
    Object.assign(answer, {
      printedPageNumber: printed,
      numberingStyle: printed ? 'arabic' : 'none',
      pageNumberLocation: printed ? 'footer' : 'none',
      pageNumberConfidence: 0.9,
      pageRegion: printed ? 'body' : 'front_matter',
      pageRegionConfidence: 0.8,
    });
  }
  return { json: answer, usage: { promptTokens: 1200, completionTokens: 150 } };
}

function run(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
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
    expect(result.stderr).toMatch(/correction: done in [\d.]+ s \(5 pages, 0 already done, 0 failed, \$0\.\d{4}\)/);
    expect(result.stderr).toMatch(/label: done in [\d.]+ s \(5 pages, 0 already done, 0 failed, \$0\.\d{4}\)/);

    const bySchema = (name: string) => fake.requests.filter((r) => r.schemaName === name);
    expect(bySchema('page_correction')).toHaveLength(5);
    expect(bySchema('page_label')).toHaveLength(6); // page 2 retried after its 503
    for (const request of fake.requests) {
      expect(request.images).toHaveLength(1);
      expect(request.images[0]!.mediaType).toBe('image/jpeg');
      expect(request.headers.authorization).toBe(`Bearer ${KEY}`);
    }

    const merge = join(dir, 'scans', 'sample-book', 'merge');
    const md = await readFile(join(merge, 'book.md'), 'utf8');
    expect(md).toContain("## Chapter I. The Compositor's Case");
    expect(md).toContain('## Chapter II. Notes at the Foot of the Page');
    // The running head of page 4 is left out: the paragraph runs on across the break, anchored at printed page 2.
    expect(md).toContain('the name of the chapter on the <a id="page-2"></a>right, so that a reader opening the volume');
    expect(md).toContain('[^p3-1]: The distinction is older than printing.');
    expect(md).toContain('(checked by the model)');
    const page5 = JSON.parse(await readFile(join(merge, 'page_0005.json'), 'utf8')) as { printedPageNumber: string; inputs: unknown };
    expect(page5).toMatchObject({ printedPageNumber: '3', inputs: { correction: 'used', label: 'used' } });

    // The key went to the provider only: not into any file of the scan (logs, reports, pages).
    for (const file of await filesUnder(join(dir, 'scans'))) {
      if (file.endsWith('.png')) continue;
      expect(await readFile(file, 'utf8'), file).not.toContain(KEY);
    }
  }, 300_000);
});
