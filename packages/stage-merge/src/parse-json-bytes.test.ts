import { describe, expect, it } from 'vitest';
import { parseJsonBytes } from './parse-json-bytes.js';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('parseJsonBytes', () => {
  it.each([
    ['ASCII only', { text: 'plain', n: 1, list: [true, null, 2.5] }],
    ['curly quotes, dashes, accents', { text: '“Who shall dare?” — Café, naïve, ſ', words: [{ text: 'l’Académie' }] }],
    ['astral characters and CJK', { text: 'Greek ἄνθρωπος, emoji 📖, 中文', n: -0 }],
    ['non-ASCII keys', { clé: 'valeur', nested: { ü: ['ö'] } }],
    ['a Latin-1 character on its own', { text: 'é' }],
  ])('%s: the same value as JSON.parse', (_name, value) => {
    for (const text of [JSON.stringify(value), JSON.stringify(value, null, 2)]) {
      expect(parseJsonBytes(bytes(text))).toEqual(JSON.parse(text));
    }
  });

  it('reads \\u escapes right, including those of U+0080..U+00FF', () => {
    const text = '{"a":"caf\\u00e9 “x”","b":"\\u2014","c":"\\n"}';
    expect(parseJsonBytes(bytes(text))).toEqual({ a: 'café “x”', b: '—', c: '\n' });
  });

  it('reads a Buffer slice of a larger buffer', () => {
    const whole = bytes('xx{"a":"é"}yy');
    expect(parseJsonBytes(whole.subarray(2, whole.length - 2))).toEqual({ a: 'é' });
  });

  it('fails as JSON.parse does on broken JSON', () => {
    expect(() => parseJsonBytes(bytes('{"a": "é"'))).toThrow(SyntaxError);
  });
});

describe('parseJsonBytes on odd files', () => {
  it('keeps a "__proto__" key as an own property, its text decoded', () => {
    const text = '{"__proto__":"é","a":["ü",{"ö":"x"}]}';
    const value = parseJsonBytes(bytes(text)) as Record<string, unknown>;
    expect(value).toEqual(JSON.parse(text));
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toBe('é');
  });

  it('reads a top-level string or array', () => {
    expect(parseJsonBytes(bytes('"café"'))).toBe('café');
    expect(parseJsonBytes(bytes('["é",["ü"]]'))).toEqual(['é', ['ü']]);
  });
});
