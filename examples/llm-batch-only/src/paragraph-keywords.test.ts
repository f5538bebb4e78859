import { LlmBatchClient, openaiCompatible } from '@bookpipe/llm-batch';
import { startFakeProvider } from '@bookpipe/llm-batch/testing';
import { describe, expect, it } from 'vitest';
import { fakeKeywordModel } from './fake-model.js';
import { indexParagraphs, KeywordsSchema, type Paragraph } from './paragraph-keywords.js';

const paragraphs: Paragraph[] = [
  { id: 'ch1-1', chapter: 'Chapter I', text: 'Every printed page began as a handful of small metal letters. The compositor set them.' },
  { id: 'ch1-2', chapter: 'Chapter I', text: 'The compositor worked against the clock, dividing words with hyphens.' },
  { id: 'ch1-3', chapter: 'Chapter I', text: 'Machines see the hyphen and the line break.' },
  { id: 'ch1-4', chapter: 'Chapter I', text: 'Running titles and page numbers are not part of the text.' },
];

describe('the llm-batch-only example, offline against the fake provider', () => {
  it('indexes every paragraph in order, through a 429 and a schema violation, sending each prompt with its schema', async () => {
    await using fake = await startFakeProvider({ respond: fakeKeywordModel() });
    const client = new LlmBatchClient({ provider: openaiCompatible({ baseURL: fake.openaiBaseURL, apiKey: 'test' }), maxWorkers: 2, retryBaseDelayMs: 10 });
    const retries: string[] = [];
    const { results, summary } = await indexParagraphs(client, paragraphs, {
      model: 'gpt-4o-mini',
      onEvent: (event) => {
        if (event.type === 'retrying') retries.push(`${event.id}: ${event.reason}`);
      },
    });

    expect(results.map((r) => r.paragraph.id)).toEqual(paragraphs.map((p) => p.id));
    for (const result of results) expect(KeywordsSchema.safeParse(result.keywords).success).toBe(true);
    expect(results[0]!.keywords).toMatchObject({
      summary: 'Every printed page began as a handful of small metal letters.',
      keywords: expect.arrayContaining(['compositor']),
    });
    expect(results.find((r) => r.paragraph.id === 'ch1-4')!.attempts).toBe(2);
    expect(retries).toEqual(expect.arrayContaining([expect.stringContaining('HTTP 429'), expect.stringMatching(/^ch1-4: response violates schema/)]));
    expect(summary).toMatchObject({ total: 4, done: 4, failed: 0, attempts: 6, unpricedAttempts: 0 });
    expect(summary.costUsd).toBeGreaterThan(0);

    const sent = fake.requestsFor('ch1-3')[0]!;
    expect(sent.text).toContain('Paragraph:\nMachines see the hyphen and the line break.');
    expect(sent.schemaName).toBe('paragraph_keywords');
    expect(sent.schema).toMatchObject({ type: 'object', required: ['summary', 'keywords'], additionalProperties: false });
  });

  it('a paragraph that keeps failing is reported, the others are not held back', async () => {
    await using fake = await startFakeProvider({
      respond: (request) => (request.id === 'ch1-3' ? { fault: 'httpError', status: 400, message: 'bad request' } : fakeKeywordModel()(request)),
    });
    const client = new LlmBatchClient({ provider: openaiCompatible({ baseURL: fake.openaiBaseURL, apiKey: 'test' }), retryBaseDelayMs: 10 });
    const { results, summary } = await indexParagraphs(client, paragraphs, { model: 'gpt-4o-mini' });
    expect(summary).toMatchObject({ done: 3, failed: 1 });
    expect(results.find((r) => r.paragraph.id === 'ch1-3')!.keywords).toEqual({ error: expect.stringContaining('HTTP 400') });
  });
});
