import { open } from 'node:fs/promises';

/**
 * fsync of a folder, so that the renames and unlinks in it survive a power cut. Best effort: Windows
 * cannot open a folder for it, and some filesystems refuse (EINVAL); the data is then as safe as the
 * platform makes it.
 */
export async function syncDir(dir: string): Promise<void> {
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
