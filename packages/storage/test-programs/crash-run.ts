// Child process for the crash test: runs a Pipeline with one SquareStage on a scan and prints a JSON
// line per finished page, so the parent can SIGKILL it mid-run.
// argv: <root> <scanId> <startLog> — startLog receives "<page>\n" each time a page starts.
import { loadConfig, Pipeline } from '@bookpipe/core';
import { SquareStage } from '@bookpipe/testkit';
import { openScan } from '../src/index.js';

const [root, scanId, startLog] = process.argv.slice(2) as [string, string, string];
const print = (msg: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(msg)}\n`);
// Uneven page times (2-14 ms, fixed per page) so that pages finish out of order under concurrency 3.
const stage = new SquareStage('square', [], { concurrency: 3, delayMs: (p) => 2 + ((p * 7919) % 13), startLog });
const pipeline = new Pipeline({
  scan: openScan({ root, scanId }),
  stages: [stage],
  config: loadConfig({}),
  onEvent: (e) => {
    if (e.type === 'page:done') print({ event: 'page', page: e.page });
  },
});
print({ event: 'ready', pid: process.pid });
const result = await pipeline.run();
print({ event: 'done', stages: result.stages });
