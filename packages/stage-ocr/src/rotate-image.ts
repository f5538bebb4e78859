/**
 * Turns an image clockwise by a quarter-turn multiple, losslessly, and returns it as PNG. Used for pages
 * whose orientation detection says they lie sideways or upside down; both engines then read the same
 * upright pixels. sharp loads only when a page needs turning.
 */
export async function rotateImage(image: Uint8Array, degrees: number): Promise<Buffer> {
  const { default: sharp } = await import('sharp');
  // compressionLevel 1: the PNG is read back at once by tesseract, size does not matter, time does.
  return sharp(image).rotate(degrees).png({ compressionLevel: 1 }).toBuffer();
}
