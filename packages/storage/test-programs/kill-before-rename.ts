// Child process for the journal-before-rename test: saves pages through the real savePage, but the rename of
// chosen saves never happens (fs/promises rename is replaced for their temp files by a promise that never
// settles), so that the parent can SIGKILL this process exactly between the journal append and the rename.
// argv: <root> <scanId> <step>... with step = <page>:<text>:<ok|hang>. Steps run in order; a hanging step is
// not waited for. Prints {event:'journalled', page} when a hanging save reaches its rename, and
// {event:'ready'} once every step did what it will.
import fsp from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { basename } from 'node:path';
import { z } from 'zod';
import { parseTempFileName } from '../src/atomic-write.js';
import { openScan } from '../src/index.js';

const [root, scanId, ...steps] = process.argv.slice(2) as [string, string, ...string[]];
const print = (msg: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(msg)}\n`);

const hangTargets = new Set<string>();
const realRename = fsp.rename;
fsp.rename = async (from, to) => {
  const temp = parseTempFileName(basename(String(from)));
  if (temp && hangTargets.has(temp.target)) {
    hangTargets.delete(temp.target);
    print({ event: 'journalled', file: temp.target });
    return new Promise<void>(() => {});
  }
  return realRename(from, to);
};
// Named imports of node:fs/promises (atomic-write.ts, fs-stage-storage.ts) see the replacement.
syncBuiltinESMExports();

const stage = openScan({ root, scanId }).stage('pages', { schema: z.object({ text: z.string() }) });
for (const step of steps) {
  const [page, text, mode] = step.split(':') as [string, string, string];
  const metrics = { pageNum: Number(page), costUsd: text.length / 100 };
  if (mode === 'hang') {
    hangTargets.add(basename(stage.pagePath(Number(page))));
    void stage.savePage(Number(page), { text }, metrics);
    // Wait until that save is parked at its rename before the next step.
    while (hangTargets.size > 0) await new Promise((r) => setTimeout(r, 5));
  } else {
    await stage.savePage(Number(page), { text }, metrics);
  }
}
print({ event: 'ready' });
// Parked until the parent kills it (the hanging renames alone would not keep the event loop alive).
setInterval(() => {}, 60_000);
