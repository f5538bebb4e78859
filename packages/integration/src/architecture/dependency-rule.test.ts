import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The dependency rule of docs/DESIGN.md, checked on every package.json and every import:
 * contracts at the bottom; core, llm-batch beside it; storage and text on them; the stage kit on those;
 * stages side by side on the kit (no stage imports another stage); tools (eval, view, book-pipeline)
 * on top; the cli above everything; nothing imports the cli.
 */
const repoRoot = path.resolve(import.meta.dirname, '../../../..');

/** The bookpipe packages each published package may depend on (dependencies, devDependencies, peers, imports). */
const ALLOWED: Record<string, readonly string[]> = {
  contracts: [],
  'llm-batch': [],
  core: ['contracts'],
  storage: ['contracts', 'core'],
  // The object-storage backend shares the filesystem backend's pure helpers (page validation, stage.json, clean rules).
  'storage-s3': ['contracts', 'core', 'storage'],
  text: ['contracts'],
  kit: ['contracts', 'core', 'llm-batch', 'text'],
  source: ['contracts', 'core'],
  'stage-ocr': ['contracts', 'core', 'llm-batch', 'kit', 'text'],
  'stage-correction': ['contracts', 'core', 'llm-batch', 'kit', 'text'],
  'stage-label': ['contracts', 'core', 'llm-batch', 'kit', 'text'],
  'stage-merge': ['contracts', 'core', 'text'],
  eval: ['contracts', 'core', 'text'],
  view: ['contracts', 'core', 'text'],
  'book-pipeline': ['contracts', 'core', 'llm-batch', 'kit', 'source', 'stage-ocr', 'stage-correction', 'stage-label', 'stage-merge'],
  // The distributed runner builds its stages through book-pipeline; the OCR pool it keeps is stage-ocr's.
  // Its tests run it on S3 storage (storage-s3 is a test dependency only).
  'runner-bullmq': ['contracts', 'core', 'book-pipeline', 'stage-ocr', 'storage-s3'],
  cli: [
    'contracts',
    'core',
    'llm-batch',
    'storage',
    'storage-s3',
    'kit',
    'book-pipeline',
    'runner-bullmq',
    'source',
    'stage-ocr',
    'stage-correction',
    'stage-label',
    'stage-merge',
    'eval',
    'view',
  ],
};
/** Packages that only tests and tools use; they sit outside the layers but never inside a published package. */
const PRIVATE_HELPERS = ['testkit'];
/** Test-only dependencies a published package may have on top of ALLOWED (never a stage, never the cli). */
const TEST_ONLY = ['storage', 'testkit', 'llm-batch'];

const STAGES = ['source', 'stage-ocr', 'stage-correction', 'stage-label', 'stage-merge'];

interface Manifest {
  name: string;
  private?: boolean;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest;
}

const ours = (deps: Record<string, string> | undefined) =>
  Object.keys(deps ?? {})
    .filter((name) => name.startsWith('@bookpipe/'))
    .map((name) => name.slice('@bookpipe/'.length));

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry === 'dist') continue;
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...sourceFiles(full));
    else if (/\.(ts|mts|mjs|js)$/.test(entry)) out.push(full);
  }
  return out;
}

/** `@bookpipe/x` names imported (statically or dynamically) by a file, without subpaths. */
function importedPackages(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found = new Set<string>();
  for (const match of text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"]@bookpipe\/([a-z0-9-]+)/g)) found.add(match[1]!);
  return [...found];
}

const packagesDir = path.join(repoRoot, 'packages');
const packages = readdirSync(packagesDir)
  .filter((name) => statSync(path.join(packagesDir, name)).isDirectory())
  .map((folder) => ({ folder, dir: path.join(packagesDir, folder), manifest: readManifest(path.join(packagesDir, folder)) }));
const published = packages.filter((p) => !p.manifest.private);

describe('the dependency rule (docs/DESIGN.md)', () => {
  it('knows every published package', () => {
    const unknown = published.map((p) => p.folder).filter((folder) => !(folder in ALLOWED));
    expect(unknown, 'a new published package must be placed in a layer here and in docs/DESIGN.md').toEqual([]);
  });

  for (const { folder, dir, manifest } of published) {
    it(`${manifest.name} depends only on the layers below it`, () => {
      const allowed = ALLOWED[folder] ?? [];
      const runtime = [...ours(manifest.dependencies), ...ours(manifest.peerDependencies), ...ours(manifest.optionalDependencies)];
      expect(runtime.filter((dep) => !allowed.includes(dep))).toEqual([]);
      const dev = ours(manifest.devDependencies);
      expect(dev.filter((dep) => !allowed.includes(dep) && !TEST_ONLY.includes(dep))).toEqual([]);
      // Shipped code (not tests) imports only its runtime dependencies.
      const srcDir = path.join(dir, 'src');
      const bad: string[] = [];
      for (const file of sourceFiles(srcDir)) {
        const isTest = /\.test\.ts$/.test(file);
        for (const dep of importedPackages(file)) {
          if (dep === folder) continue;
          const ok = isTest ? allowed.includes(dep) || TEST_ONLY.includes(dep) : runtime.includes(dep);
          if (!ok) bad.push(`${path.relative(repoRoot, file)} imports @bookpipe/${dep}`);
        }
      }
      expect(bad).toEqual([]);
    });
  }

  it('no stage depends on another stage, not even for its tests', () => {
    const offences = packages
      .filter((p) => STAGES.includes(p.folder))
      .flatMap((p) =>
        [...ours(p.manifest.dependencies), ...ours(p.manifest.devDependencies), ...ours(p.manifest.peerDependencies)]
          .filter((dep) => STAGES.includes(dep) && dep !== p.folder)
          .map((dep) => `${p.manifest.name} -> @bookpipe/${dep}`),
      );
    expect(offences).toEqual([]);
  });

  it('contracts import nothing of ours and nothing imports the cli', () => {
    const contracts = packages.find((p) => p.folder === 'contracts')!;
    expect(sourceFiles(path.join(contracts.dir, 'src')).flatMap(importedPackages)).toEqual([]);
    const cliUsers = packages.filter((p) => p.folder !== 'cli' && sourceFiles(path.join(p.dir, 'src')).some((file) => importedPackages(file).includes('cli')));
    expect(cliUsers.map((p) => p.manifest.name)).toEqual([]);
  });

  it('private helpers are never a runtime dependency of a published package', () => {
    const offences = published.flatMap((p) =>
      ours(p.manifest.dependencies)
        .filter((dep) => PRIVATE_HELPERS.includes(dep))
        .map((dep) => `${p.manifest.name} -> @bookpipe/${dep}`),
    );
    expect(offences).toEqual([]);
  });
});
