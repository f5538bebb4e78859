import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode } from '@bookpipe/core';
import { tempDir } from '@bookpipe/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openFolder, writeFileAtomic } from './index.js';

let root: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir: root, remove: cleanup } = await tempDir()));
afterEach(() => cleanup());

describe('openFolder: a report folder outside any scan', () => {
  it('writes atomically into sub-folders it creates, returns the path, and leaves no temp file', async () => {
    const folder = openFolder(join(root, 'report'));
    expect(folder.dir).toBe(join(root, 'report'));
    const path = await folder.writeFile('pages/page_0001.html', '<p>one</p>');
    expect(path).toBe(join(root, 'report', 'pages', 'page_0001.html'));
    expect(await readFile(path, 'utf8')).toBe('<p>one</p>');
    await folder.writeFile('pages/page_0001.html', new Uint8Array([0x3c, 0x70, 0x3e]));
    expect(await readFile(path, 'utf8')).toBe('<p>');
    expect(await readdir(join(root, 'report', 'pages'))).toEqual(['page_0001.html']);
  });

  it('refuses names that leave the folder, and names the file and the next step when the disk refuses', async () => {
    const folder = openFolder(join(root, 'report'));
    expect(() => folder.filePath('../x.html')).toThrow(/it would leave the folder/);
    await expect(folder.writeFile('/etc/x', 'no')).rejects.toMatchObject({ code: ErrorCode.INPUT_INVALID });
    await writeFile(join(root, 'file'), 'a file where a folder should be');
    const blocked = openFolder(join(root, 'file', 'report'));
    await expect(blocked.writeFile('index.html', 'x')).rejects.toMatchObject({
      code: ErrorCode.STORAGE_ERROR,
      message: expect.stringContaining(
        `${join(root, 'file', 'report', 'index.html')}: a parent of this path is a file, not a folder. Move that file away [ENOTDIR]`,
      ),
    });
  });

  it('writeFileAtomic is exported: the one atomic writer of storage and the tools', async () => {
    const path = join(root, 'a', 'b.txt');
    const stamp = await writeFileAtomic(path, 'hello');
    expect(stamp.size).toBe(5);
    expect(await readFile(path, 'utf8')).toBe('hello');
  });
});
