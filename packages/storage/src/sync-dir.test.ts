import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '@bookpipe/testkit';
import { describe, expect, it } from 'vitest';
import { syncDir } from './sync-dir.js';

describe('syncDir', () => {
  it('calls made while one fsync is under way share the next one; each resolves', async () => {
    const { dir, remove } = await tempDir('bookpipe-syncdir-');
    try {
      await writeFile(join(dir, 'a'), 'x');
      const first = syncDir(dir);
      const second = syncDir(dir);
      const third = syncDir(dir);
      // The second and third came while the first was under way: one fsync after it serves both.
      expect(second).toBe(third);
      expect(second).not.toBe(first);
      await Promise.all([first, second, third]);
      // Nothing left in flight: the next call starts its own.
      const fourth = syncDir(dir);
      expect(fourth).not.toBe(second);
      await fourth;
    } finally {
      await remove();
    }
  });

  it("a folder that is gone (or cannot be fsync'd) is no error", async () => {
    const { dir, remove } = await tempDir('bookpipe-syncdir-');
    await remove();
    await expect(syncDir(join(dir, 'nope'))).resolves.toBeUndefined();
    await rm(dir, { recursive: true, force: true });
  });
});
