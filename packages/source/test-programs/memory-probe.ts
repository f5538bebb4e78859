/**
 * Test helper run as a child process by source-stage.slow.test.ts: ingests the given inputs into a
 * fresh scan with the real storage and prints the stage's stats, per-page metrics and the process's
 * peak RSS as one JSON line. A child process, so that the peak belongs to this ingest alone.
 *
 * Usage: node --import tsx memory-probe.ts <root> <scanId> <options as JSON> <input>...
 */
import { openScan } from '@bookpipe/storage';
import { runStage } from '@bookpipe/testkit';
import { SourceStage } from '../src/source-stage.js';

const [root, scanId, options, ...inputs] = process.argv.slice(2);
const scan = openScan({ root: root!, scanId: scanId! });
const stats = await runStage(scan, new SourceStage({ ...(JSON.parse(options!) as object), inputs }));
const metrics = Object.fromEntries(await scan.stage('source').checkpoint.metrics());
// maxRSS is in KiB.
console.log(JSON.stringify({ stats, metrics, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
