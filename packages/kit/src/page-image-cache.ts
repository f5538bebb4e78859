/**
 * Page images prepared once per run and reused by every stage and every retry that sends them: the
 * correction and label stages send the same page at the same size, and the batch client loads a
 * request's images again for each attempt. Encoding a 300 DPI page to JPEG costs tens of
 * milliseconds of CPU, which on a CLI run was most of the time per request.
 *
 * The cache holds encoded bytes up to `maxBytes` (least recently used first out), and an image being
 * encoded is shared by whoever asks for it meanwhile. It is tied to a batch client
 * (`pageImageCacheFor(client)`): stages that share a client share its images, as they share its
 * rate limit, and the cache goes when the client does.
 */
export class PageImageCache {
  readonly maxBytes: number;
  #bytes = 0;
  // Map order is the recency order: a hit moves the entry to the end.
  readonly #entries = new Map<string, Uint8Array>();
  readonly #pending = new Map<string, Promise<Uint8Array>>();
  /**
   * Images made (`encoded`: by sharp, or read back from the scan's prepared-image files, `fromDisk` of
   * them), and loads served from memory or from an image being made.
   */
  readonly stats = { encoded: 0, reused: 0, fromDisk: 0 };

  /** @param maxBytes memory for encoded images. @default 64 MiB (about 250 pages at 1568 px) */
  constructor(maxBytes = 64 * 1024 * 1024) {
    if (!(Number.isInteger(maxBytes) && maxBytes >= 0)) throw new TypeError(`[kit] PageImageCache \`maxBytes\` must be an integer >= 0, got ${maxBytes}`);
    this.maxBytes = maxBytes;
  }

  /** Bytes held now. */
  get bytes(): number {
    return this.#bytes;
  }

  /** The image under `key`, made by `make` only when neither held nor being made. A failed `make` is not kept. */
  async get(key: string, make: () => Promise<Uint8Array>): Promise<Uint8Array> {
    const held = this.#entries.get(key);
    if (held) {
      this.#entries.delete(key);
      this.#entries.set(key, held);
      this.stats.reused += 1;
      return held;
    }
    const pending = this.#pending.get(key);
    if (pending) {
      this.stats.reused += 1;
      return pending;
    }
    const making = make().then(
      (bytes) => {
        this.#pending.delete(key);
        this.stats.encoded += 1;
        this.#keep(key, bytes);
        return bytes;
      },
      (error: unknown) => {
        this.#pending.delete(key);
        throw error;
      },
    );
    this.#pending.set(key, making);
    return making;
  }

  #keep(key: string, bytes: Uint8Array): void {
    // An image larger than the whole cache is used once and not kept.
    if (bytes.byteLength > this.maxBytes) return;
    this.#entries.set(key, bytes);
    this.#bytes += bytes.byteLength;
    for (const [oldest, old] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break;
      this.#entries.delete(oldest);
      this.#bytes -= old.byteLength;
    }
  }
}

const byClient = new WeakMap<object, PageImageCache>();

/** The page-image cache of a batch client (made on first use): stages sharing the client share it. */
export function pageImageCacheFor(client: object): PageImageCache {
  let cache = byClient.get(client);
  if (!cache) {
    cache = new PageImageCache();
    byClient.set(client, cache);
  }
  return cache;
}
