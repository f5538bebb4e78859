// The reference pipeline: source -> ocr -> correction and label in parallel -> merge.
//   pnpm --filter @bookpipe/example-full-pipeline start [pdf-or-images...]
// With OPENAI_API_KEY, ANTHROPIC_API_KEY or OPENROUTER_API_KEY (or BOOKPIPE_BASE_URL and BOOKPIPE_MODEL for a
// local server) the LLM stages ask that model; without, they run their deterministic modes. Without
// arguments it typesets the sample book from packages/testkit/src/sample-book first.
import { BOOK_MD } from '@bookpipe/contracts';
import { DEFAULT_MODELS, configuredProvider, providerFromConfig } from '@bookpipe/stage-kit';
import { resolve } from 'node:path';
import { hasLlm, loadConfig } from '@bookpipe/core';
import { generateSampleBook } from '@bookpipe/testkit/sample-book';
import { openScan } from '@bookpipe/storage';
import { buildFullPipeline, type FullPipelineLlm } from './full-pipeline.js';

const config = loadConfig();
let inputs = process.argv.slice(2).map((path) => resolve(path));
if (inputs.length === 0) inputs = [(await generateSampleBook(resolve(config.root, 'sample-book.pdf'))).path];

let llm: FullPipelineLlm | null = null;
if (hasLlm(config)) {
  const model = config.llm.model ?? DEFAULT_MODELS[configuredProvider(config) ?? 'ollama'];
  if (!model) throw new Error('Set BOOKPIPE_MODEL to a vision model your local server serves.');
  llm = { provider: providerFromConfig(config), model, ...(config.llm.maxWorkers ? { maxWorkers: config.llm.maxWorkers } : {}) };
  console.log(`correction and label: ${llm.provider.name}, model ${model}, on one shared client`);
} else {
  console.log('correction and label: no API key in the environment, so their deterministic modes (no request sent)');
}

const scan = openScan({ root: config.root, scanId: 'full-pipeline-example' });
const { pipeline } = buildFullPipeline({
  scan,
  inputs,
  config,
  llm,
  onEvent: (event) => {
    if (event.type === 'stage:start') console.log(`${event.stage}: ${event.remainingPages} of ${event.totalPages} pages to do`);
    if (event.type === 'stage:done') {
      const cost = event.stats.totalCostUsd === null ? 'cost unknown' : `$${event.stats.totalCostUsd.toFixed(4)}`;
      console.log(`${event.stage}: done (${event.stats.pagesProcessed} pages, ${event.stats.pagesFailed} failed, ${cost})`);
    }
    if (event.type === 'stage:skipped') console.log(`${event.stage}: ${event.reason}`);
    if (event.type === 'page:failed') console.log(`${event.stage}: page ${event.page} FAILED: ${event.error}`);
  },
});
const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
const result = await pipeline.run({ signal: controller.signal });
console.log(result.aborted ? 'Stopped. Run the same command again to resume where it stopped.' : `book.md: ${scan.stage('merge').filePath(BOOK_MD)}`);
