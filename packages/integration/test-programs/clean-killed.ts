// Child process for the interrupted-clean test: runs the real `bookpipe clean`, but the unlink of one
// chosen file never settles (fs/promises unlink is replaced for it by a promise that never settles), so that
// the parent can SIGKILL this process in the middle of a clean: every other entry the clean removes in its
// first pass is gone, that one is not.
// argv: <root> <scanId> <stage> <file name to park>. Prints {event:'parked'} once the clean reached it.
import fsp from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { basename } from 'node:path';
import { main, processIo } from '@bookpipe/cli';

const [root, scanId, stageName, parked] = process.argv.slice(2) as [string, string, string, string];
const print = (msg: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(msg)}\n`);

const realUnlink = fsp.unlink;
let others = 0;
fsp.unlink = async (path) => {
  if (basename(String(path)) === parked) {
    // Let the other removals of the same pass finish first, then say so.
    setTimeout(() => print({ event: 'parked', others }), 200);
    return new Promise<void>(() => {});
  }
  others++;
  return realUnlink(path);
};
// Named imports of node:fs/promises (the storage's clean) see the replacement.
syncBuiltinESMExports();

void main(['clean', scanId, '--stage', stageName, '--root', root], processIo());
setInterval(() => {}, 60_000);
