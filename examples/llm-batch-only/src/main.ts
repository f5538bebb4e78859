// @bookpipe/llm-batch on its own: index terms for every paragraph of a text file.
//   npm start                        the sample book's text (sample.txt beside this example)
//   npm start -- my-text.txt         your own: `# Title` starts a chapter, blank lines separate paragraphs
// It runs offline against the package's fake provider (a real HTTP server on 127.0.0.1 speaking the
// OpenAI wire format), so it needs no key and costs nothing. To use a real provider, replace the
// `provider` below with openaiCompatible({ apiKey: process.env.OPENAI_API_KEY }) and drop the fake.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { LlmBatchClient, openaiCompatible } from '@bookpipe/llm-batch';
import { startFakeProvider } from '@bookpipe/llm-batch/testing';
import { fakeKeywordModel } from './fake-model.js';
import { indexParagraphs } from './paragraph-keywords.js';
import { parseParagraphs } from './paragraphs.js';

const file = process.argv[2] === undefined ? new URL('../sample.txt', import.meta.url) : resolve(process.argv[2]);
const paragraphs = parseParagraphs(await readFile(file, 'utf8'));

await using fake = await startFakeProvider({ respond: fakeKeywordModel() });
const client = new LlmBatchClient({
  provider: openaiCompatible({ baseURL: fake.openaiBaseURL, apiKey: 'offline-example' }),
  maxWorkers: 4,
  requestsPerMinute: 600,
  retryBaseDelayMs: 200,
});
const controller = new AbortController();
process.once('SIGINT', () => controller.abort());

const { results, summary } = await indexParagraphs(client, paragraphs, {
  model: 'gpt-4o-mini',
  signal: controller.signal,
  onEvent: (event) => {
    if (event.type === 'retrying') console.log(`  ${event.id}: attempt ${event.attempt} failed (${event.reason}); retrying in ${Math.round(event.delayMs)} ms`);
    if (event.type === 'progress' && event.inFlight === 0 && event.queued === 0)
      console.log(`  progress: ${event.done}/${event.total} done, ${event.failed} failed`);
  },
});

for (const { paragraph, keywords, attempts } of results) {
  const answer = 'error' in keywords ? `FAILED: ${keywords.error}` : `${keywords.keywords.join(', ')} — ${keywords.summary}`;
  console.log(`${paragraph.id} (${attempts} attempt${attempts > 1 ? 's' : ''}): ${answer}`);
}
const cost =
  summary.unpricedAttempts > 0 ? 'unknown for some attempts' : `$${summary.costUsd.toFixed(5)} at gpt-4o-mini list prices (the fake provider charges nothing)`;
console.log(`\n${summary.done} paragraphs indexed, ${summary.failed} failed, ${summary.attempts} sends in ${summary.durationMs.toFixed(0)} ms; cost ${cost}.`);
if (summary.aborted) console.log(`Stopped: ${summary.notDone} paragraphs were not sent.`);
