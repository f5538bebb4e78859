import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { OCR_STAGE } from '@bookpipe/contracts';
import { OcrPageSchema } from '@bookpipe/core';
import { openScan } from '@bookpipe/storage';
import { blankPagePng, scanWithSourcePages, smallPage, tempDir } from '@bookpipe/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// What a command loads is checked by recording every module the child process resolves (a module
// resolve hook, `--import`ed before the bin), not by timing it: start-up time is what these imports cost.

const bin = resolve(import.meta.dirname, '../dist/bin.js');

/** Packages that only `run`, `view` or `eval` need: loading one of them costs `status` tens to hundreds of ms. */
// bullmq and ioredis: only `submit`, `worker` and `status --redis` load the distributed runner; @aws-sdk/client-s3 only an s3:// root.
// ajv: llm-batch requires it on the first answer it validates.
const HEAVY = ['openai', '@anthropic-ai/sdk', 'ajv', 'ajv-formats', 'sharp', 'tesseract.js', 'mupdf', 'piscina', 'bullmq', 'ioredis', '@aws-sdk/client-s3'];
const STAGE_PACKAGES = [
  'source',
  'stage-ocr',
  'stage-correction',
  'stage-label',
  'stage-merge',
  'book-pipeline',
  'kit',
  'llm-batch',
  'view',
  'eval',
  'runner-bullmq',
  'storage-s3',
];

const HOOK = `
import { registerHooks } from 'node:module';
import { appendFileSync } from 'node:fs';
registerHooks({
  resolve(specifier, context, next) {
    const result = next(specifier, context);
    appendFileSync(process.env.LOADED_LOG, result.url + '\\n');
    return result;
  },
});
`;

/** The npm packages (by name) and the workspace packages (by folder) a list of module URLs came from. */
function packagesOf(urls: readonly string[]): { npm: Set<string>; workspace: Set<string> } {
  const npm = new Set<string>();
  const workspace = new Set<string>();
  for (const url of urls) {
    const deps = [...url.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)];
    if (deps.length > 0) npm.add(deps.at(-1)![1]!);
    else {
      // A package's light side entry (`@bookpipe/kit/batch-journal`) and the chunks entries share are
      // recorded by file: they are only loaded through an entry, so `kit` means its main entry was.
      const own = /\/packages\/([^/]+)\/dist\/([^/]+)$/.exec(url);
      const sideEntry = (own?.[1] === 'kit' || own?.[1] === 'book-pipeline') && /^(batch-journal|chunk-[\w-]+)\.js$/.test(own[2]!);
      if (own) workspace.add(sideEntry ? `${own[1]}/${own[2]}` : own[1]!);
    }
  }
  return { npm, workspace };
}

describe('bookpipe status, report and --help load none of the stages; run --stages merge only merge', () => {
  let dir: string;
  let remove: () => Promise<void>;
  beforeAll(async () => {
    ({ dir, remove } = await tempDir('bookpipe-lean-start-'));
    await writeFile(join(dir, 'hook.mjs'), HOOK);
    const png = await blankPagePng(join(dir, 'page.png'), 200, 300);
    const scan = await scanWithSourcePages(openScan({ root: join(dir, 'scans'), scanId: 'book' }), [{ png }, { png }]);
    const ocr = scan.stage(OCR_STAGE, { schema: OcrPageSchema });
    await ocr.savePage(1, smallPage(1, [[['A first page.']]]), { pageNum: 1, processingTimeSeconds: 0, costUsd: 0 });
    await ocr.savePage(2, smallPage(2, [[['A second page.']]]), { pageNum: 2, processingTimeSeconds: 0, costUsd: 0 });
    await ocr.checkpoint.markStageComplete({});
    await ocr.writeFile('report.csv', 'pageNum,meanConfidence\n1,0.9\n');
  });
  afterAll(() => remove());

  async function loaded(args: string[]): Promise<{ code: number | null; stdout: string; npm: Set<string>; workspace: Set<string>; urls: string[] }> {
    const log = join(dir, `loaded-${args[0]}.log`);
    await writeFile(log, '');
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((done, fail) => {
      const child = spawn(process.execPath, ['--import', pathToFileURL(join(dir, 'hook.mjs')).href, bin, ...args], {
        env: { PATH: process.env.PATH, LOADED_LOG: log },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk));
      child.on('error', fail);
      child.on('close', (exit) => done({ code: exit, stdout: out }));
    });
    const urls = (await readFile(log, 'utf8')).split('\n').filter(Boolean);
    return { code, stdout, urls, ...packagesOf(urls) };
  }

  it.each([
    ['status', ['status', 'book', '--root', 'ROOT']],
    ['report', ['report', 'book', '--stage', 'ocr', '--root', 'ROOT']],
    ['--help', ['--help']],
    ['run --help', ['run', '--help']],
    ['run --stages merge', ['run', '--stages', 'merge', '--scan-id', 'book', '--root', 'ROOT', '--clean']],
  ])('%s', async (_name, template) => {
    const run = await loaded(template.map((a) => (a === 'ROOT' ? join(dir, 'scans') : a)));
    expect(run.code).toBe(0);
    // The hook saw the modules the command does use: an empty record would pass the checks below.
    expect(run.npm).toContain('commander');
    if (template[0] === 'status' || template[0] === 'report') {
      expect(run.workspace).toContain('storage');
      expect(run.stdout).toMatch(/ocr|pageNum/);
    }
    if (template[0] === 'run' && template[1] === '--stages') {
      // Merge alone: its own package and the text tools, not the image, OCR and LLM stacks of the stages
      // before it (llm-batch's adapters import their SDK on the first request, not with the package).
      expect(run.workspace).toContain('stage-merge');
      for (const name of HEAVY) expect(run.npm, `${name} was loaded`).not.toContain(name);
      // node:http as an ES module loads undici with it (20-60 ms): only an LLM request needs it.
      expect(run.urls).not.toContain('node:http');
      for (const name of ['source', 'stage-ocr', 'stage-correction', 'stage-label', 'view', 'eval']) {
        expect(run.workspace, `@bookpipe/${name} was loaded`).not.toContain(name);
      }
      return;
    }
    for (const name of HEAVY) expect(run.npm, `${name} was loaded`).not.toContain(name);
    for (const name of STAGE_PACKAGES) expect(run.workspace, `@bookpipe/${name} was loaded`).not.toContain(name);
    // Help reads no scan: commander and the CLI's own modules only.
    if (template.includes('--help')) expect([...run.workspace].sort()).toEqual(['cli']);
  });
});
