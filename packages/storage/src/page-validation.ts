import type { ZodType } from 'zod';

const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
/** The IEND chunk: zero length, type "IEND", its CRC. A complete PNG ends with exactly these bytes. */
const PNG_IEND = Uint8Array.of(0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82);

function startsWith(bytes: Uint8Array, prefix: Uint8Array, at = 0): boolean {
  if (bytes.length < at + prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[at + i] !== prefix[i]) return false;
  return true;
}

/**
 * Why `bytes` is not a complete PNG, or undefined when it is one. Checks the signature and the IEND
 * chunk at the very end: a write cut short (crash, full disk) loses the end, which this catches
 * without decoding the image.
 */
export function pngProblem(bytes: Uint8Array): string | undefined {
  if (!startsWith(bytes, PNG_SIGNATURE)) return 'it does not start with the PNG signature';
  if (bytes.length < PNG_SIGNATURE.length + PNG_IEND.length || !startsWith(bytes, PNG_IEND, bytes.length - PNG_IEND.length)) {
    return 'it does not end with the PNG IEND chunk (truncated write?)';
  }
  return undefined;
}

/** Only the first 8 and last 12 bytes decide `pngProblem`; this reads just those from a file's head and tail. */
export const PNG_HEAD_BYTES = PNG_SIGNATURE.length;
export const PNG_TAIL_BYTES = PNG_IEND.length;
export function pngProblemFromEnds(head: Uint8Array, tail: Uint8Array, size: number): string | undefined {
  if (!startsWith(head, PNG_SIGNATURE)) return 'it does not start with the PNG signature';
  if (size < PNG_SIGNATURE.length + PNG_IEND.length || !startsWith(tail, PNG_IEND)) {
    return 'it does not end with the PNG IEND chunk (truncated write?)';
  }
  return undefined;
}

/** Outcome of checking a JSON page. */
export type JsonCheck = { ok: true; value: unknown } | { ok: false; problem: string };

/** Parses JSON text and validates it against `schema` (any parseable JSON when there is none). */
export function checkJsonPage(text: string, schema: ZodType | undefined): JsonCheck {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: `it is not valid JSON (${(error as Error).message})` };
  }
  if (!schema) return { ok: true, value };
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, problem: `it does not match the schema: ${formatIssues(parsed.error.issues)}` };
}

/** "blocks.0.bbox.x: expected number; ..." — at most `max` issues, so a message stays readable. */
export function formatIssues(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>, max = 5): string {
  const shown = issues.slice(0, max).map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
  if (issues.length > max) shown.push(`and ${issues.length - max} more`);
  return shown.join('; ');
}
