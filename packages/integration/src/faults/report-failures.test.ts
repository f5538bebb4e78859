/**
 * report.csv lists the pages that failed, with their reason, beside the finished ones (core's
 * writeReport from the journal), and drops them once a rerun has done them.
 */
import { loadConfig, Pipeline, silentLogger } from '@bookpipe/core';
import { openScan } from '@bookpipe/storage';
import { describe, expect, it } from 'vitest';
import { CountingStage, tempRoot } from '../helpers.js';

describe('report.csv and failed pages', () => {
  it('has a failed row with the reason for each failed page, and loses it when a rerun does the page', async () => {
    await using tmp = await tempRoot();
    const scan = openScan({ root: tmp.root, scanId: 'book' });
    await scan.init();
    await scan.updateMetadata({ totalPages: 4 });
    const config = loadConfig({});
    await new Pipeline({ scan, config, logger: silentLogger, stages: [new CountingStage({ name: 'a', failPages: [2, 4] })] }).run();
    const first = (await scan.stage('a').readFile('report.csv')).trim().split('\n');
    expect(first[0]).toBe('pageNum,processingTimeSeconds,costUsd,status,error');
    expect(first.slice(1)).toEqual(['1,0.001,0,done,', '2,,,failed,planted failure on page 2', '3,0.001,0,done,', '4,,,failed,planted failure on page 4']);

    await new Pipeline({ scan, config, logger: silentLogger, stages: [new CountingStage({ name: 'a' })] }).run();
    expect(await scan.stage('a').readFile('report.csv')).toBe('pageNum,processingTimeSeconds,costUsd\n1,0.001,0\n2,0.001,0\n3,0.001,0\n4,0.001,0\n');
  });
});
