import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importedPackages, standalonePackageJson } from './standalone-app.js';

describe('what makes an example a standalone app', () => {
  let app: string;
  beforeAll(async () => {
    app = await mkdtemp(join(tmpdir(), 'bookpipe-standalone-app-'));
    await mkdir(join(app, 'src', 'lib'), { recursive: true });
    await writeFile(
      join(app, 'src', 'main.ts'),
      [
        "import { readFile } from 'node:fs/promises';",
        "import { createBookPipeline } from '@bookpipe/book-pipeline';",
        "import type { Config } from '@bookpipe/core';",
        "import { z } from 'zod';",
        "import './lib/side-effect.js';",
        "import { helper } from '../../shared/helper.js';",
        "const late = await import('@bookpipe/llm-batch/testing');",
      ].join('\n'),
    );
    await writeFile(join(app, 'src', 'lib', 'side-effect.ts'), "import 'tsx/esm';\n");
    await writeFile(join(app, 'src', 'main.test.ts'), "import { generateSampleBook } from '@bookpipe/testkit/sample-book';\n");
  });
  afterAll(() => rm(app, { recursive: true, force: true }));

  it('lists every package the sources import, subpaths folded, tests left out, and imports from outside the folder', async () => {
    expect([...(await importedPackages(join(app, 'src')))].sort()).toEqual(
      ['(outside the app) ../../shared/helper.js', '@bookpipe/book-pipeline', '@bookpipe/core', '@bookpipe/llm-batch', 'tsx', 'zod'].sort(),
    );
  });

  it('points @bookpipe packages at their tarballs, drops private devDependencies, and refuses a private dependency', () => {
    const tarballs = new Map([
      ['@bookpipe/core', '/t/core.tgz'],
      ['@bookpipe/contracts', '/t/contracts.tgz'],
    ]);
    const pkg = {
      name: 'app',
      dependencies: { '@bookpipe/core': 'workspace:^', zod: '^4.6.7' },
      devDependencies: { '@bookpipe/testkit': 'workspace:*', typescript: '~5.9.3' },
    };
    expect(standalonePackageJson(pkg, tarballs)).toEqual({
      name: 'app',
      dependencies: { '@bookpipe/core': 'file:/t/core.tgz', zod: '^4.6.7' },
      devDependencies: { typescript: '~5.9.3' },
      overrides: { '@bookpipe/core': 'file:/t/core.tgz', '@bookpipe/contracts': 'file:/t/contracts.tgz' },
    });
    expect(() => standalonePackageJson({ name: 'app', dependencies: { '@bookpipe/testkit': 'workspace:*' } }, tarballs)).toThrow(
      'app depends on @bookpipe/testkit, which is not published (private or unknown): an app outside the monorepo cannot install it.',
    );
  });
});
