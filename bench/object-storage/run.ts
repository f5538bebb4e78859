// Object-storage bench (issue 17): what a page costs on @bookpipe/storage-s3 against the filesystem storage.
//
// 300 OCR-sized JSON pages (~31 KB, validated by the real OcrPageSchema) saved with metrics 8 at a time (as
// processPages does), then resume from a new storage object (remainingPages: one listing plus one record GET per
// page on S3; a journal read and a stat per page on disk), then metrics() (report.csv's read), then a clean.
// The S3 server is s3rver on loopback, which keeps every object as files on the same disk: the figures are this
// machine's S3 protocol and client overhead (signing, HTTP, XML), not AWS's latency (tens of ms a request, which
// the 8-way concurrency hides only partly). Both runs share the disk and CPU: the load average is printed.
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BookStorage, mapLimit, type OcrPage, OcrPageSchema } from '@bookpipe/core';
import { openScan } from '@bookpipe/storage';
import { openS3Scan } from '@bookpipe/storage-s3';
import { startLoopbackS3 } from '@bookpipe/testkit';

const PAGES = 300;
const CONCURRENCY = 8;
const box = { x: 100, y: 120, width: 900, height: 40 };
/** An OCR page of 40 lines of 8 words (31 KB compact; a real one is 19 KB): a little on the heavy side. */
const page = (p: number): OcrPage => ({
  pageNumber: p,
  width: 1700,
  height: 2400,
  engine: { name: 'tesseract', version: '5.3.0', language: 'eng', psm: 3 },
  meanConfidence: 0.93,
  blocks: [
    {
      blockNum: 1,
      bbox: box,
      paragraphs: [
        {
          parNum: 1,
          bbox: box,
          text: `Page ${p}`,
          confidence: 0.93,
          lines: Array.from({ length: 40 }, (_, l) => ({
            bbox: box,
            text: `line ${l} of page ${p}`,
            confidence: 0.93,
            words: Array.from({ length: 8 }, (_, w) => ({ text: `word${w}`, bbox: box, confidence: 0.95 })),
          })),
        },
      ],
    },
  ],
});

async function measure(name: string, open: () => Promise<BookStorage>): Promise<void> {
  const scan = await open();
  await scan.init();
  await scan.updateMetadata({ totalPages: PAGES });
  const ocr = scan.stage('ocr', { schema: OcrPageSchema, pageFormat: 'json' });
  const pages = Array.from({ length: PAGES }, (_, i) => i + 1);
  const data = pages.map(page);
  let t = performance.now();
  await mapLimit(pages, CONCURRENCY, (p) => ocr.savePage(p, data[p - 1], { pageNum: p, words: 320 }));
  const save = performance.now() - t;
  t = performance.now();
  const remaining = await (await open()).stage('ocr', { schema: OcrPageSchema }).checkpoint.remainingPages();
  const resume = performance.now() - t;
  if (remaining.length !== 0) throw new Error(`${name}: ${remaining.length} pages remaining after saving them all`);
  t = performance.now();
  const metrics = await ocr.checkpoint.metrics();
  const read = performance.now() - t;
  if (metrics.size !== PAGES) throw new Error(`${name}: metrics of ${metrics.size} pages`);
  t = performance.now();
  await ocr.clean();
  const clean = performance.now() - t;
  const per = (ms: number) => `${(ms / PAGES).toFixed(2)} ms/page`;
  console.log(`${name.padEnd(10)} save ${per(save)}  resume ${per(resume)}  metrics ${per(read)}  clean ${per(clean)}`);
}

const dir = await mkdtemp(join(tmpdir(), 'bookpipe-bench-object-storage-'));
const s3 = await startLoopbackS3();
try {
  console.log(`${PAGES} pages of ${JSON.stringify(page(1)).length} bytes, ${CONCURRENCY} at a time; load average before: ${loadavg()[0]!.toFixed(1)}`);
  await measure('filesystem', async () => openScan({ root: dir, scanId: 'bench' }));
  await measure('s3 (s3rver)', () => openS3Scan(`s3://${s3.bucket}/bench`, 'bench', { endpoint: s3.endpoint, credentials: s3.credentials }));
  console.log(`load average after: ${loadavg()[0]!.toFixed(1)}`);
} finally {
  await s3.close();
  await rm(dir, { recursive: true, force: true });
}
