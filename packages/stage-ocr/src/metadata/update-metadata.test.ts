import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ScanMetadata } from '@bookpipe/contracts';
import { openScan } from '@bookpipe/storage';
import { afterEach, describe, expect, it } from 'vitest';
import type { BookMetadataReading } from './book-metadata.js';
import { isUserValue, mergeMetadata, updateScanMetadata } from './update-metadata.js';

const base: ScanMetadata = { scanId: 'book', createdAt: '2026-11-29T00:00:00.000Z' };
const reading = (confidence: number, method: 'deterministic' | 'llm' = 'deterministic'): BookMetadataReading => ({
  title: { value: 'The Patient Page', confidence, evidence: { page: 1, line: 'THE PATIENT PAGE' }, method },
  year: { value: 1923, confidence, evidence: { page: 2, line: 'First published in 1923' }, method },
});

describe('mergeMetadata', () => {
  it('writes a confident value with its source, and leaves an unconfident one out', () => {
    const confident = mergeMetadata(base, reading(0.85), 0.7);
    expect(confident.next).toMatchObject({ title: 'The Patient Page', year: 1923 });
    expect(confident.next.metadataSources?.title).toEqual({
      method: 'deterministic',
      confidence: 0.85,
      page: 1,
      line: 'THE PATIENT PAGE',
      value: 'The Patient Page',
    });
    const unsure = mergeMetadata(base, reading(0.69), 0.7);
    expect(unsure.next).toEqual(base);
    expect(unsure.decisions.map((d) => d.action)).toEqual(['unconfident', 'unconfident']);
  });

  it("keeps the user's value: set without a source, marked as the user's, or edited by hand since it was read", () => {
    const byUser = { ...base, title: 'My Title' };
    expect(isUserValue(byUser, 'title')).toBe(true);
    expect(mergeMetadata(byUser, reading(0.95), 0.7).next.title).toBe('My Title');
    const marked = { ...base, year: 1950, metadataSources: { year: { method: 'user' as const } } };
    expect(mergeMetadata(marked, reading(0.95), 0.7).next.year).toBe(1950);
    const read = mergeMetadata(base, reading(0.8), 0.7).next;
    const edited = { ...read, title: 'The Patient Page (2nd ed.)' };
    const again = mergeMetadata(edited, reading(0.9), 0.7);
    expect(again.next.title).toBe('The Patient Page (2nd ed.)');
    expect(again.decisions.find((d) => d.field === 'title')!.action).toBe('kept-user');
    // An empty value is not a user's choice.
    expect(isUserValue({ ...base, title: null }, 'title')).toBe(false);
  });

  it('replaces an earlier reading only with a more confident one, or with the model over the heuristics; the same reading changes nothing', () => {
    const first = mergeMetadata(base, reading(0.9), 0.7).next;
    const lower: BookMetadataReading = { title: { value: 'Another', confidence: 0.75, evidence: { page: 1, line: 'ANOTHER' }, method: 'deterministic' } };
    expect(mergeMetadata(first, lower, 0.7).decisions[0]!.action).toBe('kept-previous');
    const fromModel: BookMetadataReading = {
      title: { value: 'The Patient Page: An Essay', confidence: 0.8, evidence: { page: 1, line: 'x' }, method: 'llm', model: 'm' },
    };
    expect(mergeMetadata(first, fromModel, 0.7).next.title).toBe('The Patient Page: An Essay');
    const same = mergeMetadata(first, reading(0.9), 0.7);
    expect(same.next).toEqual(first);
    expect(same.changed).toBe(false);
    expect(same.decisions.every((d) => d.action === 'written')).toBe(true);
  });
});

describe('updateScanMetadata', () => {
  let root: string | undefined;
  afterEach(() => (root ? rm(root, { recursive: true, force: true }) : undefined));

  it('writes metadata.json through BookStorage, keeps unknown fields, and leaves the file untouched on a rerun', async () => {
    root = await mkdtemp(path.join(tmpdir(), 'bookpipe-metadata-'));
    const scan = openScan({ root, scanId: 'book' });
    await scan.init();
    await scan.updateMetadata({ author: 'Set By Hand', totalPages: 5, ...({ shelfMark: 'A 12' } as object) });
    const decisions = await updateScanMetadata(
      scan,
      { ...reading(0.8), author: { value: 'Margaret Hale', confidence: 0.9, evidence: { page: 1, line: 'by Margaret Hale' }, method: 'deterministic' } },
      0.7,
    );
    expect(decisions.map((d) => [d.field, d.action])).toEqual([
      ['title', 'written'],
      ['author', 'kept-user'],
      ['year', 'written'],
    ]);
    const file = path.join(scan.dir, 'metadata.json');
    const written = JSON.parse(await readFile(file, 'utf8'));
    expect(written).toMatchObject({ title: 'The Patient Page', author: 'Set By Hand', year: 1923, totalPages: 5, shelfMark: 'A 12' });
    expect(written.metadataSources.author).toBeUndefined();
    const bytes = await readFile(file, 'utf8');
    await updateScanMetadata(scan, reading(0.8), 0.7);
    expect(await readFile(file, 'utf8')).toBe(bytes);
  });

  // Regression (crash matrix, ocr case): after() runs again when a kill lands between its metadata.json
  // update and the stage's completion. The decisions go into ocr/book-metadata.json, so the second run
  // must decide as the first did ("written"), not "unchanged", or the file depends on where the kill fell.
  it('gives the same decisions when run again on metadata.json it already updated, and writes nothing then', async () => {
    root = await mkdtemp(path.join(tmpdir(), 'bookpipe-metadata-'));
    const scan = openScan({ root, scanId: 'book' });
    await scan.init();
    const language: BookMetadataReading = {
      language: { value: 'en', confidence: 0.9, evidence: { page: 1, line: 'stopwords: 40% of 865 words (eng)' }, method: 'deterministic' },
    };
    const both = {
      ...reading(0.8),
      ...language,
      publisher: { value: 'Hale & Co', confidence: 0.5, evidence: { page: 2, line: 'Hale & Co' }, method: 'deterministic' as const },
    };
    const first = await updateScanMetadata(scan, both, 0.7);
    const file = path.join(scan.dir, 'metadata.json');
    const bytes = await readFile(file, 'utf8');
    const again = await updateScanMetadata(scan, both, 0.7);
    expect(again).toEqual(first);
    expect(first.map((d) => [d.field, d.action])).toEqual([
      ['title', 'written'],
      ['year', 'written'],
      ['publisher', 'unconfident'],
      ['language', 'written'],
    ]);
    expect(await readFile(file, 'utf8')).toBe(bytes);
  });

  it('updates the source when the same value is read again with other evidence (the OCR was redone)', async () => {
    root = await mkdtemp(path.join(tmpdir(), 'bookpipe-metadata-'));
    const scan = openScan({ root, scanId: 'book' });
    await scan.init();
    await updateScanMetadata(scan, reading(0.8), 0.7);
    const redone: BookMetadataReading = {
      title: { value: 'The Patient Page', confidence: 0.85, evidence: { page: 3, line: 'THE PATIENT PAGE.' }, method: 'deterministic' },
    };
    expect((await updateScanMetadata(scan, redone, 0.7)).map((d) => d.action)).toEqual(['written']);
    expect((await scan.readMetadata()).metadataSources?.title).toMatchObject({ page: 3, line: 'THE PATIENT PAGE.', confidence: 0.85 });
  });
});
