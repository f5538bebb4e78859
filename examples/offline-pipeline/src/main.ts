// The whole pipeline offline (no LLM, no network), then where book.md is.
//   npm start -- book.pdf            (or: pnpm --filter @bookpipe/example-offline-pipeline start book.pdf)
//   npm start -- scans-folder/ more.pdf
// Scans go to ./scans beside this example, or to BOOKPIPE_ROOT when set.
import { basename, extname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@bookpipe/core';
import { runOfflinePipeline } from './offline-pipeline.js';

const inputs = process.argv.slice(2).map((path) => resolve(path));
if (inputs.length === 0) {
  console.error('Give the PDF, page images or folders of page images to read, in book order: npm start -- book.pdf');
  process.exit(2);
}
const config = loadConfig();
const root = process.env.BOOKPIPE_ROOT ? resolve(process.env.BOOKPIPE_ROOT) : fileURLToPath(new URL('../scans', import.meta.url));
// One scan per book, named after the first input: a rerun on the same book resumes it.
const scanId =
  basename(inputs[0]!, extname(inputs[0]!))
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '') || 'book';
const controller = new AbortController();
process.once('SIGINT', () => controller.abort());

console.log(`scan "${scanId}" in ${root}`);
const { result, bookMd } = await runOfflinePipeline({
  inputs,
  root,
  scanId,
  config,
  signal: controller.signal,
  onEvent: (event) => {
    if (event.type === 'stage:start') console.log(`${event.stage}: ${event.remainingPages} of ${event.totalPages} pages to do`);
    if (event.type === 'stage:done') console.log(`${event.stage}: done (${event.stats.pagesProcessed} pages, ${event.stats.pagesFailed} failed)`);
    if (event.type === 'stage:skipped') console.log(`${event.stage}: ${event.reason}`);
    if (event.type === 'page:failed') console.log(`${event.stage}: page ${event.page} FAILED: ${event.error}`);
  },
});
const failed = result.failedPages.length;
if (result.aborted) console.log('Stopped. Run the same command again to resume where it stopped.');
else console.log(`book.md: ${bookMd}${failed > 0 ? ` (${failed} page(s) failed: run the same command again to retry them)` : ''}`);
// ok is false when a page failed, a stage did not run or the run was stopped.
process.exitCode = result.ok ? 0 : 1;
