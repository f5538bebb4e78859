// The reference pipeline: source -> ocr -> correction and label in parallel, on one LLM client -> merge.
//   npm start -- book.pdf            (or: pnpm --filter @bookpipe/example-full-pipeline start book.pdf)
// With OPENAI_API_KEY, ANTHROPIC_API_KEY or OPENROUTER_API_KEY (or BOOKPIPE_BASE_URL and BOOKPIPE_MODEL for a
// local server) the LLM stages ask that model; without, they run their deterministic modes, and say so.
// Scans go to ./scans beside this example, or to BOOKPIPE_ROOT when set.
import { basename, extname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBookPipeline } from '@bookpipe/book-pipeline';
import { BOOK_MD } from '@bookpipe/contracts';
import { loadConfig } from '@bookpipe/core';
import { openScan } from '@bookpipe/storage';

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
const scan = openScan({ root, scanId });

// The default pipeline. The LLM comes from the environment; `llm: { client, model }` would share a client
// you built, `llm: false` turn the model off. Correction and label share the one client it builds.
const { pipeline, notes } = await createBookPipeline({
  scan,
  inputs,
  config,
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
console.log(`scan "${scanId}" in ${root}`);
for (const note of notes) console.log(note);
const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
const result = await pipeline.run({ signal: controller.signal });
const failed = result.failedPages.length;
if (result.aborted) console.log('Stopped. Run the same command again to resume where it stopped.');
else
  console.log(`book.md: ${scan.stage('merge').filePath(BOOK_MD)}${failed > 0 ? ` (${failed} page(s) failed: run the same command again to retry them)` : ''}`);
// ok is false when a page failed, a stage did not run or the run was stopped.
process.exitCode = result.ok ? 0 : 1;
