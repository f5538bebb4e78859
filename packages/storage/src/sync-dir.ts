import { open } from 'node:fs/promises';

/** Per folder: the fsync under way, and the one queued behind it that later callers share. */
const inFlight = new Map<string, { running: Promise<void>; next: Promise<void> | undefined }>();

/**
 * fsync of a folder, so that the renames and unlinks made in it before the call survive a power cut.
 * Calls that come while one is under way share the next one (group commit, as the journal's appends):
 * under a page loop of 16 at a time that is one folder fsync for several pages. Best effort: Windows
 * cannot open a folder for it, and some filesystems refuse (EINVAL); the data is then as safe as the
 * platform makes it.
 */
export function syncDir(dir: string): Promise<void> {
  const state = inFlight.get(dir);
  if (!state) return start(dir);
  // The running fsync may have started before our rename: wait for it, then for one that starts after.
  state.next ??= state.running.then(() => start(dir));
  return state.next;
}

function start(dir: string): Promise<void> {
  const running = fsyncFolder(dir).finally(() => {
    if (inFlight.get(dir)?.running === running) inFlight.delete(dir);
  });
  // Every caller waits for an fsync that started after its call: correct even if two overlap.
  inFlight.set(dir, { running, next: undefined });
  return running;
}

async function fsyncFolder(dir: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Not supported here (see above), or the folder is gone: nothing to make durable.
  } finally {
    await handle?.close().catch(() => {});
  }
}
