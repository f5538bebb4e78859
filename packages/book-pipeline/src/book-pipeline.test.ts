import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AnyStage, BookpipeError, loadConfig, dependenciesOf as resolvedDependencies } from '@bookpipe/core';
import { LlmBatchClient, openaiCompatible } from '@bookpipe/llm-batch';
import { openScan } from '@bookpipe/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBookPipeline } from './book-pipeline.js';

const names = (stages: AnyStage[]) => stages.map((stage) => stage.name);
/** A stage's dependencies as `name` or `name?` (optional), as core resolves its declarations. */
const dependenciesOf = (stages: AnyStage[], name: string) => {
  const stage = stages.find((s) => s.name === name);
  return stage && resolvedDependencies(stage).map((dep) => (dep.optional ? `${dep.stage}?` : dep.stage));
};

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return BookpipeError.isInstance(error) ? `${error.code}: ${error.message}` : String(error);
  }
  return 'no error';
}

describe('createBookPipeline', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'bookpipe-book-pipeline-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));
  const scan = (scanId: string) => openScan({ root, scanId });

  it('builds every stage by default, without a model when none is configured, and says so', async () => {
    const built = await createBookPipeline({ scan: scan('plain'), inputs: ['/books/a.pdf'], config: loadConfig({}) });
    expect(names(built.stages)).toEqual(['source', 'ocr', 'correction', 'label', 'merge']);
    expect(dependenciesOf(built.stages, 'merge')).toEqual(['ocr', 'correction', 'label']);
    expect(built.mergeInputs).toEqual({ correction: true, label: true });
    expect(built.llm).toEqual({
      kind: 'none',
      reason: 'no OPENAI_API_KEY, ANTHROPIC_API_KEY or OPENROUTER_API_KEY in the environment and no BOOKPIPE_BASE_URL',
    });
    expect(built.notes).toEqual([
      'correction and label: without an LLM (no OPENAI_API_KEY, ANTHROPIC_API_KEY or OPENROUTER_API_KEY in the environment and no BOOKPIPE_BASE_URL): correction joins words broken at line ends with a word list; label classifies blocks and reads page numbers from the layout.',
    ]);
  });

  it('builds one client from the config for the LLM stages, with the config limits', async () => {
    const config = loadConfig({ OPENAI_API_KEY: 'sk-test-1234', BOOKPIPE_LLM_MAX_WORKERS: '7', BOOKPIPE_LLM_REQUESTS_PER_MINUTE: '60' });
    const built = await createBookPipeline({ scan: scan('llm'), inputs: ['/books/a.pdf'], config, stages: ['label', 'correction'] });
    expect(names(built.stages)).toEqual(['correction', 'label']);
    if (built.llm.kind !== 'llm') throw new Error('expected an LLM');
    expect(built.llm).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini' });
    expect(built.llm.client).toBeInstanceOf(LlmBatchClient);
    expect(built.llm.client.options).toMatchObject({ maxWorkers: 7, requestsPerMinute: 60 });
    expect(built.notes).toEqual(['correction and label: openai, model gpt-4o-mini.']);
    // A second pipeline gets a client of its own: nothing is cached behind the config.
    const again = await createBookPipeline({ scan: scan('llm'), config, stages: ['label'] });
    expect(again.llm.kind === 'llm' && again.llm.client).not.toBe(built.llm.client);
  });

  it('uses a client given to share as is, and `llm: false` turns the model off whatever keys are set', async () => {
    const client = new LlmBatchClient({ provider: openaiCompatible({ baseURL: 'http://127.0.0.1:9/v1', apiKey: 'test' }), maxWorkers: 3 });
    const shared = await createBookPipeline({ scan: scan('shared'), inputs: ['/a.pdf'], config: loadConfig({}), llm: { client, model: 'gpt-4o-mini' } });
    expect(shared.llm).toMatchObject({ kind: 'llm', client, model: 'gpt-4o-mini', provider: 'openai-compatible' });
    const off = await createBookPipeline({ scan: scan('off'), inputs: ['/a.pdf'], config: loadConfig({ OPENAI_API_KEY: 'sk-test-1234' }), llm: false });
    expect(off.llm).toEqual({ kind: 'none', reason: 'turned off with `llm: false`' });
    expect(off.notes[0]).toMatch(/^correction and label: without an LLM \(turned off with `llm: false`\)/);
  });

  it('merges without correction and label when they neither run nor completed in the scan, and with them once completed', async () => {
    const alone = await createBookPipeline({ scan: scan('merge-only'), config: loadConfig({}), stages: ['merge'] });
    expect(dependenciesOf(alone.stages, 'merge')).toEqual(['ocr']);
    expect(alone.mergeInputs).toEqual({ correction: false, label: false });
    expect(alone.llm).toEqual({ kind: 'none', reason: 'no stage of this run asks a model' });
    expect(alone.notes).toEqual([
      'merge: without correction and label (not in this run, not complete in the scan): the OCR text is merged as read; running heads and page numbers stay in the text.',
    ]);

    const done = scan('labelled');
    await done.init();
    await done.stage('label').checkpoint.markStageComplete({});
    const withLabel = await createBookPipeline({ scan: done, config: loadConfig({}), stages: ['merge'] });
    expect(withLabel.mergeInputs).toEqual({ correction: false, label: true });
    expect(withLabel.notes).toEqual(['merge: without correction (not in this run, not complete in the scan): the OCR text is merged as read.']);
  });

  it('refuses what cannot run before building anything, with the next step', async () => {
    const config = loadConfig({});
    expect(await refusal(createBookPipeline({ scan: scan('x'), config }))).toMatch(
      /^CONFIG_INVALID: The source stage has no inputs: give the PDF, page images or folders/,
    );
    expect(await refusal(createBookPipeline({ scan: scan('x'), config, stages: ['ocr', 'proofread' as never] }))).toBe(
      'CONFIG_INVALID: Unknown stage "proofread" in `stages`. Stages: source, ocr, correction, label, merge.',
    );
    expect(await refusal(createBookPipeline({ scan: scan('x'), config, stages: ['ocr'], llm: {} }))).toMatch(
      /^CONFIG_INVALID: LLM settings are given \(`llm`\) but no LLM is configured/,
    );
    const provider = openaiCompatible({ baseURL: 'http://127.0.0.1:9/v1', apiKey: 'test' });
    expect(await refusal(createBookPipeline({ scan: scan('x'), config, stages: ['label'], llm: { provider } }))).toMatch(
      /^CONFIG_INVALID: `llm.provider` \(openai-compatible\) is given without a model/,
    );
    expect(await refusal(createBookPipeline({ scan: scan('x'), config: loadConfig({ BOOKPIPE_PROVIDER: 'openai' }), stages: ['label'] }))).toMatch(
      /^CONFIG_INVALID: BOOKPIPE_PROVIDER=openai needs OPENAI_API_KEY/,
    );
  });
});
