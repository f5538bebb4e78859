/**
 * Test support: runs the OCR stage on a scan in its own process, so that a test can SIGKILL it
 * mid-book. Usage: node --import tsx ocr-child.ts <root> <scanId> <workers>
 */
import { loadConfig, Pipeline, silentLogger } from '@bookpipe/core';
import { openScan } from '@bookpipe/storage';
import { OcrStage } from '../src/ocr-stage.js';

const [root, scanId, workers] = process.argv.slice(2);
const scan = openScan({ root: root!, scanId: scanId! });
const pipeline = new Pipeline({
  scan,
  stages: [new OcrStage({ maxWorkers: Number(workers), detectOrientation: false })],
  config: loadConfig({}),
  logger: silentLogger,
});
await pipeline.run();
