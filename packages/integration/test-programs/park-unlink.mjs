// Preloaded (`node --import`) into the real `bookpipe` bin by the interrupted-clean test: the unlink of the
// file named by PARK_UNLINK never settles (fs/promises unlink is replaced for it by a promise that never
// settles), so that the test can SIGKILL the process in the middle of a clean: every other entry of the
// clean's first pass is removed, that one is not. Prints {"event":"parked"} on stdout once it is reached
// and the other removals had time to go.
import fsp from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { basename } from 'node:path';

const parked = process.env.PARK_UNLINK;
const realUnlink = fsp.unlink;
fsp.unlink = async (path) => {
  if (basename(String(path)) === parked) {
    setTimeout(() => process.stdout.write(`${JSON.stringify({ event: 'parked' })}\n`), 200);
    return new Promise(() => {});
  }
  return realUnlink(path);
};
// Named imports of node:fs/promises (the storage's clean) see the replacement.
syncBuiltinESMExports();
