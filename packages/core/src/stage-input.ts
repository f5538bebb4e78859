import { BUILTIN_STAGE_PAGES, type BuiltinStageName, type PageFormat, pageFormatOf } from '@bookpipe/contracts';
import type { ZodType } from 'zod';
import { BookpipeError, ErrorCode } from './errors.js';
import type { PageReadCache } from './page-read-cache.js';
import type { BookStorage, StageStorage } from './storage.js';

/**
 * A dependency as a stage declares it in `dependencies`: the stage's name, or an object saying more.
 * A built-in stage's format and schema come from `BUILTIN_STAGE_PAGES` (@bookpipe/contracts), so
 * `'ocr'` alone is enough; a user's own stage is JSON unless `format` says otherwise.
 *
 * @example
 * readonly dependencies = ['ocr', { stage: 'label', optional: true }, { stage: 'reading-stats', schema: ReadingStatsPageSchema }];
 */
export type DependencyDeclaration =
  | string
  | {
      readonly stage: string;
      /** What its JSON page files hold; `input(stage).load()` validates against it. @default the built-in stage's schema, else any JSON */
      readonly schema?: ZodType;
      /** How its page files are stored. @default the built-in stage's format, else "json" */
      readonly format?: PageFormat;
      /**
       * Read when there, not required. In a pipeline holding that stage it runs first (and a failure
       * there stops this stage, as for a required one); outside the pipeline it is read when it is
       * complete in the scan, and left out otherwise. `input(stage).available` says which.
       * @default false
       */
      readonly optional?: boolean;
    };

/** A dependency with every default filled in. */
export interface Dependency {
  readonly stage: string;
  readonly format: PageFormat;
  readonly schema?: ZodType | undefined;
  readonly optional: boolean;
}

/** A declaration with the built-in stage's format and schema (or JSON, no schema) filled in. */
export function resolveDependency(declaration: DependencyDeclaration): Dependency {
  const d = typeof declaration === 'string' ? { stage: declaration } : declaration;
  const builtin = d.stage in BUILTIN_STAGE_PAGES ? BUILTIN_STAGE_PAGES[d.stage as BuiltinStageName] : undefined;
  return { stage: d.stage, format: d.format ?? pageFormatOf(d.stage), schema: d.schema ?? builtin?.schema, optional: d.optional ?? false };
}

/** Every dependency of a stage, resolved, in declaration order. */
export function dependenciesOf(stage: { readonly dependencies: readonly DependencyDeclaration[] }): Dependency[] {
  return stage.dependencies.map(resolveDependency);
}

/**
 * The page files of one dependency, read the way its declaration says: `load()` parses and validates
 * a JSON page against its schema (or returns an image page's bytes), so no reader restates a format
 * or a schema.
 */
export interface StageInput<Page = unknown> {
  readonly stage: string;
  readonly format: PageFormat;
  readonly optional: boolean;
  /**
   * Whether this stage reads the dependency in this run: always for a required one (`before()` has
   * checked it has pages); for an optional one, when it is in the pipeline or complete in the scan.
   */
  readonly available: boolean;
  /** The dependency's folder, for what the reader does not cover (its stage-level files). */
  readonly storage: StageStorage;
  /** Page numbers that have a page file. */
  listPages(): Promise<number[]>;
  /** Whether it has at least one page file. */
  hasPages(): Promise<boolean>;
  /** Whether it completed in the scan (its journal says so). */
  isComplete(): Promise<boolean>;
  /** Path of a page file: `<stage>/page_0001.png`. */
  pagePath(page: number): string;
  /** One page: validated JSON, or the bytes of an image page. @throws BookpipeError naming the file when it is missing or invalid. */
  load(page: number): Promise<Page>;
  /** Raw bytes of a page file (an image page checked against the checksum journalled when it was written). */
  loadBytes(page: number): Promise<Uint8Array>;
  /**
   * Checks one page file the way `load` would (an image page against its journalled checksum), for a
   * reader that hands the file's path to someone else (the OCR engine reads the image by path).
   * @throws BookpipeError PAGE_INVALID or DEPENDENCY_MISSING naming the file and the stage to run again.
   */
  verify(page: number): Promise<void>;
}

/**
 * The reader of a dependency's pages in `scan`. `available` is the caller's knowledge (see StageInput).
 * With `reads` (the run's `PageReadCache`), a JSON page is read and validated once for the whole run and
 * the same frozen value handed to every stage that loads it; `verify` still reads the file.
 */
export function openStageInput<Page = unknown>(
  scan: BookStorage,
  declaration: DependencyDeclaration,
  available = true,
  reads?: PageReadCache,
): StageInput<Page> {
  const dependency = resolveDependency(declaration);
  const storage = scan.stage(dependency.stage, { pageFormat: dependency.format });
  return {
    stage: dependency.stage,
    format: dependency.format,
    optional: dependency.optional,
    available,
    storage,
    listPages: () => storage.listPages(),
    hasPages: async () => (await storage.listPages()).length > 0,
    isComplete: () => storage.checkpoint.isComplete(),
    pagePath: (page) => storage.pagePath(page),
    load: async (page) => {
      if (dependency.format !== 'json') return (await storage.loadPageBytes(page)) as Page;
      const schema = dependency.schema as ZodType<Page> | undefined;
      return reads ? reads.get(dependency.stage, page, schema, () => storage.loadPage(page, schema)) : storage.loadPage(page, schema);
    },
    loadBytes: (page) => storage.loadPageBytes(page),
    verify: async (page) => {
      if (dependency.format === 'json') await storage.loadPage(page, dependency.schema);
      else await storage.loadPageBytes(page);
    },
  };
}

/** The error of `ctx.input(name)` for a stage the reading stage did not declare. */
export function undeclaredInput(stage: string, dependency: string): BookpipeError {
  return new BookpipeError(
    ErrorCode.GRAPH_INVALID,
    `Stage "${stage}" reads the pages of stage "${dependency}" but does not declare it: add "${dependency}" (or { stage: "${dependency}", optional: true }) to its dependencies, so that the pipeline runs it first.`,
    { details: { stage, dependency } },
  );
}
