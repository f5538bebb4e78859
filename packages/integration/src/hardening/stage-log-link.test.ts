/**
 * Issue 15: a stage's log is never written through a symbolic link. A `<stage>/logs` that is a link
 * fails that stage alone, with a message naming the link; the other stages run; nothing appears where
 * the link points. On main before the fix the logger's failure escaped the stage (the whole run
 * rejected before any stage started) and a log file that was a link was appended through.
 */
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BookpipeError, createLogger, ErrorCode, loadConfig, Pipeline, type PipelineResult } from '@bookpipe/core';
import { openScan } from '@bookpipe/storage';
import { describe, expect, it } from 'vitest';
import { CountingStage, tempRoot } from '../helpers.js';

const config = loadConfig({});

describe("a stage's log and symbolic links", () => {
  it('a logs/ folder that is a link fails that stage alone, naming the link; nothing is written where it points', async () => {
    await using tmp = await tempRoot();
    const outside = join(tmp.root, 'outside');
    await mkdir(outside);
    const scan = openScan({ root: join(tmp.root, 'scans'), scanId: 'book' });
    await scan.init();
    await scan.updateMetadata({ totalPages: 3 });
    await mkdir(join(scan.dir, 'right'));
    const link = join(scan.dir, 'right', 'logs');
    await symlink(outside, link);

    const left = new CountingStage({ name: 'left' });
    const right = new CountingStage({ name: 'right' });
    const error = await new Pipeline({ scan, stages: [left, right], config }).run().catch((e: unknown) => e);
    expect(BookpipeError.isInstance(error) && error.code).toBe(ErrorCode.STAGE_FAILED);
    const result = (error as BookpipeError).details.result as PipelineResult;
    expect(result.stages.left).toMatchObject({ status: 'done', stats: { pagesProcessed: 3 } });
    expect(result.stages.right).toMatchObject({ status: 'failed' });
    const message = (result.stages.right as { error: string }).error;
    expect(message).toContain(`${link} (scan "book", stage "right") is a symbolic link (to ${outside})`);
    expect(message).toContain(`rm ${link}`);
    expect(right.processed).toEqual([]);
    expect(await readdir(outside)).toEqual([]);
    // The other stage logged as usual.
    expect((await readdir(join(scan.dir, 'left', 'logs'))).length).toBe(1);
  });

  it('a log file replaced by a link after the logger was made is not appended through', async () => {
    await using tmp = await tempRoot();
    const target = join(tmp.root, 'precious.txt');
    await writeFile(target, 'a user file\n');
    const logs = join(tmp.root, 'logs');
    const file = join(logs, 'ocr.jsonl');
    const problems: unknown[] = [];
    const logger = createLogger({ destination: file, bindings: { scanId: 'book', stage: 'ocr' }, onWriteError: (e) => problems.push(e) });
    logger.info('first');
    const { rm } = await import('node:fs/promises');
    await rm(file);
    await symlink(target, file);
    logger.info('second');
    expect(await readFile(target, 'utf8')).toBe('a user file\n');
    expect(problems).toHaveLength(1);
    expect((problems[0] as Error).message).toContain(`${file} (scan "book", stage "ocr") is a symbolic link (to ${target})`);
  });

  it('a logger whose folder is a link refuses at once', async () => {
    await using tmp = await tempRoot();
    const outside = join(tmp.root, 'outside');
    await mkdir(outside);
    await symlink(outside, join(tmp.root, 'logs'));
    expect(() => createLogger({ destination: join(tmp.root, 'logs', 'x.jsonl') })).toThrow(/is a symbolic link \(to .*outside\)/);
    expect(await readdir(outside)).toEqual([]);
  });
});
