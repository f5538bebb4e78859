// Base64 of the image byte arrays seen lately: an image cache that hands the same bytes to every stage and
// every retry (kit's PageImageCache) then pays the encoding once per page, not once per send. Weak, so
// the strings go with the bytes.
const base64Of = new WeakMap<Uint8Array, string>();

/** Base64 of image bytes, without copying them first when they already sit in a Buffer; remembered per byte array. */
export function toBase64(data: Uint8Array): string {
  let text = base64Of.get(data);
  if (text === undefined) {
    text = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
    base64Of.set(data, text);
  }
  return text;
}

/** Index of the message images are attached to: the last user message, or -1 when there is none. */
export function imageTarget(messages: readonly { role: string }[]): number {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]?.role === 'user') return i;
  return -1;
}
