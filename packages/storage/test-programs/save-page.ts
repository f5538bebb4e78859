// Child process for the atomic-write test: saves one page whose size is given, so that a parent can run
// it under `ulimit -f` and watch the write fail half-way (EFBIG) for real.
// argv: <root> <scanId> <page> <textLength>
import { z } from 'zod';
import { openScan } from '../src/index.js';

const [root, scanId, page, length] = process.argv.slice(2) as [string, string, string, string];
const stage = openScan({ root, scanId }).stage('pages', { schema: z.object({ text: z.string() }) });
try {
  await stage.savePage(Number(page), { text: 'x'.repeat(Number(length)) }, { pageNum: Number(page) });
  process.stdout.write(`${JSON.stringify({ event: 'saved' })}\n`);
} catch (error) {
  const e = error as { code?: string; message?: string; details?: unknown };
  process.stdout.write(`${JSON.stringify({ event: 'failed', code: e.code, message: e.message, details: e.details })}\n`);
}
