import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Every pending changeset must be one `changeset version` can read: front matter between two `---` lines
 * naming published workspace packages with a bump. A formatter once rewrote `'@bookpipe/cli': minor` above
 * the closing `---` as a Markdown heading (`## '@bookpipe/cli': minor`), which the changesets parser
 * refuses, so the release step failed; `.changeset/` is now outside Biome and this test keeps it readable.
 */
const repoRoot = path.resolve(import.meta.dirname, '../../../..');
const changesetDir = path.join(repoRoot, '.changeset');

function publishedPackages(): Set<string> {
  const names = new Set<string>();
  for (const folder of readdirSync(path.join(repoRoot, 'packages'))) {
    let manifest: { name?: string; private?: boolean };
    try {
      manifest = JSON.parse(readFileSync(path.join(repoRoot, 'packages', folder, 'package.json'), 'utf8'));
    } catch {
      continue;
    }
    if (manifest.name && manifest.private !== true) names.add(manifest.name);
  }
  return names;
}

/** The problems of one changeset's text, empty when `changeset version` would read it. */
function changesetProblems(text: string, published: ReadonlySet<string>): string[] {
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n([\s\S]*)$/.exec(text);
  if (!match) return ['no front matter: the file must start with a `---` line and close it with another'];
  const problems: string[] = [];
  const lines = match[1]!.split(/\r?\n/).filter((line) => line.trim() !== '');
  if (lines.length === 0) problems.push('the front matter names no package');
  for (const line of lines) {
    const entry = /^(["'])(@?[\w./-]+)\1:\s*(major|minor|patch)\s*$/.exec(line);
    if (!entry) problems.push(`front matter line ${JSON.stringify(line)} is not \`"<package>": major|minor|patch\``);
    else if (!published.has(entry[2]!)) problems.push(`${entry[2]} is no published package of this repository`);
  }
  if (match[2]!.trim() === '') problems.push('no summary after the front matter');
  return problems;
}

describe('pending changesets', () => {
  const published = publishedPackages();

  it('the checker refuses a front matter turned into a heading, an unknown package and a missing summary', () => {
    expect(changesetProblems('---\n"@bookpipe/core": minor\n---\n\nA change.\n', published)).toEqual([]);
    expect(changesetProblems("---\n\n## '@bookpipe/cli': minor\n\nA change.\n", published)).toEqual([expect.stringMatching(/^no front matter/)]);
    expect(changesetProblems('---\n"@bookpipe/nope": patch\n---\n\nA change.\n', published)).toEqual([
      '@bookpipe/nope is no published package of this repository',
    ]);
    expect(changesetProblems('---\n"@bookpipe/core": minor\n---\n', published)).toEqual(['no summary after the front matter']);
  });

  it('every .changeset/*.md is one `changeset version` reads', () => {
    const files = readdirSync(changesetDir).filter((name) => name.endsWith('.md') && name !== 'README.md');
    expect(files.length).toBeGreaterThan(0);
    const problems = files.flatMap((name) =>
      changesetProblems(readFileSync(path.join(changesetDir, name), 'utf8'), published).map((p) => `.changeset/${name}: ${p}`),
    );
    expect(problems).toEqual([]);
  });
});
