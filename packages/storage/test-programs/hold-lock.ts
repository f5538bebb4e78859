// Child process for the lock tests: takes a scan's lock and holds it until stdin closes or it is killed.
// argv: <root> <scanId> [startAtEpochMs]. With startAt, busy-waits until then, so racing children collide.
import { openScan } from '../src/index.js';

const [root, scanId, startAt] = process.argv.slice(2) as [string, string, string | undefined];
const scan = openScan({ root, scanId });
const print = (msg: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ pid: process.pid, ...msg })}\n`);
print({ event: 'ready' });
if (startAt)
  while (Date.now() < Number(startAt)) {
    /* spin: line up with the other racers */
  }
try {
  const lock = await scan.acquireLock();
  print({ event: 'locked' });
  process.stdin.resume();
  process.stdin.on(
    'end',
    () =>
      void lock
        .release()
        .then(() => print({ event: 'released' }))
        .then(() => process.exit(0)),
  );
} catch (error) {
  const e = error as { code?: string; message?: string };
  print({ event: 'refused', code: e.code, message: e.message });
  process.exit(0);
}
