// Provider batch APIs vs live requests (issue 16, item 5): on the sample book, the reported cost and
// the number of HTTP calls of correction + label + merge run live and with `llmBatch` (what
// `bookpipe run --batch` does), both against the loopback fake provider through the official SDK.
//
//   pnpm turbo run build --filter=@bookpipe/book-pipeline && pnpm bench llm-batch-api
//
// Every answer is schema-valid with fixed token counts (1000 prompt, 100 completion), so the two runs
// are billed for the same tokens: the batch run must cost half and write the same book.md. The fake's
// batches stay in progress for two polls (50 ms apart, then 75 ms) before they end.
// Exits non-zero when book.md differs or the cost is not half.
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBookPipeline } from '@bookpipe/book-pipeline';
import { loadConfig } from '@bookpipe/core';
import { openaiCompatible } from '@bookpipe/llm-batch';
import { exampleFromSchema, startFakeProvider } from '@bookpipe/llm-batch/testing';
import { openScan } from '@bookpipe/storage';
import { generateSampleBook } from '@bookpipe/testkit/sample-book';

const dir = await mkdtemp(join(tmpdir(), 'bookpipe-bench-batch-api-'));
const config = { ...loadConfig({}), root: join(dir, 'scans') };
try {
  const pdf = join(dir, 'sample-book.pdf');
  await generateSampleBook(pdf);
  const ocr = await createBookPipeline({ scan: openScan({ root: config.root, scanId: 'ocr' }), inputs: [pdf], stages: ['source', 'ocr'], config, llm: false });
  if (!(await ocr.pipeline.run()).ok) throw new Error('source + ocr failed on the sample book');
  for (const copy of ['live', 'batch']) await cp(join(config.root, 'ocr'), join(config.root, copy), { recursive: true });

  await using fake = await startFakeProvider({
    respond: (request) => ({ json: exampleFromSchema(request.schema), usage: { promptTokens: 1000, completionTokens: 100 } }),
    batch: { pollsInProgress: 2 },
    record: false,
  });
  const provider = openaiCompatible({ baseURL: fake.openaiBaseURL, apiKey: 'bench', batchApi: true });
  const measure = async (scanId: string, batch: boolean) => {
    const before = fake.httpCalls();
    const start = performance.now();
    const { pipeline } = await createBookPipeline({
      scan: openScan({ root: config.root, scanId }),
      stages: ['correction', 'label', 'merge'],
      config,
      llm: { provider, model: 'gpt-4o-mini', batchPollIntervalMs: 50 },
      ...(batch ? { llmBatch: {} } : {}),
    });
    const result = await pipeline.run();
    if (!result.ok) throw new Error(`${scanId}: the run did not end ok`);
    const cost = (['correction', 'label'] as const).reduce((sum, stage) => {
      const outcome = result.stages[stage];
      return sum + (outcome?.status === 'done' ? (outcome.stats.totalCostUsd ?? Number.NaN) : Number.NaN);
    }, 0);
    const md = (await readFile(join(config.root, scanId, 'merge', 'book.md'), 'utf8')).replace(`scan "${scanId}"`, 'scan');
    return { cost, calls: fake.httpCalls() - before, seconds: (performance.now() - start) / 1000, md };
  };
  const live = await measure('live', false);
  const batch = await measure('batch', true);
  const row = (label: string, m: typeof live) =>
    `${label.padEnd(8)} $${m.cost.toFixed(6)}  ${String(m.calls).padStart(3)} HTTP calls  ${m.seconds.toFixed(1)} s`;
  console.log('sample book (8 pages), correction + label + merge, gpt-4o-mini list prices, fake provider');
  console.log(row('live', live));
  console.log(row('batch', batch));
  const half = Math.abs(batch.cost - live.cost / 2) < 1e-9;
  const same = batch.md === live.md;
  console.log(`batch/live cost: ${(batch.cost / live.cost).toFixed(3)} ${half ? 'PASS' : 'FAIL'}; book.md identical: ${same ? 'PASS' : 'FAIL'}`);
  if (!half || !same) process.exitCode = 1;
} finally {
  await rm(dir, { recursive: true, force: true });
}
