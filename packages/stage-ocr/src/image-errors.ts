import type { OcrFailureKind } from './worker-protocol.js';

/**
 * Tells a file that does not decode from other tesseract failures, from the messages tesseract.js
 * ("Error attempting to read image.") and leptonica (native stderr: "pixRead... pix not read",
 * "Image file ... cannot be read!") print for it.
 */
export function classifyTesseractFailure(message: string): OcrFailureKind {
  return /attempting to read image|cannot be read|pixRead|no pix returned|Unknown format|libpng error/i.test(message) ? 'unreadable' : 'engine';
}

const SIGNATURES: ReadonlyArray<[string, number[]]> = [
  ['PNG', [0x89, 0x50, 0x4e, 0x47]],
  ['JPEG', [0xff, 0xd8, 0xff]],
  ['TIFF', [0x49, 0x49, 0x2a, 0x00]],
  ['TIFF', [0x4d, 0x4d, 0x00, 0x2a]],
  ['BMP', [0x42, 0x4d]],
  ['GIF', [0x47, 0x49, 0x46, 0x38]],
  ['WebP', [0x52, 0x49, 0x46, 0x46]],
  ['JPEG 2000', [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50]],
  ['JPEG 2000', [0xff, 0x4f, 0xff, 0x51]],
];

/**
 * The image format of a file by its first bytes, or undefined. Checked before tesseract sees a file:
 * the tesseract program takes a file it cannot read as an image for a list of image paths to read.
 */
export function imageFormat(bytes: Uint8Array): string | undefined {
  for (const [name, sig] of SIGNATURES) if (sig.every((b, i) => bytes[i] === b)) return name;
  // PNM: P1..P7 then whitespace.
  if (bytes[0] === 0x50 && bytes[1]! >= 0x31 && bytes[1]! <= 0x37 && /\s/.test(String.fromCharCode(bytes[2] ?? 0))) return 'PNM';
  return undefined;
}

/** The reason for a file that is no image at all. */
export function notAnImage(bytes: Uint8Array): string {
  const head = [...bytes.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  return bytes.length === 0 ? 'the file is empty' : `unknown format, first bytes ${head}`;
}
