import { OcrPageSchema } from '@bookpipe/contracts';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfig } from './config.js';
import { BookpipeError } from './errors.js';
import { PageReadCache } from './page-read-cache.js';
import { BaseStage, type StageContext, type StageStats } from './stage.js';
import { createStageContext } from './stage-context.js';
import type { BookStorage, StageStorage, StageStorageOptions } from './storage.js';

/**
 * Just enough of a scan for the readers: each stage folder holds JSON values (or bytes) by page and
 * says whether it completed; every `stage()` call is recorded with its options.
 */
function fakeScan(folders: Record<string, { pages: Record<number, unknown>; complete?: boolean }>) {
  const opened: Array<{ name: string; options: StageStorageOptions | undefined }> = [];
  const scan = {
    scanId: 'book',
    dir: '/scans/book',
    stage(name: string, options?: StageStorageOptions): StageStorage {
      opened.push({ name, options });
      const folder = folders[name] ?? { pages: {} };
      const missing = (page: number) => new BookpipeError('DEPENDENCY_MISSING', `${name}/page ${page} is missing`);
      return {
        stageName: name,
        pageFormat: options?.pageFormat ?? 'json',
        checkpoint: { isComplete: async () => folder.complete === true } as unknown as StageStorage['checkpoint'],
        listPages: async () => Object.keys(folder.pages).map(Number),
        pagePath: (page: number) => `/scans/book/${name}/page_${page}.${options?.pageFormat ?? 'json'}`,
        loadPage: async (page: number, schema?: z.ZodType) => {
          if (!(page in folder.pages)) throw missing(page);
          return schema ? schema.parse(folder.pages[page]) : folder.pages[page];
        },
        loadPageBytes: async (page: number) => {
          if (!(page in folder.pages)) throw missing(page);
          const value = folder.pages[page];
          return value instanceof Uint8Array ? value : new TextEncoder().encode(JSON.stringify(value));
        },
      } as unknown as StageStorage;
    },
  } as unknown as BookStorage;
  return { scan, opened };
}

class Reader extends BaseStage {
  readonly name = 'reader';
  constructor(readonly dependencies: BaseStage['dependencies']) {
    super();
  }
  async run(_ctx: StageContext): Promise<StageStats> {
    throw new Error('not run in these tests');
  }
}

const ocrPage = { pageNumber: 1, width: 10, height: 10, engine: { name: 't', version: '1', language: 'eng', psm: 3 }, meanConfidence: 0.9, blocks: [] };
const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);

describe('ctx.input: dependency readers', () => {
  it('reads built-in stages in their own format and schema: source as PNG bytes, ocr validated', async () => {
    const { scan, opened } = fakeScan({ source: { pages: { 1: png } }, ocr: { pages: { 1: ocrPage, 2: { pageNumber: 'two' } } } });
    const ctx = await createStageContext(new Reader(['source', 'ocr']), { scan, config: loadConfig({}) });
    expect(await ctx.input('source').load(1)).toEqual(png);
    expect(opened.find((o) => o.name === 'source')!.options?.pageFormat).toBe('png');
    expect(ctx.input('source').pagePath(1)).toMatch(/source\/page_1\.png$/);
    expect(await ctx.input('ocr').load(1)).toEqual(ocrPage);
    await expect(ctx.input('ocr').load(2)).rejects.toThrow();
    await expect(new Reader(['source', 'ocr']).before(ctx)).resolves.toBeUndefined();
  });

  it("reads a user stage's pages against the schema its declaration gives", async () => {
    const { scan } = fakeScan({ counts: { pages: { 1: { total: 3 }, 2: { total: 'x' } } } });
    const ctx = await createStageContext(new Reader([{ stage: 'counts', schema: z.object({ total: z.number() }) }]), { scan, config: loadConfig({}) });
    expect(await ctx.input<{ total: number }>('counts').load(1)).toEqual({ total: 3 });
    await expect(ctx.input('counts').load(2)).rejects.toThrow();
  });

  it('refuses to read a stage that is not declared, naming the fix', async () => {
    const { scan } = fakeScan({ ocr: { pages: { 1: ocrPage } } });
    const ctx = await createStageContext(new Reader(['source']), { scan, config: loadConfig({}) });
    expect(() => ctx.input('ocr')).toThrow(/Stage "reader" reads the pages of stage "ocr" but does not declare it: add "ocr"/);
  });

  it('the default before() refuses a required dependency without pages, saying which stage to run', async () => {
    const { scan } = fakeScan({ source: { pages: {} } });
    const stage = new Reader(['source', { stage: 'label', optional: true }]);
    const ctx = await createStageContext(stage, { scan, config: loadConfig({}) });
    await expect(stage.before(ctx)).rejects.toThrow(
      /Stage "reader" needs page images from stage "source" in scan "book", but \/scans\/book\/source\/ has none\. Run the source stage first\./,
    );
  });

  it('an optional dependency is available when complete in the scan (or when the pipeline says so)', async () => {
    const stage = new Reader(['ocr', { stage: 'label', optional: true }, { stage: 'correction', optional: true }]);
    const { scan } = fakeScan({ ocr: { pages: { 1: ocrPage } }, label: { pages: {}, complete: true }, correction: { pages: { 1: {} }, complete: false } });
    const ctx = await createStageContext(stage, { scan, config: loadConfig({}) });
    expect([ctx.input('ocr').available, ctx.input('label').available, ctx.input('correction').available]).toEqual([true, true, false]);
    const inPipeline = await createStageContext(stage, { scan, config: loadConfig({}), availableOptional: ['correction'] });
    expect([inPipeline.input('label').available, inPipeline.input('correction').available]).toEqual([false, true]);
    expect(OcrPageSchema.safeParse(await ctx.input('ocr').load(1)).success).toBe(true);
  });

  it("with the run's page cache, stages sharing it read and validate an upstream page once, and get it frozen", async () => {
    const { scan } = fakeScan({ ocr: { pages: { 1: ocrPage, 2: { pageNumber: 'two' } } } });
    let loads = 0;
    const counted = {
      ...scan,
      stage: (name: string, options?: StageStorageOptions) => {
        const storage = scan.stage(name, options);
        const loadPage = (page: number, schema?: z.ZodType) => {
          loads++;
          return storage.loadPage(page, schema);
        };
        return { ...storage, loadPage } as StageStorage;
      },
    } as BookStorage;
    const pageReads = new PageReadCache();
    const first = await createStageContext(new Reader(['ocr']), { scan: counted, config: loadConfig({}), pageReads });
    const second = await createStageContext(new Reader(['source', 'ocr']), { scan: counted, config: loadConfig({}), pageReads });
    const [a, b] = await Promise.all([first.input('ocr').load(1), second.input('ocr').load(1)]);
    expect(a).toEqual(ocrPage);
    expect(b).toBe(a);
    expect(loads).toBe(1);
    expect(() => {
      (a as { blocks: unknown[] }).blocks.push({});
    }).toThrow(TypeError);
    // An invalid page is refused to every reader, each time: a failed read is not kept.
    await expect(first.input('ocr').load(2)).rejects.toThrow();
    await expect(second.input('ocr').load(2)).rejects.toThrow();
    expect(loads).toBe(3);
    // Without the cache (a stage run by hand), every load reads the file.
    const alone = await createStageContext(new Reader(['ocr']), { scan: counted, config: loadConfig({}) });
    await alone.input('ocr').load(1);
    await alone.input('ocr').load(1);
    expect(loads).toBe(5);
  });
});

describe('PageReadCache', () => {
  it('keeps at most maxPages pages, least recently used out, and reads apart by schema', async () => {
    const cache = new PageReadCache(2);
    const made: string[] = [];
    const get = (page: number, schema?: object) =>
      cache.get('ocr', page, schema, async () => {
        made.push(`${page}`);
        return { page };
      });
    await get(1);
    await get(2);
    await get(1); // 1 is now the most recent
    await get(3); // 2 goes
    await get(1);
    await get(2);
    expect(made).toEqual(['1', '2', '3', '2']);
    const schema = z.object({ page: z.number() });
    await get(1, schema);
    expect(made).toEqual(['1', '2', '3', '2', '1']);
    expect(cache.stats).toEqual({ loaded: 5, reused: 2 });
  });

  it('refuses a bound that is not a whole number of pages', () => {
    expect(() => new PageReadCache(-1)).toThrow(/maxPages/);
  });
});
