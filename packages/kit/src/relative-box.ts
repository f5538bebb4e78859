import type { BBox } from '@bookpipe/contracts';

/** A box as [left, top, right, bottom] in thousandths of the page: independent of the image's size. */
export function relativeBox(bbox: BBox, page: { width: number; height: number }): [number, number, number, number] {
  const x = (value: number) => Math.round((value / page.width) * 1000);
  const y = (value: number) => Math.round((value / page.height) * 1000);
  return [x(bbox.x), y(bbox.y), x(bbox.x + bbox.width), y(bbox.y + bbox.height)];
}
