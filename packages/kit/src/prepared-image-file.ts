import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

// Why a file per page inside the scan: preparing a page image (PNG decode, downscale, JPEG encode) costs
// 30-45 ms of CPU for a 300 DPI page, and the same JPEG is wanted by every later run over the scan (a
// resumed run, `--stages label` again, a second model). Kept once, it costs a file read after that.

/** Folder of the prepared page images, inside the source stage's folder (a dot folder: never a page, kept by its clean). */
export const PREPARED_IMAGE_DIR = '.llm-images';

/**
 * The file of a prepared page image: `source/.llm-images/page_0001.<key>.jpg`, where the key is a
 * hash of what the JPEG is made from (the source file's identity, the size rule, quality, rotation).
 * A page has one such file: writing a new one removes the page's others (another provider's size, a
 * replaced source page).
 */
export function preparedImagePath(sourcePagePath: string, page: number, recipe: string): string {
  const key = createHash('sha256').update(recipe).digest('hex').slice(0, 20);
  return join(dirname(sourcePagePath), PREPARED_IMAGE_DIR, `${pagePrefix(page)}${key}.jpg`);
}

function pagePrefix(page: number): string {
  return `page_${String(page).padStart(4, '0')}.`;
}

/**
 * The JPEG in `path`, or undefined when there is none or it is not a whole JPEG (starts with the SOI
 * marker, ends with EOI): the file is written without fsync, so a power cut may leave a cut-off one,
 * which is then made again.
 */
export async function readPreparedImage(path: string): Promise<Uint8Array | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch {
    return undefined;
  }
  const n = bytes.length;
  const whole = n > 4 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[n - 2] === 0xff && bytes[n - 1] === 0xd9;
  return whole ? new Uint8Array(bytes.buffer, bytes.byteOffset, n) : undefined;
}

/**
 * Keeps `bytes` as the page's prepared image: temp file + rename in the same folder, so a reader sees
 * the old file or the whole new one; no fsync (a cache: a lost or cut-off file is made again). Then the
 * page's other prepared images are removed. Resolves false, never throws, when the folder cannot be
 * written (a read-only scan): the image was made and is sent all the same.
 */
export async function writePreparedImage(path: string, page: number, bytes: Uint8Array): Promise<boolean> {
  const dir = dirname(path);
  const tmp = join(dir, `.${randomBytes(6).toString('hex')}.${process.pid}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    await sweepOnce(dir);
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch {
    await rm(tmp, { force: true }).catch(() => {});
    return false;
  }
  const prefix = pagePrefix(page);
  const name = path.slice(dir.length + 1);
  const others = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.startsWith(prefix) && n.endsWith('.jpg') && n !== name);
  await Promise.all(others.map((n) => rm(join(dir, n), { force: true }).catch(() => {})));
  return true;
}

const swept = new Set<string>();

/**
 * Removes the temp files a killed process left in `dir` (named `.<random>.<pid>.tmp`), once per folder and
 * process: those of a process that no longer runs, never one still writing (another run or worker on the
 * same scan folder).
 */
async function sweepOnce(dir: string): Promise<void> {
  if (swept.has(dir)) return;
  swept.add(dir);
  const names = await readdir(dir).catch(() => [] as string[]);
  const stale = names.filter((name) => {
    const pid = /^\.[0-9a-f]+\.(\d+)\.tmp$/.exec(name)?.[1];
    return pid !== undefined && !processRuns(Number(pid));
  });
  await Promise.all(stale.map((name) => rm(join(dir, name), { force: true }).catch(() => {})));
}

function processRuns(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
