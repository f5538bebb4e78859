import { readFile, stat } from 'node:fs/promises';

/**
 * Above this size a multi-page TIFF is not held in memory: its pages are read from the file one by one,
 * which libtiff makes O(page number) each (slow on thousands of pages, but bounded in memory).
 */
export const MAX_SHARED_TIFF_BYTES = 512 * 1024 * 1024;

/**
 * One page at a time out of a multi-page TIFF, in linear time over the book.
 *
 * Why: libvips opens a TIFF page by counting every directory and walking the chain from the first
 * one, so decoding page i costs O(i) and a 2,000-page file took more than 300 s (O(n²) over the book).
 * Here the file is read once and its directory offsets listed once; each page is then decoded from
 * the shared buffer with the header pointing straight at that page's directory and the directory's
 * "next" link cut, so libtiff sees a one-page file. The strips stay where they are (their offsets are
 * absolute), so nothing is copied.
 *
 * The patch is made to the one shared buffer, so `withPage` runs its callback for one page at a time
 * and restores the bytes after; the callback must finish decoding before it returns.
 */
export class TiffPages {
  readonly #buffer: Buffer;
  readonly #offsets: readonly number[];
  readonly #big: boolean;
  readonly #little: boolean;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(buffer: Buffer, offsets: number[], big: boolean, little: boolean) {
    this.#buffer = buffer;
    this.#offsets = offsets;
    this.#big = big;
    this.#little = little;
  }

  /**
   * Reads `path` and lists its directories; undefined when it is not a TIFF whose directory chain
   * can be walked (the caller then reads the file by path, and sharp names the problem), or when it is
   * larger than `maxBytes`.
   */
  static async open(path: string, maxBytes = MAX_SHARED_TIFF_BYTES): Promise<TiffPages | undefined> {
    if ((await stat(path)).size > maxBytes) return undefined;
    return TiffPages.fromBuffer(await readFile(path));
  }

  static fromBuffer(buffer: Buffer): TiffPages | undefined {
    if (buffer.length < 16) return undefined;
    const order = buffer.toString('latin1', 0, 2);
    if (order !== 'II' && order !== 'MM') return undefined;
    const little = order === 'II';
    const magic = little ? buffer.readUInt16LE(2) : buffer.readUInt16BE(2);
    if (magic !== 42 && magic !== 43) return undefined;
    const big = magic === 43;
    const offsets: number[] = [];
    const seen = new Set<number>();
    let offset = readOffset(buffer, big ? 8 : 4, big, little);
    while (offset !== 0) {
      // A loop or an offset outside the file: stop; the pages listed so far are real.
      if (seen.has(offset) || offset + (big ? 8 : 2) > buffer.length) break;
      const count = big ? Number(readUint64(buffer, offset, little)) : little ? buffer.readUInt16LE(offset) : buffer.readUInt16BE(offset);
      const nextAt = offset + (big ? 8 + count * 20 : 2 + count * 12);
      if (nextAt + (big ? 8 : 4) > buffer.length) break;
      seen.add(offset);
      offsets.push(offset);
      offset = readOffset(buffer, nextAt, big, little);
    }
    return offsets.length === 0 ? undefined : new TiffPages(buffer, offsets, big, little);
  }

  /** Pages (directories) found. */
  get pageCount(): number {
    return this.#offsets.length;
  }

  /**
   * Runs `fn` with a buffer that reads as a one-page TIFF holding page `index` (0-based). Calls are
   * serialised: the buffer is patched in place for the duration of `fn`.
   */
  withPage<T>(index: number, fn: (onePage: Buffer) => Promise<T>): Promise<T> {
    const offset = this.#offsets[index];
    if (offset === undefined) return Promise.reject(new RangeError(`TIFF page ${index + 1} does not exist (${this.#offsets.length} pages)`));
    const run = async () => {
      const buffer = this.#buffer;
      const big = this.#big;
      const headerAt = big ? 8 : 4;
      const count = big ? Number(readUint64(buffer, offset, this.#little)) : this.#little ? buffer.readUInt16LE(offset) : buffer.readUInt16BE(offset);
      const nextAt = offset + (big ? 8 + count * 20 : 2 + count * 12);
      const width = big ? 8 : 4;
      const savedHeader = Buffer.from(buffer.subarray(headerAt, headerAt + width));
      const savedNext = Buffer.from(buffer.subarray(nextAt, nextAt + width));
      writeOffset(buffer, headerAt, offset, big, this.#little);
      writeOffset(buffer, nextAt, 0, big, this.#little);
      try {
        return await fn(buffer);
      } finally {
        savedHeader.copy(buffer, headerAt);
        savedNext.copy(buffer, nextAt);
      }
    };
    const result = this.#queue.then(run, run);
    this.#queue = result.catch(() => {});
    return result;
  }
}

function readUint64(buffer: Buffer, at: number, little: boolean): bigint {
  return little ? buffer.readBigUInt64LE(at) : buffer.readBigUInt64BE(at);
}

function readOffset(buffer: Buffer, at: number, big: boolean, little: boolean): number {
  if (big) return Number(readUint64(buffer, at, little));
  return little ? buffer.readUInt32LE(at) : buffer.readUInt32BE(at);
}

function writeOffset(buffer: Buffer, at: number, value: number, big: boolean, little: boolean): void {
  if (big) {
    if (little) buffer.writeBigUInt64LE(BigInt(value), at);
    else buffer.writeBigUInt64BE(BigInt(value), at);
  } else if (little) buffer.writeUInt32LE(value, at);
  else buffer.writeUInt32BE(value, at);
}
