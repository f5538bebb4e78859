/** Interleaved 8-bit samples, top row first, no padding: what mupdf renders and sharp reads as `raw`. */
export interface RawPixels {
  data: Buffer;
  width: number;
  height: number;
  /** 1 = gray, 3 = RGB. */
  channels: 1 | 3;
}
