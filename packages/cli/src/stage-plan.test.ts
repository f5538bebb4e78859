import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@bookpipe/core';
import { openScan } from '@bookpipe/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConfig } from './run-command.js';
import { parseStageList, planRun } from './stage-plan.js';

describe('the stages of `bookpipe run`', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'bookpipe-cli-plan-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('parses --stages into pipeline order, refusing an unknown or empty list', () => {
    expect(parseStageList('merge, ocr,source')).toEqual(['source', 'ocr', 'merge']);
    expect(() => parseStageList('ocr,proofread')).toThrow('Unknown stage "proofread" in --stages. Stages: source, ocr, correction, label, merge.');
    expect(() => parseStageList(' , ')).toThrow(/^--stages is empty/);
  });

  it('is the default pipeline, with the notes and errors in the words of the command', async () => {
    const scan = openScan({ root, scanId: 'book' });
    const plan = await planRun({ inputs: ['/books/a.pdf'], wanted: undefined, scan, config: runConfig({}, { workers: 2 }), resume: true, onEvent: () => {} });
    expect(plan.stages.map((stage) => stage.name)).toEqual(['source', 'ocr', 'correction', 'label', 'merge']);
    expect(plan.notes).toEqual([
      expect.stringContaining(
        'correction and label: without an LLM (no OPENAI_API_KEY, ANTHROPIC_API_KEY or OPENROUTER_API_KEY in the environment and no --base-url)',
      ),
    ]);
    await expect(planRun({ inputs: [], wanted: undefined, scan, config: loadConfig({}), resume: true, onEvent: () => {} })).rejects.toThrow(
      'Give the PDF, page images or folder of page images to read, e.g. `bookpipe run book.pdf`.',
    );
    const llm = await planRun({
      inputs: [],
      wanted: ['label'],
      scan,
      config: runConfig({ OPENAI_API_KEY: 'sk-test-1234' }, { baseUrl: 'http://127.0.0.1:9/v1' }),
      resume: true,
      onEvent: () => {},
    });
    expect(llm.notes).toEqual(['label: openai, model gpt-4o-mini at http://127.0.0.1:9/v1.']);
  });
});
