import { BLOCK_CLASSES } from '@bookpipe/contracts';
import { describe, expect, it } from 'vitest';
import { BLOCK_CLASS_DEFINITIONS, LABEL_SYSTEM_PROMPT } from './label-prompt.js';

describe('LABEL_SYSTEM_PROMPT', () => {
  it('defines every block class on a line of its own, with an example or a description', () => {
    const lines = LABEL_SYSTEM_PROMPT.split('\n');
    for (const name of BLOCK_CLASSES) {
      const line = lines.filter((l) => l.startsWith(`  ${name}: `));
      expect(line, name).toHaveLength(1);
      expect(BLOCK_CLASS_DEFINITIONS[name].length, name).toBeGreaterThan(20);
    }
    expect(lines.filter((l) => /^ {2}[A-Z_]+: /.test(l))).toHaveLength(BLOCK_CLASSES.length);
  });

  it('says how front-matter sections relate to body text', () => {
    expect(LABEL_SYSTEM_PROMPT).toMatch(/running text of a front- or back-matter section takes that section's class/);
    expect(LABEL_SYSTEM_PROMPT).toMatch(/BODY is the running text of the chapters only/);
  });
});
