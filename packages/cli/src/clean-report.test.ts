import { describe, expect, it } from 'vitest';
import { describeClean } from './clean-report.js';

const base = { scanId: 'book', stage: 'merge', dir: '/s/book/merge' };

describe('describeClean: the one line clean and run --clean print', () => {
  it('names what went, that logs stay, and the files left because the stage did not write them', () => {
    expect(describeClean({ ...base, removedPages: 12, removed: ['book.md', 'checkpoint.jsonl'], kept: ['logs', 'notes.txt'] })).toBe(
      'Cleaned stage "merge" of scan "book" (/s/book/merge): removed 12 page files, book.md, checkpoint.jsonl; its logs are kept; ' +
        'left notes.txt, which the stage did not write: remove them yourself if they are not needed.',
    );
  });

  it('an empty stage, and long lists cut short', () => {
    expect(describeClean({ ...base, removedPages: 0, removed: [], kept: [] })).toBe(
      'Cleaned stage "merge" of scan "book" (/s/book/merge): nothing of the stage was there.',
    );
    const kept = Array.from({ length: 10 }, (_, i) => `f${i}`);
    expect(describeClean({ ...base, removedPages: 1, removed: [], kept })).toContain('left f0, f1, f2, f3, f4, f5, f6, f7 and 2 more, which');
  });
});
