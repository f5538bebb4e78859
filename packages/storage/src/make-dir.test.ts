import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '@bookpipe/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeDir } from './make-dir.js';

let root: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir: root, remove: cleanup } = await tempDir('bookpipe-storage-')));
afterEach(() => cleanup());

/** Mounts a read-only tmpfs on `dir` when this process may mount (root on a plain machine); undefined otherwise. */
function mountReadOnlyTmpfs(dir: string): (() => void) | undefined {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  return () => execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
}

describe('makeDir', () => {
  it('creates missing folders, and is fine with existing ones', async () => {
    const dir = join(root, 'a', 'b', 'c');
    await makeDir(dir);
    await makeDir(dir);
    expect(existsSync(dir)).toBe(true);
  });

  it('a parent that is a file: ENOTDIR, not ENOENT', async () => {
    await writeFile(join(root, 'file'), 'x');
    await expect(makeDir(join(root, 'file', 'a', 'b'))).rejects.toMatchObject({ code: 'ENOTDIR' });
  });

  it('on a read-only filesystem: EROFS, where recursive mkdir says ENOENT', async (ctx) => {
    const mountPoint = join(root, 'ro');
    await mkdir(mountPoint);
    const unmount = mountReadOnlyTmpfs(mountPoint);
    if (!unmount) {
      console.info('[make-dir.test] cannot mount a tmpfs here (not root): the EROFS case is not checked');
      ctx.skip();
      return;
    }
    try {
      const dir = join(mountPoint, 'book', 'ocr');
      // What this works around; if Node ever reports EROFS itself, this line says so.
      await expect(mkdir(dir, { recursive: true })).rejects.toMatchObject({ code: 'ENOENT' });
      await expect(makeDir(dir)).rejects.toMatchObject({ code: 'EROFS', path: join(mountPoint, 'book') });
    } finally {
      unmount();
    }
  });
});
