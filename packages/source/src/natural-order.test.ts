import { describe, expect, it } from 'vitest';
import { naturalCompare } from './natural-order.js';

describe('naturalCompare', () => {
  it('orders digit runs as numbers: page_2 before page_10', () => {
    const names = ['page_10.png', 'page_2.png', 'page_1.png', 'page_100.png', 'page_20.png'];
    expect(names.sort(naturalCompare)).toEqual(['page_1.png', 'page_2.png', 'page_10.png', 'page_20.png', 'page_100.png']);
  });

  it('ignores case for the order but stays total and deterministic', () => {
    const names = ['B1.tif', 'a2.tif', 'A10.tif', 'b01.tif'];
    const once = [...names].sort(naturalCompare);
    expect(once).toEqual(['a2.tif', 'A10.tif', 'B1.tif', 'b01.tif'].sort(naturalCompare));
    expect([...names].reverse().sort(naturalCompare)).toEqual(once);
    expect(once.slice(0, 2)).toEqual(['a2.tif', 'A10.tif']);
  });

  it('orders the scan names of the real data sets the way their pages run', () => {
    const names = ['OCR-D-IMG_00000025.tif', 'OCR-D-IMG_00000024.tif', 'a018.tiff', 'a006.tiff', 'a013.tiff'];
    expect(names.sort(naturalCompare)).toEqual(['a006.tiff', 'a013.tiff', 'a018.tiff', 'OCR-D-IMG_00000024.tif', 'OCR-D-IMG_00000025.tif']);
  });
});
