import { Buffer, isAscii } from 'node:buffer';

/**
 * `JSON.parse` of a UTF-8 file's bytes, faster on large files. Decoding UTF-8 text that holds any
 * non-ASCII character (a curly quote is enough) is the slow part of reading an OCR page here: 30 MB of
 * OCR pages took 250-470 ms to decode and 75-150 ms to parse (bench/merge). Read as Latin-1 instead
 * (one byte, one character: 15-50 ms), the JSON structure is intact, since every byte of a multi-byte
 * UTF-8 sequence is >= 0x80 and every JSON delimiter is ASCII; only the strings that hold such bytes are
 * then decoded as UTF-8. A `\u` escape could spell a character in U+0080..U+00FF that the second decoding
 * would misread, so a file with any `\u` takes the plain path (so does one with a `"__proto__"` key).
 */
export function parseJsonBytes(bytes: Uint8Array): unknown {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (isAscii(buffer)) return JSON.parse(buffer.toString('latin1'));
  // A "__proto__" key cannot be given its decoded value by assignment (it would set the prototype).
  if (buffer.includes('\\u') || buffer.includes('"__proto__"')) return JSON.parse(buffer.toString('utf8'));
  const value: unknown = JSON.parse(buffer.toString('latin1'));
  if (typeof value === 'string') return decodeString(value);
  if (typeof value === 'object' && value !== null) decodeStrings(value);
  return value;
}

const HIGH_BYTE = /[\u0080-\u00ff]/;
/**
 * Keys seen to be ASCII: a page repeats a few keys thousands of times ("bbox", "text"), and testing
 * each one was a third of the decoding. Bounded, so that odd files cannot grow it without end.
 */
const asciiKeys = new Set<string>();
const ASCII_KEYS_MAX = 1000;

function decodeString(text: string): string {
  return HIGH_BYTE.test(text) ? Buffer.from(text, 'latin1').toString('utf8') : text;
}

/** Decodes, in place, every string and key of a parsed object or array that holds a byte >= 0x80. */
function decodeStrings(value: object): void {
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index += 1) {
      const item: unknown = value[index];
      if (typeof item === 'string') value[index] = decodeString(item);
      else if (typeof item === 'object' && item !== null) decodeStrings(item);
    }
    return;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const item = record[key];
    if (typeof item === 'string') {
      const decoded = decodeString(item);
      if (decoded !== item) record[key] = decoded;
    } else if (typeof item === 'object' && item !== null) decodeStrings(item);
    if (asciiKeys.has(key)) continue;
    if (HIGH_BYTE.test(key)) {
      const decoded = record[key];
      delete record[key];
      record[Buffer.from(key, 'latin1').toString('utf8')] = decoded;
    } else if (asciiKeys.size < ASCII_KEYS_MAX) asciiKeys.add(key);
  }
}
