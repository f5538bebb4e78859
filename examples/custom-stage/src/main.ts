// Runs source -> ocr -> reading-stats on a book and prints where the results are.
//   pnpm --filter @bookpipe/example-custom-stage start [pdf-or-images...]
// Without arguments it typesets the sample book from packages/testkit/src/sample-book first (offline).
import { resolve } from 'node:path';
import { Pipeline, loadConfig } from '@bookpipe/core';
import { SourceStage } from '@bookpipe/source';
import { OcrStage } from '@bookpipe/stage-ocr';
import { openScan } from '@bookpipe/storage';
import { generateSampleBook } from '@bookpipe/testkit/sample-book';
import { ReadingStatsStage } from './reading-stats-stage.js';

const config = loadConfig();
let inputs = process.argv.slice(2).map((p) => resolve(p));
if (inputs.length === 0) {
  const { path } = await generateSampleBook(resolve(config.root, 'sample-book.pdf'));
  inputs = [path];
}
const scan = openScan({ root: config.root, scanId: 'custom-stage-example' });
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
if (result.aborted) {
  console.log('Stopped. Run the same command again to resume where it stopped.');
} else {
  console.log(`Reading statistics: ${scan.stage('reading-stats').filePath('summary.json')}`);
  console.log(`Per-page report:    ${scan.stage('reading-stats').filePath('report.csv')}`);
}
