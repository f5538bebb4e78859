/**
 * A multi-page TIFF whose pages are told apart by their content, for the tests of the source stage's
 * multi-page TIFF reader (one buffer, one page shown to libvips at a time).
 */

/** Size of every page of `markedPagesTiff`. */
export const MARKED_PAGE = { width: 64, height: 40 } as const;

/**
 * Writes a `pages`-page gray TIFF (LZW) to `path` whose page i is white with one black pixel at
 * (i % width, floor(i / width) % height): `pageMark` of page i's pixels is i % (width * height).
 */
export async function markedPagesTiff(path: string, pages: number): Promise<string> {
  // Loaded here, not at the top: most suites importing the testkit never make an image.
  const { default: sharp } = await import('sharp');
  const { width: W, height: H } = MARKED_PAGE;
  const data = Buffer.alloc(W * H * pages, 255);
  for (let i = 0; i < pages; i++) data[i * W * H + (Math.floor(i / W) % H) * W + (i % W)] = 0;
  await sharp(data, { raw: { width: W, height: H * pages, channels: 1, pageHeight: H } })
    .toColourspace('b-w')
    .tiff({ compression: 'lzw' })
    .toFile(path);
  return path;
}

/** Where the black pixel of a decoded one-channel page of `markedPagesTiff` is (its page index, modulo width * height). */
export function pageMark(pixels: Uint8Array): number {
  return pixels.indexOf(0);
}
