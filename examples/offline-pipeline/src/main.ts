// The whole pipeline offline (no LLM, no network), then where book.md is.
//   pnpm --filter @bookpipe/example-offline-pipeline start [pdf-or-images...]
// Without arguments it typesets the sample book from packages/testkit/src/sample-book first.
import { resolve } from 'node:path';
import { loadConfig } from '@bookpipe/core';
import { generateSampleBook } from '@bookpipe/testkit/sample-book';
import { runOfflinePipeline } from './offline-pipeline.js';

const config = loadConfig();
let inputs = process.argv.slice(2).map((path) => resolve(path));
if (inputs.length === 0) inputs = [(await generateSampleBook(resolve(config.root, 'sample-book.pdf'))).path];
const controller = new AbortController();
process.once('SIGINT', () => controller.abort());

const { result, bookMd } = await runOfflinePipeline({
  inputs,
  root: config.root,
  scanId: 'offline-example',
  config,
  signal: controller.signal,
  onEvent: (event) => {
    if (event.type === 'stage:start') console.log(`${event.stage}: ${event.remainingPages} of ${event.totalPages} pages to do`);
    if (event.type === 'stage:done') console.log(`${event.stage}: done (${event.stats.pagesProcessed} pages, ${event.stats.pagesFailed} failed)`);
    if (event.type === 'stage:skipped') console.log(`${event.stage}: ${event.reason}`);
    if (event.type === 'page:failed') console.log(`${event.stage}: page ${event.page} FAILED: ${event.error}`);
  },
});
console.log(result.aborted ? 'Stopped. Run the same command again to resume where it stopped.' : `book.md: ${bookMd}`);
