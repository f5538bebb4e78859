import type SharpType from 'sharp';

export type SharpFn = typeof SharpType;

let loading: Promise<SharpFn> | undefined;

/** Loads sharp (a native module) on first use, so importing this package stays cheap. */
export function loadSharp(): Promise<SharpFn> {
  loading ??= import('sharp').then((m) => m.default);
  return loading;
}
