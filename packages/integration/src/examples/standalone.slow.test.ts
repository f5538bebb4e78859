/**
 * The examples are standalone apps: each one, copied out of the repository, installs with npm against the
 * packed @bookpipe packages (what `npm publish` would upload; `pnpm pack` turns `workspace:^` into real
 * ranges), type-checks with its own tsconfig.json and runs on the sample book.
 *
 * It fails when an example imports a package its package.json does not declare (checked from the
 * sources: npm's flat node_modules would let such an import resolve through another package), depends
 * on a private package (no tarball: the app's package.json is refused), or reaches into the monorepo
 * (the copy has none of it: tsconfig.base.json, a relative import out of the folder).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { generateSampleBook } from '@bookpipe/testkit/sample-book';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importedPackages, type PackageJson, standalonePackageJson } from './standalone-app.js';

const repoRoot = resolve(import.meta.dirname, '../../../..');
// npm from PATH, as a user runs it (process.execPath may be a node installed without npm beside it).
const npm = 'npm';

interface Run {
  code: number | null;
  output: string;
}

/** Runs a command to its end; stdout and stderr together, for the failure message. */
function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    child.on('error', fail);
    child.on('close', (code) => done({ code, output }));
  });
}

async function check(step: string, result: Promise<Run>): Promise<string> {
  const { code, output } = await result;
  if (code !== 0) throw new Error(`${step} exited with ${code}:\n${output.slice(-6000)}`);
  return output;
}

/**
 * The environment of a user's shell: none of the variables pnpm, npm or bookpipe set for this test run
 * (npm_config_* would reconfigure npm; API keys would switch the LLM stages on).
 */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const kept = Object.entries(process.env).filter(([name]) => !/^(npm_|pnpm_|PNPM_|BOOKPIPE_|VITEST|NODE_OPTIONS$)|_API_KEY$/i.test(name));
  return { ...Object.fromEntries(kept), ...extra };
}

const readJson = async <T>(path: string): Promise<T> => JSON.parse(await readFile(path, 'utf8')) as T;

describe('the examples, copied out of the repository, against the packed packages', () => {
  let work: string;
  let pdf: string;
  const tarballs = new Map<string, string>();

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bookpipe-standalone-'));
    expect(relative(repoRoot, work).startsWith('..')).toBe(true);
    pdf = (await generateSampleBook(join(work, 'sample-book.pdf'))).path;
    // Every publishable package, packed as `npm publish` would upload it.
    for (const dir of await readdir(join(repoRoot, 'packages'))) {
      const folder = join(repoRoot, 'packages', dir);
      if (!existsSync(join(folder, 'package.json'))) continue;
      const pkg = await readJson<PackageJson>(join(folder, 'package.json'));
      if (pkg.private) continue;
      if (!existsSync(join(folder, 'dist'))) throw new Error(`${pkg.name} has no dist/: run \`pnpm build\` before this test.`);
      const out = join(work, 'tarballs', dir);
      await mkdir(out, { recursive: true });
      await check(`pnpm pack of ${pkg.name}`, run('pnpm', ['pack', '--pack-destination', out], folder, process.env));
      const [file] = (await readdir(out)).filter((name) => name.endsWith('.tgz'));
      tarballs.set(pkg.name, join(out, file!));
    }
  }, 180_000);
  afterAll(() => (work ? rm(work, { recursive: true, force: true }) : undefined));

  /** Copies the example out, installs it with npm, and type-checks it with its own tsconfig.json. */
  async function install(example: string): Promise<string> {
    const app = join(work, 'apps', example);
    await cp(join(repoRoot, 'examples', example), app, { recursive: true, filter: (source) => !/[/\\](node_modules|scans)$/.test(source) });
    const pkg = await readJson<PackageJson>(join(app, 'package.json'));
    const undeclared = [...(await importedPackages(join(app, 'src')))].filter((name) => pkg.dependencies?.[name] === undefined);
    expect(undeclared, `imported by ${example}/src but not in its dependencies`).toEqual([]);
    const tsconfig = await readFile(join(app, 'tsconfig.json'), 'utf8');
    expect(tsconfig, 'a tsconfig of its own').not.toMatch(/"extends"/);
    await writeFile(join(app, 'package.json'), `${JSON.stringify(standalonePackageJson(pkg, tarballs), null, 2)}\n`);
    await check(`npm install in ${example}`, run(npm, ['install', '--no-audit', '--no-fund', '--loglevel=error'], app, userEnv()));
    await check(
      `tsc -p tsconfig.json in ${example}`,
      run(process.execPath, [join(app, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], app, userEnv()),
    );
    return app;
  }

  it('offline-pipeline: installs, type-checks and writes book.md under its own scans/', async () => {
    const app = await install('offline-pipeline');
    const output = await check('npm start', run(npm, ['start', '--', pdf], app, userEnv({ BOOKPIPE_OCR_WORKERS: '2' })));
    const bookMd = join(app, 'scans', 'sample-book', 'merge', 'book.md');
    expect(output).toContain(`book.md: ${bookMd}`);
    expect(await readFile(bookMd, 'utf8')).toContain(
      'A book that has waited a hundred years on a shelf can wait a few minutes more while we read it properly.',
    );
  }, 600_000);

  it('custom-stage: installs, type-checks and writes its reading statistics', async () => {
    const app = await install('custom-stage');
    const root = join(work, 'custom-scans');
    const output = await check('npm start', run(npm, ['start', '--', pdf], app, userEnv({ BOOKPIPE_OCR_WORKERS: '2', BOOKPIPE_ROOT: root })));
    const summary = join(root, 'sample-book', 'reading-stats', 'summary.json');
    expect(output).toContain(`Reading statistics: ${summary}`);
    expect((await readJson<{ words: number }>(summary)).words).toBeGreaterThan(600);
  }, 600_000);

  it('full-pipeline: installs, type-checks, and without a key says so and writes book.md', async () => {
    const app = await install('full-pipeline');
    const output = await check('npm start', run(npm, ['start', '--', pdf], app, userEnv({ BOOKPIPE_OCR_WORKERS: '2' })));
    expect(output).toContain(
      'correction and label: without an LLM (no OPENAI_API_KEY, ANTHROPIC_API_KEY or OPENROUTER_API_KEY in the environment and no BOOKPIPE_BASE_URL)',
    );
    expect(output).toContain(`book.md: ${join(app, 'scans', 'sample-book', 'merge', 'book.md')}`);
  }, 600_000);

  it('llm-batch-only: installs, type-checks and indexes its sample text offline', async () => {
    const app = await install('llm-batch-only');
    const output = await check('npm start', run(npm, ['start'], app, userEnv()));
    expect(output).toMatch(/16 paragraphs indexed, 0 failed/);
  }, 300_000);
});
