/** Base64 of image bytes, without copying them first when they already sit in a Buffer. */
export function toBase64(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
}

/** Index of the message images are attached to: the last user message, or -1 when there is none. */
export function imageTarget(messages: readonly { role: string }[]): number {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]?.role === 'user') return i;
  return -1;
}
