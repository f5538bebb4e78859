/**
 * Removes secrets from text that may end up in a log, an event or an error: the exact secret
 * wherever it appears, and any bearer token or `x-api-key` value a provider echoed back.
 */
export function createRedactor(secrets: readonly (string | undefined | null)[]): (text: string) => string {
  const exact = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 4);
  return (text) => {
    let out = text;
    for (const secret of exact) out = out.split(secret).join('[REDACTED]');
    return out.replace(/(Bearer\s+)[^\s"',;]+/gi, '$1[REDACTED]').replace(/(x-api-key["']?\s*[:=]\s*["']?)[^\s"',;]+/gi, '$1[REDACTED]');
  };
}
