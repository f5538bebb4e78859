import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { storageConformance, tempDir } from '@bookpipe/testkit';
import { openScan } from './open-scan.js';

// The shared storage contract (also run against @bookpipe/storage-s3), on a temp folder.
storageConformance('filesystem', async () => {
  const { dir: root, remove } = await tempDir('bookpipe-conformance-');
  return {
    open: (scanId) => openScan({ root, scanId }),
    async putRaw(scanId, path, content) {
      const file = join(root, scanId, path);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, content);
    },
    rawExists: (scanId, path) =>
      stat(join(root, scanId, path)).then(
        () => true,
        () => false,
      ),
    close: remove,
  };
});
