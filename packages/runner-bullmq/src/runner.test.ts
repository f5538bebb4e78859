import { createServer } from 'node:net';
import { BookpipeError } from '@bookpipe/core';
import { describe, expect, it } from 'vitest';
import { jobIds, stageShape, upstreamOf } from './jobs.js';
import { connectRedis, redactRedisUrl } from './redis.js';

/** A loopback port nothing listens on: taken, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

describe('connectRedis', () => {
  it('an unreachable Redis is a clear error naming the URL (without its password) and the next step', async () => {
    const url = `redis://:s3cret@127.0.0.1:${await closedPort()}`;
    const error = await connectRedis(url).catch((e: unknown) => e);
    expect(BookpipeError.isInstance(error)).toBe(true);
    const message = (error as BookpipeError).message;
    expect(message).toContain(`Redis is unreachable at ${redactRedisUrl(url)}`);
    expect(message).toContain('redis-server');
    expect(message).not.toContain('s3cret');
  });

  it('refuses what is not a redis:// URL', async () => {
    await expect(connectRedis('127.0.0.1:6379')).rejects.toThrow(/is not a Redis URL: give redis:\/\/host:port/);
  });
});

describe('the job plan', () => {
  it('OCR pages always run a job each; correction and label only with a model (else one job for the book); merge whole', () => {
    expect(stageShape('ocr', { llm: false })).toEqual({ kind: 'pages', queue: 'ocr' });
    expect(stageShape('correction', { llm: true })).toEqual({ kind: 'pages', queue: 'llm' });
    expect(stageShape('label', { llm: false })).toEqual({ kind: 'whole' });
    expect(stageShape('merge', { llm: true })).toEqual({ kind: 'whole' });
  });

  it('merge waits for the correction and label stages of the plan only', () => {
    expect(upstreamOf('merge', { stages: ['ocr', 'label', 'merge'] })).toEqual(['ocr', 'label']);
    expect(upstreamOf('correction', { stages: ['ocr', 'correction'] })).toEqual(['ocr']);
  });

  it('job ids are fixed per book, stage and page, so a book queued twice is queued once', () => {
    expect(jobIds.page('my-book', 'ocr', 7)).toBe('my-book/ocr/page-0007');
    expect(jobIds.after('my-book', 'ocr')).toBe('my-book/ocr/after');
  });
});
