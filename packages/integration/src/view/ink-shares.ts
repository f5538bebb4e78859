/**
 * Test support, not exported: how much ink a box on a screenshot holds compared with a thin ring just
 * outside it. OCR word and line boxes are tight around their ink, so a box drawn where the text is has
 * a clearly darker inside than its surroundings; a box off by part of a line has not.
 */

export interface GreyImage {
  data: Uint8Array;
  width: number;
  height: number;
}

export interface ScreenBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The median grey level: the paper's colour on a page of text. */
export function paperLevel(image: GreyImage, region: ScreenBox): number {
  const hist = new Array<number>(256).fill(0);
  let n = 0;
  for (let y = Math.max(0, Math.round(region.y)); y < Math.min(image.height, Math.round(region.y + region.height)); y++) {
    for (let x = Math.max(0, Math.round(region.x)); x < Math.min(image.width, Math.round(region.x + region.width)); x++) {
      hist[image.data[y * image.width + x]!]! += 1;
      n += 1;
    }
  }
  let seen = 0;
  for (let level = 0; level < 256; level++) {
    seen += hist[level]!;
    if (seen * 2 >= n) return level;
  }
  return 255;
}

/**
 * Share of dark pixels (grey under `dark`) inside the box and in a ring around it (from `gap` to
 * `gap + thickness` pixels outside its edges). Pixels off the image are not counted.
 */
export function inkShares(image: GreyImage, box: ScreenBox, options: { dark: number; gap?: number; thickness?: number }): { inside: number; ring: number } {
  const gap = options.gap ?? 1;
  const thickness = options.thickness ?? 3;
  const x0 = Math.floor(box.x);
  const y0 = Math.floor(box.y);
  const x1 = Math.ceil(box.x + box.width);
  const y1 = Math.ceil(box.y + box.height);
  const inner = { x0: x0 - gap, y0: y0 - gap, x1: x1 + gap, y1: y1 + gap };
  const outer = { x0: inner.x0 - thickness, y0: inner.y0 - thickness, x1: inner.x1 + thickness, y1: inner.y1 + thickness };
  let inDark = 0;
  let inAll = 0;
  let ringDark = 0;
  let ringAll = 0;
  for (let y = Math.max(0, outer.y0); y < Math.min(image.height, outer.y1); y++) {
    for (let x = Math.max(0, outer.x0); x < Math.min(image.width, outer.x1); x++) {
      const isDark = image.data[y * image.width + x]! < options.dark;
      if (x >= x0 && x < x1 && y >= y0 && y < y1) {
        inAll += 1;
        if (isDark) inDark += 1;
      } else if (x < inner.x0 || x >= inner.x1 || y < inner.y0 || y >= inner.y1) {
        ringAll += 1;
        if (isDark) ringDark += 1;
      }
    }
  }
  return { inside: inAll === 0 ? 0 : inDark / inAll, ring: ringAll === 0 ? 0 : ringDark / ringAll };
}

/** A box sits on its text when its inside is clearly darker than its ring: at least twice, and some ink at all. */
export function sitsOnInk(shares: { inside: number; ring: number }): boolean {
  return shares.inside >= 0.05 && shares.inside >= 2 * shares.ring;
}
