import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LlmBatchClient } from '@bookpipe/llm-batch';
import { openScan } from '@bookpipe/storage';
import { blankPagePng, deadPid, scanWithSourcePages } from '@bookpipe/testkit';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { llmPageImage } from './page-image.js';
import { PageImageCache, pageImageCacheFor } from './page-image-cache.js';
import { PREPARED_IMAGE_DIR, writePreparedImage } from './prepared-image-file.js';

const bytes = (n: number, fill = 1) => new Uint8Array(n).fill(fill);

describe('PageImageCache', () => {
  it('makes each image once: a held image and one being made are shared', async () => {
    const cache = new PageImageCache(1000);
    let made = 0;
    const make = async () => {
      made += 1;
      return bytes(10);
    };
    const [a, b] = await Promise.all([cache.get('p1', make), cache.get('p1', make)]);
    expect(a).toBe(b);
    await cache.get('p1', make);
    expect(made).toBe(1);
    expect(cache.stats).toEqual({ encoded: 1, reused: 2, fromDisk: 0 });
  });

  it('keeps at most maxBytes, dropping the least recently used; an image larger than the cache is not kept', async () => {
    const cache = new PageImageCache(25);
    await cache.get('a', async () => bytes(10));
    await cache.get('b', async () => bytes(10));
    await cache.get('a', async () => bytes(10)); // a is now the most recent
    await cache.get('c', async () => bytes(10)); // over 25: b goes
    expect(cache.bytes).toBe(20);
    let made = 0;
    await cache.get('b', async () => {
      made += 1;
      return bytes(10);
    });
    expect(made).toBe(1);
    await cache.get('huge', async () => bytes(100));
    expect(cache.bytes).toBeLessThanOrEqual(25);
  });

  it('does not keep a failure: the next caller tries again', async () => {
    const cache = new PageImageCache();
    await expect(cache.get('x', async () => Promise.reject(new Error('disk')))).rejects.toThrow('disk');
    await expect(cache.get('x', async () => bytes(3))).resolves.toHaveLength(3);
  });
});

describe('llmPageImage', () => {
  let root: string;
  let scan: ReturnType<typeof openScan>;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'bookpipe-page-image-'));
    const png = await blankPagePng(path.join(root, 'page.png'), 2480, 3508);
    scan = await scanWithSourcePages(openScan({ root, scanId: 'book' }), [{ png }]);
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  const clientNamed = (name: string) => new LlmBatchClient({ provider: { name, redact: (t) => t, send: async () => Promise.reject(new Error('not sent')) } });
  const size = async (data: Uint8Array) => {
    const { width, height } = await sharp(data).metadata();
    return { width, height };
  };

  it("sends each provider's size: 1568 px long side to Anthropic, 768 px short side to OpenAI, 1024 px elsewhere", async () => {
    const load = (name: string) => {
      const image = llmPageImage({ client: clientNamed(name), model: 'm' }, scan, 1);
      return 'load' in image ? image.load() : image.data;
    };
    expect(await size(await load('anthropic'))).toEqual({ width: 1109, height: 1568 });
    expect(await size(await load('openai'))).toEqual({ width: 768, height: 1086 });
    expect(await size(await load('openai-compatible'))).toEqual({ width: 724, height: 1024 });
  });

  it('encodes a page once for every stage and attempt sharing the client; a quarter turn is sized after turning', async () => {
    const client = clientNamed('anthropic');
    const llm = { client, model: 'm' };
    const loads = [llmPageImage(llm, scan, 1), llmPageImage(llm, scan, 1), llmPageImage(llm, scan, 1)].map((image) =>
      'load' in image ? image.load() : image.data,
    );
    const [first, ...rest] = await Promise.all(loads);
    for (const other of rest) expect(other).toBe(first);
    expect(pageImageCacheFor(client).stats).toMatchObject({ encoded: 1, reused: 2 });
    const turned = llmPageImage(llm, scan, 1, { rotation: 90 });
    expect(await size(await ('load' in turned ? turned.load() : turned.data))).toEqual({ width: 1568, height: 1109 });
    expect(pageImageCacheFor(client).stats.encoded).toBe(2);
  });

  it('a source page replaced since (another size and time) is encoded again, not served from the cache', async () => {
    const client = clientNamed('anthropic');
    const llm = { client, model: 'm' };
    const load = async () => {
      const image = llmPageImage(llm, scan, 1);
      return 'load' in image ? image.load() : image.data;
    };
    const before = await load();
    expect(await size(before)).toEqual({ width: 1109, height: 1568 });
    // The source stage run again on another file: same page number, a landscape page now.
    const source = scan.stage('source', { pageFormat: 'png' });
    await source.savePage(1, await readFile(await blankPagePng(path.join(root, 'wide.png'), 3136, 2000)), { pageNum: 1 });
    const after = await load();
    expect(await size(after)).toEqual({ width: 1568, height: 1000 });
    expect(await load()).toBe(after);
    expect(pageImageCacheFor(client).stats).toMatchObject({ encoded: 2, reused: 1 });
  });
});

describe('llmPageImage: the prepared image kept in the scan', () => {
  let root: string;
  let scan: ReturnType<typeof openScan>;
  let folder: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'bookpipe-prepared-image-'));
    const png = await blankPagePng(path.join(root, 'page.png'), 1240, 1754);
    scan = await scanWithSourcePages(openScan({ root, scanId: 'book' }), [{ png }, { png }]);
    folder = path.join(path.dirname(scan.stage('source', { pageFormat: 'png' }).pagePath(1)), PREPARED_IMAGE_DIR);
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  const clientNamed = (name: string) => new LlmBatchClient({ provider: { name, redact: (t) => t, send: async () => Promise.reject(new Error('not sent')) } });
  const load = (client: LlmBatchClient, page: number) => {
    const image = llmPageImage({ client, model: 'm' }, scan, page);
    return 'load' in image ? image.load() : image.data;
  };

  it('is made by the first run and read back, the same bytes, by the next (a new client, as a new process has)', async () => {
    const first = clientNamed('anthropic');
    const made = await load(first, 1);
    expect(pageImageCacheFor(first).stats).toEqual({ encoded: 1, reused: 0, fromDisk: 0 });
    expect((await readdir(folder)).filter((n) => n.startsWith('page_0001.'))).toHaveLength(1);
    const next = clientNamed('anthropic');
    expect(Buffer.from(await load(next, 1)).equals(Buffer.from(made))).toBe(true);
    expect(pageImageCacheFor(next).stats).toEqual({ encoded: 1, reused: 0, fromDisk: 1 });
  });

  it("keeps one file a page: another provider's size replaces it, and a cut-off file is made again", async () => {
    await load(clientNamed('anthropic'), 2);
    const other = clientNamed('openai');
    await load(other, 2);
    const files = (await readdir(folder)).filter((n) => n.startsWith('page_0002.'));
    expect(files).toHaveLength(1);
    expect(pageImageCacheFor(other).stats.fromDisk).toBe(0);
    // A power cut after the rename of an unsynced file: the JPEG's end is missing.
    const file = path.join(folder, files[0]!);
    const whole = await readFile(file);
    await writeFile(file, whole.subarray(0, whole.length - 100));
    const again = clientNamed('openai');
    expect(Buffer.from(await load(again, 2)).equals(whole)).toBe(true);
    expect(pageImageCacheFor(again).stats.fromDisk).toBe(0);
    expect((await readFile(file)).equals(whole)).toBe(true);
  });

  it('a folder that cannot be written costs the keeping, never the page', async () => {
    // A file where the folder should be: mkdir fails, as it does on a read-only scan (even for root).
    await rm(folder, { recursive: true, force: true });
    await writeFile(folder, 'not a folder');
    try {
      const client = clientNamed('anthropic');
      expect((await load(client, 1)).byteLength).toBeGreaterThan(0);
      expect(pageImageCacheFor(client).stats).toEqual({ encoded: 1, reused: 0, fromDisk: 0 });
    } finally {
      await rm(folder, { force: true });
    }
  });
});

describe('writePreparedImage', () => {
  it('removes the temp files a killed process left in the folder, never those of a process still running', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'bookpipe-prepared-sweep-'));
    try {
      const dir = path.join(root, PREPARED_IMAGE_DIR);
      await mkdir(dir);
      const ended = deadPid();
      await writeFile(path.join(dir, `.a1b2c3.${ended}.tmp`), 'cut off');
      await writeFile(path.join(dir, `.d4e5f6.${process.pid}.tmp`), 'being written');
      const jpeg = Uint8Array.from([0xff, 0xd8, 0, 0xff, 0xd9]);
      expect(await writePreparedImage(path.join(dir, 'page_0001.abc.jpg'), 1, jpeg)).toBe(true);
      expect((await readdir(dir)).sort()).toEqual([`.d4e5f6.${process.pid}.tmp`, 'page_0001.abc.jpg']);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
