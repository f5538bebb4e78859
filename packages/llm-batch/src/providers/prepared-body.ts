import { randomUUID } from 'node:crypto';

// Why: a page image is 100-250 KB of base64 inside a request body. Built as an object and handed to the
// SDK, every send re-scans it in JSON.stringify and re-encodes the resulting string to UTF-8 on the
// socket: about a quarter of the client's CPU on a CLI run. Here the image's JSON value (quoted base64)
// is made once per image byte array, as bytes, and each send joins it with the small JSON around it.

/** The JSON text of each image's string value, quoted, as bytes, by byte array and by prefix (a `data:` URL or none). */
const quotedOf = new WeakMap<Uint8Array, Map<string, Buffer>>();

/**
 * `"<prefix><base64 of data>"` as UTF-8 bytes, made once per byte array and prefix: an image cache that
 * hands the same bytes to every stage and retry (kit's PageImageCache) pays the encoding once per page.
 * Weak, so the bytes go with the image. Base64 and the prefixes used (`data:image/jpeg;base64,`) need no
 * JSON escaping; a prefix that would is refused.
 */
export function quotedBase64(data: Uint8Array, prefix = ''): Buffer {
  let byPrefix = quotedOf.get(data);
  let quoted = byPrefix?.get(prefix);
  if (quoted) return quoted;
  if (!/^[\w:;,./+-]*$/.test(prefix)) throw new TypeError(`quotedBase64: prefix ${JSON.stringify(prefix)} would need JSON escaping`);
  const base64 = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
  quoted = Buffer.allocUnsafe(base64.length + prefix.length + 2);
  quoted[0] = 0x22;
  quoted.write(prefix, 1, 'latin1');
  quoted.write(base64, 1 + prefix.length, 'latin1');
  quoted[quoted.length - 1] = 0x22;
  if (!byPrefix) {
    byPrefix = new Map();
    quotedOf.set(data, byPrefix);
  }
  byPrefix.set(prefix, quoted);
  return quoted;
}

// Stands in for image i in the body serialised without its images; unguessable, so no text of a
// request can contain it (a page's own text could hold any fixed marker).
const MARK = `bookpipe-image-${randomUUID()}-`;

/** The placeholder string for image `index`, put where that image's string value goes in the body object. */
export function imageSlot(index: number): string {
  return `${MARK}${index}`;
}

/**
 * The request body as JSON bytes: `body` serialised (small: it holds placeholders, not images), with
 * each `imageSlot(i)` string replaced by `images[i]` (a quoted JSON string from `quotedBase64`). The
 * result is what `JSON.stringify` of the body with the images in place would give, byte for byte.
 */
export function preparedJson(body: unknown, images: readonly Buffer[]): Buffer {
  const text = JSON.stringify(body);
  if (images.length === 0) return Buffer.from(text, 'utf8');
  const parts: Buffer[] = [];
  let from = 0;
  for (let i = 0; i < images.length; i++) {
    const slot = `"${imageSlot(i)}"`;
    const at = text.indexOf(slot, from);
    if (at === -1) throw new Error(`preparedJson: image ${i} has no place in the body (each image's slot must appear once, in order)`);
    parts.push(Buffer.from(text.slice(from, at), 'utf8'), images[i] as Buffer);
    from = at + slot.length;
  }
  parts.push(Buffer.from(text.slice(from), 'utf8'));
  return Buffer.concat(parts);
}
