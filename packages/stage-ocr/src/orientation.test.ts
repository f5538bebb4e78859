import { describe, expect, it } from 'vitest';
import { decideRotation, isTooFewCharacters, parseNativeOsd } from './orientation.js';

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
