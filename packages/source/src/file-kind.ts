import { open } from 'node:fs/promises';

/** What a file holds, decided by its first bytes, never by its name. */
export type FileKind = 'pdf' | 'png' | 'jpeg' | 'tiff' | 'webp';

/** Image kinds read with sharp. */
export const IMAGE_KINDS: ReadonlySet<FileKind> = new Set(['png', 'jpeg', 'tiff', 'webp']);

/** Extensions of the image files a folder listing picks up (the content is still checked). */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set(['.png', '.jpg', '.jpeg', '.tif', '.tiff', '.webp']);

/**
 * Sniffs a file's kind from its magic bytes. PDFs may carry up to 1 KiB of junk before `%PDF-`
 * (readers accept that, and so do we). Returns undefined for anything else, an empty file included.
 */
export async function sniffFileKind(path: string): Promise<FileKind | undefined> {
  const handle = await open(path, 'r');
  let head: Buffer;
  try {
    const buffer = Buffer.alloc(1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    head = buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  return kindOfBytes(head);
}

/** The kind of a file from its first bytes (at least 12 for images, up to 1 KiB for PDFs). */
export function kindOfBytes(head: Uint8Array): FileKind | undefined {
  const b = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 4) {
    const sig = b.subarray(0, 4).toString('latin1');
    // Classic TIFF ("II*\0", "MM\0*") and BigTIFF ("II+\0", "MM\0+").
    if (sig === 'II*\0' || sig === 'MM\0*' || sig === 'II+\0' || sig === 'MM\0+') return 'tiff';
  }
  if (b.length >= 12 && b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP') return 'webp';
  if (b.includes('%PDF-', 0, 'latin1')) return 'pdf';
  return undefined;
}
