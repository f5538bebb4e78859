import { describe, expect, it } from 'vitest';
import { parseParagraphs } from './paragraphs.js';

describe('parseParagraphs', () => {
  it('numbers paragraphs within chapters and joins their lines', () => {
    const text = 'Before any heading.\n\n# The First\n\nOne line\nand its second.\n\n\nTwo.\n# The Second\nThree.\n';
    expect(parseParagraphs(text)).toEqual([
      { id: 'ch0-1', chapter: '', text: 'Before any heading.' },
      { id: 'ch1-1', chapter: 'The First', text: 'One line and its second.' },
      { id: 'ch1-2', chapter: 'The First', text: 'Two.' },
      { id: 'ch2-1', chapter: 'The Second', text: 'Three.' },
    ]);
  });
});
