/** Side of the thumbnail the colour check looks at: enough to see a red heading, cheap to scan. */
export const COLOUR_CHECK_SIZE = 512;

/** Pixels darker than this (sum of R, G and B) are left out: the hue of near-black ink is noise. */
const MIN_BRIGHTNESS_SUM = 150;
/** Saturation (max - min of R, G, B) from which a pixel has a hue that tells the paper's tint. */
const TINT_CHROMA = 16;
/** A page whose tinted pixels are fewer than this share has neutral (gray or white) paper. */
const TINTED_PAPER_SHARE = 0.2;
/**
 * Saturation a pixel needs to count as colour. The blue-gray scanner bed around a page and paper
 * shading stay below it.
 */
const COLOUR_CHROMA = 48;
/**
 * Hue difference from the paper's tint (degrees) that makes a saturated pixel colour: brown ink on
 * yellowed paper is the same hue, only more saturated; a red rubric or a blue stamp is not.
 */
const HUE_TOLERANCE = 30;
/** Share of the checked pixels that must be colour for the page to count as colour. */
const COLOURED_SHARE = 0.001;

export interface ColourCheck {
  /** True when the page has colour beyond one tint (e.g. brown ink on yellowed paper is not colour). */
  coloured: boolean;
  /** Share of the checked pixels that count as colour. */
  colouredShare: number;
  /** Hue of the paper's tint in degrees, or null for neutral paper. */
  tintHue: number | null;
}

/**
 * Decides whether an RGB(A) image has real colour, from a small thumbnail of it (interleaved 8-bit
 * samples). A page is colourless when its saturated pixels all share the hue of its tint: gray, or old
 * yellowed paper with brown ink. Scans of old books are often colour scans of exactly that, and
 * grayscale loses nothing there while making the PNG a third of the size. A page with coloured
 * headings, stamps or illustrations keeps its colour.
 */
export function checkColour(samples: Uint8Array, channels: number): ColourCheck {
  if (channels < 3) return { coloured: false, colouredShare: 0, tintHue: null };
  const hueBins = new Uint32Array(36);
  let counted = 0;
  let tinted = 0;
  for (let i = 0; i + 2 < samples.length; i += channels) {
    const r = samples[i]!;
    const g = samples[i + 1]!;
    const b = samples[i + 2]!;
    if (r + g + b < MIN_BRIGHTNESS_SUM) continue;
    counted++;
    if (Math.max(r, g, b) - Math.min(r, g, b) >= TINT_CHROMA) {
      tinted++;
      hueBins[Math.min(35, Math.floor(hue(r, g, b) / 10))]!++;
    }
  }
  if (counted === 0) return { coloured: false, colouredShare: 0, tintHue: null };
  let tintHue: number | null = null;
  if (tinted >= counted * TINTED_PAPER_SHARE) {
    // The densest 30-degree window of the hue histogram is the paper's tint.
    let best = 0;
    let bestCount = -1;
    for (let bin = 0; bin < 36; bin++) {
      const c = hueBins[(bin + 35) % 36]! + hueBins[bin]! + hueBins[(bin + 1) % 36]!;
      if (c > bestCount) {
        bestCount = c;
        best = bin;
      }
    }
    tintHue = best * 10 + 5;
  }
  let coloured = 0;
  for (let i = 0; i + 2 < samples.length; i += channels) {
    const r = samples[i]!;
    const g = samples[i + 1]!;
    const b = samples[i + 2]!;
    if (r + g + b < MIN_BRIGHTNESS_SUM) continue;
    if (Math.max(r, g, b) - Math.min(r, g, b) < COLOUR_CHROMA) continue;
    if (tintHue === null || hueDistance(hue(r, g, b), tintHue) > HUE_TOLERANCE) coloured++;
  }
  const colouredShare = coloured / counted;
  return { coloured: colouredShare > COLOURED_SHARE, colouredShare, tintHue };
}

/** HSV hue in degrees, 0..360. */
function hue(r: number, g: number, b: number): number {
  const max = Math.max(r, g, b);
  const d = max - Math.min(r, g, b);
  if (d === 0) return 0;
  const h = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  return (h * 60 + 360) % 360;
}

function hueDistance(a: number, b: number): number {
  const d = Math.abs(a - b) % 360;
  return d > 180 ? 360 - d : d;
}
