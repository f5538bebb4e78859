import { evalFile, hasEval, noteSkip } from '@bookpipe/testkit';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { COLOUR_CHECK_SIZE, checkColour } from './colour.js';
import { PdfDocument } from './pdf-document.js';

noteSkip('colour');

async function thumbnail(input: string | { data: Buffer; width: number; height: number }) {
  const image = typeof input === 'string' ? sharp(input) : sharp(input.data, { raw: { width: input.width, height: input.height, channels: 3 } });
  const { data, info } = await image
    .resize(COLOUR_CHECK_SIZE, COLOUR_CHECK_SIZE, { fit: 'inside' })
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return checkColour(data, info.channels);
}

describe.skipIf(!hasEval)('checkColour on real scans', () => {
  it('calls the colour scans of old yellowed books colourless (ink and paper share one hue)', async () => {
    for (const path of [
      evalFile('vd-sbb', 'baltdiss_77478492X', 'OCR-D-IMG_00000024.tif'),
      evalFile('vd-sbb', 'baurodwe_665546211', 'OCR-D-IMG_00000057.tif'),
      evalFile('vd-sbb', 'catapabin_657601357', 'OCR-D-IMG_00000272.tif'),
      evalFile('vd-sbb', 'dubivehie_775844071_0002', 'OCR-D-IMG_00000074.tif'),
    ]) {
      const check = await thumbnail(path);
      expect(check.coloured, path).toBe(false);
      expect(check.tintHue, path).not.toBeNull(); // yellowed paper, not neutral
    }
  });

  it('calls black-on-white pages colourless and neutral', async () => {
    const check = await thumbnail(evalFile('ocrmypdf-resources', 'linn.png'));
    expect(check).toEqual({ coloured: false, colouredShare: 0, tintHue: null });
  });

  it("keeps the colour of multipage.pdf's coloured line charts (pages 3 and 4), not of its sepia page 1", async () => {
    const doc = await PdfDocument.open(evalFile('ocrmypdf-resources', 'multipage.pdf'));
    try {
      const at = (i: number) => doc.renderPage(i, { dpi: 100, maxPixels: 2 ** 26, maxInputPixels: 2 ** 28, colour: 'rgb' }).pixels;
      expect((await thumbnail(at(0))).coloured).toBe(false);
      const chart = await thumbnail(at(2));
      expect(chart.coloured).toBe(true);
      expect(chart.colouredShare).toBeGreaterThan(0.01);
      expect((await thumbnail(at(3))).coloured).toBe(true);
    } finally {
      doc.close();
    }
  });

  it('has nothing to decide on one channel', () => {
    expect(checkColour(new Uint8Array(100).fill(128), 1).coloured).toBe(false);
  });
});
