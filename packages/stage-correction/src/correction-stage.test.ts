/**
 * The correction stage's answer check, end to end: a scan on disk (blank source images, small OCR
 * pages), the real `openai` and `@anthropic-ai/sdk` clients against the loopback fake provider, and
 * answers that empty or rewrite paragraphs.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CorrectionPageSchema, OCR_STAGE, type OcrPage } from '@bookpipe/contracts';
import { type BookStorage, loadConfig, type PipelineEvent } from '@bookpipe/core';
import { anthropic, type LlmProvider, openaiCompatible } from '@bookpipe/llm-batch';
import { type FakeProvider, type FakeRequest, startFakeProvider } from '@bookpipe/llm-batch/testing';
import { openScan } from '@bookpipe/storage';
import { blankPagePng, memoryLogger, runStage, scanWithSourcePages, smallPage } from '@bookpipe/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CorrectionAnswer } from './correction-answer.js';
import { CorrectionStage } from './correction-stage.js';

const PAGES: OcrPage[] = [
  smallPage(1, [[['It was the best of times, it was the worst', 'of times, it was tbe age of wisdom.']], [['Tbe end.']]]),
  smallPage(2, [[['A second page of plain text that needs', 'nothing at all.']]]),
];

interface PromptPage {
  blocks: Array<{ blockNum: number; paragraphs: Array<{ parNum: number; text: string }> }>;
}

/** The page JSON of a correction request, as the model reads it (the line after the "attached" line). */
function promptPage(request: FakeRequest): PromptPage {
  const line = request.text.split('(the page image is attached):\n')[1]?.split('\n')[0];
  if (line === undefined) throw new Error(`request ${request.id} has no page JSON`);
  return JSON.parse(line) as PromptPage;
}

/**
 * An answer giving each paragraph the text `edit(text)` returns (null: unchanged), as one edit
 * replacing the whole given text: the widest edit a model can send, and the one the check must stop.
 */
function answer(request: FakeRequest, edit: (text: string) => string | null): CorrectionAnswer {
  return {
    blocks: promptPage(request).blocks.map((block) => ({
      blockNum: block.blockNum,
      paragraphs: block.paragraphs.map((p) => {
        const text = edit(p.text);
        return { parNum: p.parNum, edits: text === null ? [] : [{ find: p.text, replace: text }], notes: '', confidence: 0.9 };
      }),
    })),
  };
}

const fix = (text: string) => text.replace(/\bTbe\b/g, 'The').replace(/\btbe\b/g, 'the');
const rewrite = () => 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.';

const ADAPTERS: Array<[string, (fake: FakeProvider) => LlmProvider, string]> = [
  ['openai', (fake) => openaiCompatible({ baseURL: fake.openaiBaseURL, apiKey: 'test' }), 'gpt-4o-mini'],
  ['anthropic', (fake) => anthropic({ baseURL: fake.anthropicBaseURL, apiKey: 'test' }), 'claude-3-5-haiku-latest'],
];

describe.each(ADAPTERS)('CorrectionStage answer check (%s adapter, fake provider)', (_name, providerFor, model) => {
  let root: string;
  let scan: BookStorage;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'bookpipe-correction-check-'));
    const png = await blankPagePng(path.join(root, 'page.png'), 400, 600);
    scan = await scanWithSourcePages(openScan({ root, scanId: 'book' }), [{ png }, { png }]);
    await scan.updateMetadata({ title: 'A Tale of Two Cities', year: 1859, language: 'en' });
    const ocr = scan.stage(OCR_STAGE);
    for (const page of PAGES) await ocr.savePage(page.pageNumber, page, { pageNum: page.pageNumber, processingTimeSeconds: 0, costUsd: 0 });
    await ocr.checkpoint.markStageComplete({ stage: OCR_STAGE });
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  const run = async (fake: FakeProvider, logger = memoryLogger().logger, events: PipelineEvent[] = []) => {
    const stats = await runStage(scan, new CorrectionStage({ llm: { provider: providerFor(fake), model } }), {
      config: loadConfig({}),
      logger,
      onEvent: (event) => events.push(event),
    });
    const pages = await Promise.all([1, 2].map(async (page) => CorrectionPageSchema.parse(await scan.stage('correction').loadPage(page))));
    const report = await readFile(path.join(scan.dir, 'correction', 'report.csv'), 'utf8');
    return { stats, pages, report };
  };

  it('the fake\'s default answer ("unchanged") is taken at once: one request a page, no flag', async () => {
    await using fake = await startFakeProvider();
    const { stats, pages, report } = await run(fake);
    expect(stats).toMatchObject({ pagesProcessed: 2, pagesFailed: 0 });
    expect(fake.requests.map((r) => r.id).sort()).toEqual(['correction_0001', 'correction_0002']);
    expect(pages.flatMap((p) => p.flags)).toEqual([]);
    const [header, row1] = report.split('\n');
    expect(header).toContain('rejectedParagraphs,rejectedEdits,flag');
    expect(row1).toMatch(/,0,0,,/);
  });

  it('the prompt names the book from metadata.json', async () => {
    await using fake = await startFakeProvider();
    await run(fake);
    expect(fake.requests[0]!.text).toContain('The book: "A Tale of Two Cities", printed 1859, language: en.');
  });

  it('an emptied page is asked once more with the reasons; refused again, every paragraph keeps its OCR text and the page is flagged', async () => {
    await using fake = await startFakeProvider({ respond: (request) => ({ json: answer(request, () => '') }) });
    const log = memoryLogger();
    const events: PipelineEvent[] = [];
    const { stats, pages, report } = await run(fake, log.logger, events);
    expect(stats).toMatchObject({ pagesProcessed: 2, pagesFailed: 0 });
    expect(fake.requests.map((r) => r.id).sort()).toEqual(['correction_0001', 'correction_0001_review', 'correction_0002', 'correction_0002_review']);
    const retry = fake.requestsFor('correction_0001_review')[0]!;
    expect(retry.text).toContain(
      'Your previous answer for this page was refused for these paragraphs:\n- block 1 paragraph 1: the edits emptied the paragraph (emptied a paragraph of 78 characters)',
    );
    expect(retry.images).toHaveLength(1);
    // No text lost: null means "the OCR text as it stands".
    expect(pages[0]!.paragraphs.map((p) => p.text)).toEqual([null, null]);
    expect(pages[0]!.flags.map((f) => [f.blockNum, f.parNum, f.reason])).toEqual([
      [1, 1, 'empty'],
      [2, 1, 'empty'],
    ]);
    expect(report).toContain(',2,0,kept OCR text: b1p1 empty; b2p1 empty,');
    // One warning for the stage, not one a page.
    const warnings = log.lines.filter((line) => String(line.msg ?? line.message).includes('keep their OCR text'));
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0]!.msg ?? warnings[0]!.message)).toContain('on 2 page(s) the model emptied or rewrote 3 paragraph(s) twice');
    // The same once as a "correction:warning" stage event, which the CLI prints.
    const stageWarnings = events.filter((e) => e.type === 'stage:event' && e.event.type === 'correction:warning');
    expect(stageWarnings).toEqual([
      {
        type: 'stage:event',
        stage: 'correction',
        event: expect.objectContaining({ message: expect.stringMatching(/^on 2 page\(s\) the model emptied/), pages: 2, paragraphs: 3 }),
      },
    ]);
  });

  it('a wholesale rewrite is refused; a retry that only fixes misread letters is taken, and both requests are paid for', async () => {
    await using fake = await startFakeProvider({
      respond: (request) => ({ json: answer(request, request.id.endsWith('_review') ? fix : rewrite), usage: { promptTokens: 1000, completionTokens: 100 } }),
    });
    const { pages, report } = await run(fake);
    expect(fake.requests).toHaveLength(4);
    expect(fake.requestsFor('correction_0001_review')[0]!.text).toMatch(/block 1 paragraph 1: too much was changed \(changed \d+ of 78 characters/);
    expect(pages[0]!.paragraphs.map((p) => p.text)).toEqual(['It was the best of times, it was the worst of times, it was the age of wisdom.', 'The end.']);
    expect(pages[0]!.flags).toEqual([]);
    const columns = report.split('\n')[0]!.split(',');
    const row = report.split('\n')[1]!.split(',');
    const cell = (name: string) => row[columns.indexOf(name)];
    expect([cell('attempts'), cell('promptTokens'), cell('completionTokens'), cell('rejectedParagraphs'), cell('flag')]).toEqual(['2', '2000', '200', '0', '']);
  });

  it('edits are applied locally: a word-level fix is taken; an edit quoting text not on the page is asked once more, then left out and noted', async () => {
    await using fake = await startFakeProvider({
      respond: (request) => {
        const json = answer(request, () => null);
        const first = json.blocks[0]!.paragraphs[0]!;
        if (request.id.startsWith('correction_0001'))
          first.edits = [
            { find: 'was tbe age', replace: 'was the age' },
            { find: 'tbe wisdom', replace: 'the wisdom' },
          ];
        return { json };
      },
    });
    const { pages, report } = await run(fake);
    expect(fake.requests.map((r) => r.id).sort()).toEqual(['correction_0001', 'correction_0001_review', 'correction_0002']);
    expect(fake.requestsFor('correction_0001_review')[0]!.text).toContain(
      '- block 1 paragraph 1: an edit\'s "find" is not in the given text ("tbe wisdom" is not in the paragraph)',
    );
    expect(pages[0]!.paragraphs[0]).toMatchObject({
      text: 'It was the best of times, it was the worst of times, it was the age of wisdom.',
      notes: 'edit not applied (not_found: "tbe wisdom" is not in the paragraph)',
    });
    expect(pages[0]!.flags).toEqual([]);
    const columns = report.split('\n')[0]!.split(',');
    expect(report.split('\n')[1]!.split(',')[columns.indexOf('rejectedEdits')]).toBe('1');
  });

  it('an answer cut off at the token cap is asked again in halves of the page; their edits make one page', async () => {
    // The fake model cuts off every answer for more than one paragraph, whatever the token limit.
    await using fake = await startFakeProvider({
      respond: (request) => {
        const paragraphs = promptPage(request).blocks.flatMap((block) => block.paragraphs);
        return paragraphs.length > 1 ? { fault: 'truncated' } : { json: answer(request, fix), usage: { promptTokens: 1000, completionTokens: 50 } };
      },
    });
    const { stats, pages } = await run(fake);
    expect(stats).toMatchObject({ pagesProcessed: 2, pagesFailed: 0 });
    const parts = fake.requests.filter((r) => r.id.startsWith('correction_0001_part'));
    expect(parts.map((r) => r.id).sort()).toEqual(['correction_0001_part1', 'correction_0001_part2']);
    // Each half shows only its paragraph and is pinned to it; the page image goes with both.
    expect(parts.map((r) => promptPage(r).blocks.map((b) => b.blockNum)).sort()).toEqual([[1], [2]]);
    expect(parts.every((r) => r.text.includes('answer for these paragraphs only') && r.images.length === 1)).toBe(true);
    expect(pages[0]!.paragraphs.map((p) => p.text)).toEqual(['It was the best of times, it was the worst of times, it was the age of wisdom.', 'The end.']);
    expect(fake.requestsFor('correction_0002')).toHaveLength(1);
  });

  it('a rewrite on both tries keeps the OCR text; a paragraph the first answer fixed cleanly keeps that fix', async () => {
    await using fake = await startFakeProvider({
      respond: (request) => ({
        json: answer(request, (text) => (text === 'Tbe end.' ? (request.id.endsWith('_review') ? '' : 'The end.') : rewrite())),
      }),
    });
    const { pages } = await run(fake);
    expect(pages[0]!.paragraphs.map((p) => p.text)).toEqual([null, 'The end.']);
    expect(pages[0]!.flags.map((f) => [f.blockNum, f.reason])).toEqual([[1, 'too_many_changes']]);
    expect(pages[1]!.flags.map((f) => [f.blockNum, f.reason])).toEqual([[1, 'too_many_changes']]);
  });
});
