import type { Paragraph } from './paragraph-keywords.js';

/**
 * The paragraphs of a plain text file: `# Title` starts a chapter, blank lines separate paragraphs, and
 * the lines of a paragraph are joined with spaces. Ids are `ch<chapter>-<paragraph>`, both 1-based
 * (`ch0-…` for text before the first heading).
 */
export function parseParagraphs(text: string): Paragraph[] {
  const paragraphs: Paragraph[] = [];
  let chapter = { index: 0, title: '' };
  let count = 0;
  let lines: string[] = [];
  const flush = () => {
    if (lines.length > 0) paragraphs.push({ id: `ch${chapter.index}-${++count}`, chapter: chapter.title, text: lines.join(' ') });
    lines = [];
  };
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const heading = /^#\s+(.*)$/.exec(line);
    if (heading) {
      flush();
      chapter = { index: chapter.index + 1, title: heading[1]! };
      count = 0;
    } else if (line === '') {
      flush();
    } else {
      lines.push(line);
    }
  }
  flush();
  return paragraphs;
}
