import { smallPage } from '@bookpipe/testkit';
import { describe, expect, it } from 'vitest';
import { decideRotation, isTooFewCharacters, parseNativeOsd, readsUpright } from './orientation.js';

describe('decideRotation', () => {
  it("turns a page by OSD's quarter turn when confident enough", () => {
    expect(decideRotation({ rotate: 270, confidence: 34.5 }, 14)).toBe(270);
    expect(decideRotation({ rotate: 90, confidence: 14 }, 14)).toBe(90);
    expect(decideRotation({ rotate: -90, confidence: 20 }, 14)).toBe(270);
  });

  it('keeps 0 for an unsure guess, no guess, or an angle that is no quarter turn', () => {
    expect(decideRotation({ rotate: 180, confidence: 10.4 }, 14)).toBe(0);
    expect(decideRotation({ rotate: null, confidence: null }, 14)).toBe(0);
    expect(decideRotation({ rotate: 45, confidence: 40 }, 14)).toBe(0);
    expect(decideRotation({ rotate: 0, confidence: 40 }, 14)).toBe(0);
  });
});

describe('parseNativeOsd', () => {
  it('reads Rotate and the orientation confidence of `tesseract --psm 0`', () => {
    const out = 'Page number: 0\nOrientation in degrees: 90\nRotate: 270\nOrientation confidence: 34.53\nScript: Latin\nScript confidence: 3.83\n';
    expect(parseNativeOsd(out)).toEqual({ rotate: 270, confidence: 34.53 });
    expect(parseNativeOsd('')).toEqual({ rotate: null, confidence: null });
  });

  it('recognises the message for a page with too little text', () => {
    expect(isTooFewCharacters('Too few characters. Skipping this page\nError during processing.\n')).toBe(true);
    expect(isTooFewCharacters('Error in pixRead: pix not read')).toBe(false);
  });
});

describe('readsUpright (when orientation detection can be skipped)', () => {
  const line = 'the quick brown fox jumps over the lazy dog again';
  const text = (lines: number) => [Array.from({ length: lines }, () => line)];

  it('skips OSD for a page read with confidence on lines wider than tall', () => {
    expect(readsUpright(smallPage(1, [text(3)]))).toBe(true);
  });

  it('asks OSD for a page with few words, or read at low confidence (upside down)', () => {
    expect(readsUpright(smallPage(1, [[['only a few words here']]]))).toBe(false);
    const doubtful = Object.fromEntries(line.split(' ').map((w) => [w, 0.35]));
    expect(readsUpright(smallPage(1, [text(3)], doubtful))).toBe(false);
  });

  it('asks OSD for a page whose lines stand upright (a page on its side reads well, line by line)', () => {
    const page = smallPage(1, [text(3)]);
    for (const block of page.blocks) {
      for (const paragraph of block.paragraphs) {
        for (const l of paragraph.lines) l.bbox = { x: l.bbox.y, y: l.bbox.x, width: l.bbox.height, height: l.bbox.width };
      }
    }
    expect(readsUpright(page)).toBe(false);
  });
});
