import { readdir, readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';

// What makes an example a standalone app, checked by standalone.slow.test.ts before it installs one.

export interface PackageJson {
  name: string;
  private?: boolean;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  overrides?: Record<string, string>;
}

/** The bare package names the app's sources import (type imports included), tests left out. */
export async function importedPackages(src: string): Promise<Set<string>> {
  const names = new Set<string>();
  for (const entry of await readdir(src, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.test.ts')) continue;
    const text = await readFile(join(entry.parentPath, entry.name), 'utf8');
    for (const match of text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm)) {
      const specifier = match[1]!;
      if (specifier.startsWith('.') || specifier.startsWith('node:')) {
        if (specifier.startsWith('.') && relative(src, resolve(entry.parentPath, specifier)).startsWith('..')) names.add(`(outside the app) ${specifier}`);
        continue;
      }
      const parts = specifier.split('/');
      names.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!);
    }
  }
  return names;
}

/**
 * The example's package.json as it would be outside the monorepo: every @bookpipe package it depends on
 * from its tarball (and the ones those depend on, through `overrides`); devDependencies on private
 * packages (the tests' sample-book generator) dropped.
 * @throws naming a runtime dependency on a package that is not published
 */
export function standalonePackageJson(pkg: PackageJson, tarballs: ReadonlyMap<string, string>): PackageJson {
  const local = (deps: Record<string, string> | undefined, runtime: boolean) =>
    Object.fromEntries(
      Object.entries(deps ?? {}).flatMap(([name, range]) => {
        if (!range.startsWith('workspace:')) return [[name, range]];
        const tarball = tarballs.get(name);
        if (tarball) return [[name, `file:${tarball}`]];
        if (runtime)
          throw new Error(`${pkg.name} depends on ${name}, which is not published (private or unknown): an app outside the monorepo cannot install it.`);
        return [];
      }),
    );
  return {
    ...pkg,
    dependencies: local(pkg.dependencies, true),
    devDependencies: local(pkg.devDependencies, false),
    overrides: Object.fromEntries([...tarballs].map(([name, tarball]) => [name, `file:${tarball}`])),
  };
}
