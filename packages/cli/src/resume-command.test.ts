import { describe, expect, it } from 'vitest';
import { resumeCommand, shellQuote } from './resume-command.js';

describe('resumeCommand', () => {
  it('repeats the arguments without --clean, quoted for a shell', () => {
    expect(resumeCommand(['run', 'My Book.pdf', '--clean', '--workers', '2'], {})).toBe("bookpipe run 'My Book.pdf' --workers 2");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });

  it('goes through pnpm when the run came from a pnpm script', () => {
    expect(resumeCommand(['run', 'a.pdf'], { npm_lifecycle_event: 'bookpipe', npm_lifecycle_script: 'node packages/cli/dist/bin.js' })).toBe(
      'pnpm bookpipe run a.pdf',
    );
    expect(
      resumeCommand(['run', 'a.pdf'], { npm_lifecycle_event: 'demo', npm_lifecycle_script: 'pnpm build && node packages/cli/dist/bin.js run a.pdf' }),
    ).toBe('pnpm demo');
    expect(resumeCommand(['run', 'a.pdf'], { npm_lifecycle_event: 'test', npm_lifecycle_script: 'vitest run' })).toBe('bookpipe run a.pdf');
  });
});
