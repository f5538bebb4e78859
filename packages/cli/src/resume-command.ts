/** Quotes an argument for a POSIX shell when it needs it. */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/u.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * The command that resumes a run: the same arguments without `--clean` (which would throw away the
 * finished pages), through pnpm when the run came from a pnpm script.
 */
export function resumeCommand(args: readonly string[], env: Record<string, string | undefined>): string {
  const kept = args
    .filter((arg) => arg !== '--clean')
    .map(shellQuote)
    .join(' ');
  const script = env.npm_lifecycle_event;
  if (script === 'bookpipe') return `pnpm bookpipe ${kept}`;
  // A script that runs bookpipe with its own arguments (pnpm demo): running it again resumes.
  if (script && /bookpipe|cli\/dist\/bin\.js/.test(env.npm_lifecycle_script ?? '')) return `pnpm ${script}`;
  return `bookpipe ${kept}`;
}
