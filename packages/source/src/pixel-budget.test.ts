import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_PIXELS, fitToBudget } from './pixel-budget.js';

describe('fitToBudget', () => {
  it('keeps a page that fits', () => {
    expect(fitToBudget(2550, 3300, DEFAULT_MAX_PIXELS)).toEqual({ width: 2550, height: 3300, scale: 1, downsampled: false });
  });

  it('scales a page over the budget down to fit, keeping the aspect ratio', () => {
    // enormous.pdf: a 30 x 30 in page, 9000 x 9000 px at 300 DPI.
    const fit = fitToBudget(9000, 9000, DEFAULT_MAX_PIXELS);
    expect(fit.downsampled).toBe(true);
    expect(fit.width * fit.height).toBeLessThanOrEqual(DEFAULT_MAX_PIXELS);
    expect(fit.width).toBe(fit.height);
    expect(fit.width).toBeGreaterThan(8150);
    expect(300 * fit.scale).toBeCloseTo(273, 0);
  });

  it('never exceeds the budget, whatever the shape', () => {
    for (const [w, h, budget] of [
      [35000, 35000, 2 ** 26],
      [100001, 7, 5000],
      [3, 999999, 1024],
      [12345, 6789, 1_000_003],
    ] as const) {
      const fit = fitToBudget(w, h, budget);
      expect(fit.width * fit.height).toBeLessThanOrEqual(budget);
      expect(fit.width).toBeGreaterThanOrEqual(1);
      expect(fit.height).toBeGreaterThanOrEqual(1);
    }
  });
});
