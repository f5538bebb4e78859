/**
 * The OCR language on real pages: with no option, a German book's first pages pick the German model
 * (ocr/language.json says so); a language whose model is not installed is an error naming its package.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OcrPageSchema } from '@bookpipe/contracts';
import { createStageContext, loadConfig, Pipeline, silentLogger } from '@bookpipe/core';
import { openScan } from '@bookpipe/storage';
import { evalDir, hasEval, noteSkip, scanWithSourcePages, toPng } from '@bookpipe/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LANGUAGE_FILE, LanguageChoiceSchema, languageInstalled } from './ocr-language.js';
import { OcrStage } from './ocr-stage.js';

noteSkip('ocr-language.slow.test.ts');

describe.skipIf(!hasEval)('OCR language (real vd-sbb pages)', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'stage-ocr-language-'));
  });
  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  const germanPages = async () =>
    Promise.all(['00000057', '00000058'].map(async (n) => ({ png: await toPng(join(evalDir, 'vd-sbb/baurodwe_665546211', `OCR-D-IMG_${n}.tif`), tmp) })));

  it('guesses German from the first pages and reads the book with the deu model, saying so', async () => {
    expect(languageInstalled('deu', '4.0.0_best_int')).toBe(true);
    const scan = await scanWithSourcePages(openScan({ root: join(tmp, 'scans'), scanId: 'german' }), await germanPages());
    const result = await new Pipeline({ scan, stages: [new OcrStage({ maxWorkers: 1, metadata: false })], config: loadConfig({}), logger: silentLogger }).run();
    expect(result.ok).toBe(true);
    const ocr = scan.stage('ocr', { schema: OcrPageSchema });
    const choice = LanguageChoiceSchema.parse(JSON.parse(await readFile(ocr.filePath(LANGUAGE_FILE), 'utf8')));
    expect(choice).toMatchObject({ language: 'deu', source: 'guessed' });
    expect(choice.reason).toMatch(/look like "deu"/);
    expect((await ocr.loadPage(1, OcrPageSchema)).engine.language).toBe('deu');
  }, 240_000);

  it('BOOKPIPE_OCR_LANG chooses the model; a language whose package is missing is an error naming it', async () => {
    const scan = await scanWithSourcePages(openScan({ root: join(tmp, 'scans'), scanId: 'chosen' }), await germanPages());
    const stage = new OcrStage({ maxWorkers: 1, metadata: false });
    const missing = await createStageContext(stage, { scan, logger: silentLogger, config: loadConfig({ BOOKPIPE_OCR_LANG: 'deu+xyz' }) });
    await expect(stage.before(missing)).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('the package @tesseract.js-data/xyz is not installed. Install it (npm install @tesseract.js-data/xyz)'),
    });
    const chosen = await createStageContext(stage, { scan, logger: silentLogger, config: loadConfig({ BOOKPIPE_OCR_LANG: 'deu+lat' }) });
    await expect(stage.before(chosen)).resolves.toBeUndefined();
  });
});
