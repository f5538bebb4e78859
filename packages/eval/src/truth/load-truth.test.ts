import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTruthFolder } from './load-truth.js';
import { parsePageXml } from './page-xml.js';

const repoRoot = path.resolve(import.meta.dirname, '../../../..');
const evalDir = path.resolve(repoRoot, '../shared/eval');
const present = existsSync(path.join(evalDir, 'README.md'));
if (!present) console.warn(`[eval] ${evalDir} is absent: skipping the ground-truth parsing tests on the real files.`);

describe.skipIf(!present)('PAGE-XML of vd-sbb (real OCR-D ground truth)', () => {
  const work = path.join(evalDir, 'vd-sbb/baltdiss_77478492X');

  it('reads regions with types, boxes and text in reading order, the page number and the image it names', async () => {
    const file = path.join(work, 'OCR-D-GT-PAGE_00000024.xml');
    const page = parsePageXml(await readFile(file, 'utf8'), file);
    expect(page.key).toBe('OCR-D-GT-PAGE_00000024');
    expect(page.imageName).toBe('OCR-D-IMG_00000024.tif');
    expect(page.imageSize?.width).toBeGreaterThan(1000);
    expect(page.printedPageNumber).toBe('12');
    const byType = (type: string) => page.regions!.filter((r) => r.type === type);
    expect(byType('header')[0]).toMatchObject({ kind: 'header', text: 'DE ELECTIONE ABSOLUTA' });
    expect(byType('catch-word')[0]).toMatchObject({ kind: 'footer', text: 'Luthe-' });
    expect(byType('paragraph').length).toBeGreaterThan(0);
    for (const region of page.regions!) expect(region.bbox.width * region.bbox.height).toBeGreaterThan(0);
    // Multi-line regions keep their line breaks; the body text has no furniture.
    const paragraph = byType('paragraph')[0]!.text!;
    expect(paragraph.split('\n').length).toBeGreaterThan(1);
    expect(page.text).toContain('DE ELECTIONE ABSOLUTA');
    expect(page.text).toContain(paragraph);
    expect(page.bodyText).toContain(paragraph);
    expect(page.bodyText).not.toContain('DE ELECTIONE ABSOLUTA');
    expect(page.bodyText).not.toContain('Luthe-');
  });

  it('follows the ReadingOrder, not the document order', async () => {
    const file = path.join(evalDir, 'vd-sbb/baurodwe_665546211/OCR-D-GT-PAGE_00000057.xml');
    const xml = await readFile(file, 'utf8');
    const page = parsePageXml(xml, file);
    // The document lists r0 (a paragraph) first; its ReadingOrder starts with r5 and r6.
    const firstRef = /regionRef="([^"]+)"/.exec(xml)![1]!;
    const firstRegion = new RegExp(`<pc:TextRegion id="${firstRef}"[^>]*type="([^"]+)"`).exec(xml)![1];
    expect(page.regions![0]!.type).toBe(firstRegion);
    expect(firstRef).not.toBe('r0');
  });

  it('counts text regions nested in other regions: a page number inside a decoration, a drop capital inside a paragraph', async () => {
    const file = path.join(evalDir, 'vd-sbb/erobdefoa_66333134X/OCR-D-GT-PAGE_00000010.xml');
    const xml = await readFile(file, 'utf8');
    // Move the real page-number region into the decoration region beside it, as other pages of such works have it.
    const numberRegion = /<(pc:)?TextRegion id="r3"[\s\S]*?<\/(pc:)?TextRegion>/.exec(xml)![0];
    const nested = xml.replace(numberRegion, '').replace(/(<(?:pc:)?GraphicRegion id="r4"[^>]*>[\s\S]*?)(<\/(?:pc:)?GraphicRegion>)/, `$1${numberRegion}$2`);
    expect(nested).not.toBe(xml);
    const flat = parsePageXml(xml, file);
    const page = parsePageXml(nested, file);
    expect(page.printedPageNumber).toBe('6');
    expect(page.regions!.map((r) => r.type).sort()).toEqual(flat.regions!.map((r) => r.type).sort());
    expect(page.text.length).toBe(flat.text.length);

    const capital = path.join(evalDir, 'vd-sbb/dubivehie_775844071_0002/OCR-D-GT-PAGE_00000075.xml');
    const withCapital = parsePageXml(await readFile(capital, 'utf8'), capital);
    expect(withCapital.regions!.some((r) => r.type === 'drop-capital')).toBe(true);
  });

  it('loads a work folder: four pages, mets.xml skipped', async () => {
    const pages = await loadTruthFolder(work);
    expect(pages.map((p) => p.key)).toEqual(['OCR-D-GT-PAGE_00000024', 'OCR-D-GT-PAGE_00000025', 'OCR-D-GT-PAGE_00000026', 'OCR-D-GT-PAGE_00000027']);
    expect(pages.map((p) => p.printedPageNumber)).toEqual(['12', '13', '14', '15']);
    expect(pages.every((p) => p.format === 'page-xml' && p.scope === 'page')).toBe(true);
  });

  it('counts the private-use glyphs of Fraktur transcriptions', async () => {
    const pages = await loadTruthFolder(path.join(evalDir, 'vd-sbb/baurodwe_665546211'));
    expect(pages.reduce((s, p) => s + p.privateUseChars, 0)).toBeGreaterThan(10);
  });
});

describe.skipIf(!present)('regions and lines JSONL of ajmc-commentaries (real)', () => {
  it('makes one page of <page>.txt, .regions.jsonl and .lines.jsonl; body text leaves the running head and page number out', async () => {
    const pages = await loadTruthFolder(path.join(evalDir, 'ajmc-commentaries/derived'));
    expect(pages).toHaveLength(4);
    const p63 = pages.find((p) => p.key === 'cu31924087948174_0063')!;
    expect(p63.format).toBe('regions-jsonl');
    expect(p63.files.map((f) => path.basename(f)).sort()).toEqual([
      'cu31924087948174_0063.lines.jsonl',
      'cu31924087948174_0063.regions.jsonl',
      'cu31924087948174_0063.txt',
    ]);
    expect(p63.printedPageNumber).toBe('30');
    expect(p63.text).toContain('ΣΟΦΟΚΛΕΟΥΣ');
    expect(p63.bodyText).not.toContain('ΣΟΦΟΚΛΕΟΥΣ');
    expect(p63.regions!.filter((r) => r.kind === 'page-number')).toHaveLength(1);
    // Page 0040's page-number box has no transcription: no truth page number.
    expect(pages.find((p) => p.key === 'cu31924087948174_0040')!.printedPageNumber).toBeNull();
  });
});

describe.skipIf(!present)('plain text of old-books (real)', () => {
  it('one page per <id>.txt, taken as the reading text', async () => {
    const pages = await loadTruthFolder(path.join(evalDir, 'old-books'));
    expect(pages).toHaveLength(42);
    expect(pages[0]).toMatchObject({ key: 'a006', format: 'text', scope: 'body', regions: null, bodyText: null, printedPageNumber: null });
    expect(pages[0]!.text).toContain('Armenian Massacres');
  });

  it('plainTextScope: page says the text covers the whole page', async () => {
    const pages = await loadTruthFolder(path.join(evalDir, 'ocrmypdf-resources'), { plainTextScope: 'page' });
    expect(pages.map((p) => [p.key, p.scope])).toEqual([['linn', 'page']]);
  });
});

describe('loadTruthFolder errors', () => {
  it('names a missing folder and what --truth wants', async () => {
    await expect(loadTruthFolder('/nonexistent/truth')).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      message: expect.stringContaining('/nonexistent/truth does not exist'),
    });
  });
  it('refuses a folder with no truth page in it', async () => {
    await expect(loadTruthFolder(import.meta.dirname)).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      message: expect.stringContaining('holds no ground-truth page'),
    });
  });
});
