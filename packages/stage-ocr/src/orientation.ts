import type { OcrPage } from '@bookpipe/contracts';

/** What tesseract's orientation detection (OSD) said about a page. */
export interface OrientationGuess {
  /**
   * Degrees to turn the image clockwise to make it upright: tesseract's "Rotate" (CLI) or
   * `orientation_degrees` (tesseract.js `detect()`). Null when OSD found too little text.
   */
  rotate: number | null;
  /** Tesseract's orientation confidence (no fixed scale; upright text pages score about 10-40). */
  confidence: number | null;
}

/**
 * The rotation to apply: the guess when it is a quarter turn and confident enough, else 0 (a page with
 * little text gets an unreliable guess, and reading a page sideways is worse than leaving it be).
 */
export function decideRotation(guess: OrientationGuess, minConfidence: number): number {
  if (guess.rotate === null || guess.confidence === null) return 0;
  const deg = ((Math.round(guess.rotate) % 360) + 360) % 360;
  if (deg % 90 !== 0 || deg === 0) return 0;
  return guess.confidence >= minConfidence ? deg : 0;
}

/**
 * Parses `tesseract <image> stdout --psm 0`:
 * ```
 * Page number: 0
 * Orientation in degrees: 90
 * Rotate: 270
 * Orientation confidence: 34.53
 * Script: Latin
 * Script confidence: 3.83
 * ```
 */
export function parseNativeOsd(stdout: string): OrientationGuess {
  const rotate = /^Rotate:\s*(-?\d+)/m.exec(stdout);
  const conf = /^Orientation confidence:\s*(-?[\d.]+)/m.exec(stdout);
  return {
    rotate: rotate ? Number(rotate[1]) : null,
    confidence: conf ? Number(conf[1]) : null,
  };
}

/** The CLI's message when OSD has too little text to decide (it then exits with status 1). */
export function isTooFewCharacters(stderr: string): boolean {
  return /Too few characters/i.test(stderr);
}

/** Below this mean word confidence a first reading may be of a page upside down (those read at 0.3-0.4). */
export const UPRIGHT_MIN_CONFIDENCE = 0.6;
/** With fewer words the confidence says too little: ask OSD (as for every page before this check). */
export const UPRIGHT_MIN_WORDS = 20;

/**
 * Whether a page read as it lies (no turn) was upright, so that orientation detection can be skipped:
 * enough words, read with confidence, on lines wider than tall. Tesseract (PSM 3) reads a page lying
 * on its side line by line with high confidence, but its lines then stand upright (taller than wide),
 * which gives it away; a page upside down reads at low confidence. Measured on the eval pages: upright
 * book pages 0.81-0.96, cardinal.pdf upside down 0.34, on its side 0.94 with vertical lines.
 */
export function readsUpright(page: OcrPage): boolean {
  const lines = page.blocks.flatMap((b) => b.paragraphs.flatMap((p) => p.lines));
  const words = lines.reduce((n, l) => n + l.words.length, 0);
  if (words < UPRIGHT_MIN_WORDS || page.meanConfidence < UPRIGHT_MIN_CONFIDENCE) return false;
  const standing = lines.filter((l) => l.bbox.height > l.bbox.width).length;
  return standing * 2 < lines.length;
}
