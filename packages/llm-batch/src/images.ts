import type { ImageMediaType, LlmImage } from './types.js';

export interface LoadedImage {
  mediaType: ImageMediaType;
  data: Uint8Array;
}

/**
 * Brings a request's images into memory for one attempt. Called when the attempt starts, and the
 * result is dropped when it ends, so only the requests in flight hold image bytes.
 */
export async function loadImages(images: readonly LlmImage[] | undefined): Promise<LoadedImage[]> {
  if (!images || images.length === 0) return [];
  return Promise.all(
    images.map(async (image, index) => {
      const data = 'data' in image ? image.data : await image.load();
      if (!(data instanceof Uint8Array)) {
        throw new TypeError(`image ${index} (${image.mediaType}) did not load as a Uint8Array`);
      }
      return { mediaType: image.mediaType, data };
    }),
  );
}
