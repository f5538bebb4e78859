// Runs source -> ocr -> reading-stats on a book and prints where the results are.
//   npm start -- book.pdf            (or: pnpm --filter @bookpipe/example-custom-stage start book.pdf)
// Scans go to ./scans beside this example, or to BOOKPIPE_ROOT when set.
import { basename, extname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, Pipeline } from '@bookpipe/core';
import { SourceStage } from '@bookpipe/source';
import { OcrStage } from '@bookpipe/stage-ocr';
import { openScan } from '@bookpipe/storage';
import { ReadingStatsStage } from './reading-stats-stage.js';

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
const controller = new AbortController();
process.once('SIGINT', () => controller.abort());

const pipeline = new Pipeline({
  scan,
  config,
  stages: [new SourceStage({ inputs }), new OcrStage(), new ReadingStatsStage()],
  onEvent: (event) => {
    if (event.type === 'page:done') console.log(`${event.stage}: page ${event.page} done`);
    if (event.type === 'page:failed') console.log(`${event.stage}: page ${event.page} FAILED: ${event.error}`);
    if (event.type === 'stage:skipped') console.log(`${event.stage}: ${event.reason}`);
  },
});
const result = await pipeline.run({ signal: controller.signal });
const _failed = result.failedPages.length;
// ok is false when a page failed, a stage did not run or the run was stopped.
process.exitCode = result.ok ? 0 : 1;
if (result.aborted) {
  console.log('Stopped. Run the same command again to resume where it stopped.');
} else {
  console.log(`Reading statistics: ${scan.stage('reading-stats').filePath('summary.json')}`);
  console.log(`Per-page report:    ${scan.stage('reading-stats').filePath('report.csv')}`);
}
