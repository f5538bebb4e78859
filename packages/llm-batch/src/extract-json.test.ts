import { describe, expect, it } from 'vitest';
import { extractJson } from './extract-json.js';

describe('extractJson: the one JSON rule of every adapter', () => {
  it.each([
    ['bare JSON', '{"a":1}'],
    ['JSON with whitespace around it', '\n  {"a":1}  \n'],
    ['one ```json block', '```json\n{"a":1}\n```'],
    ['one bare ``` block', '```\n{"a":1}\n```'],
    ['a fenced block with whitespace around it', '  \n```json\n{"a":1}\n```\n'],
  ])('reads %s', (_, text) => {
    expect(extractJson(text)).toEqual({ ok: true, value: { a: 1 } });
  });

  it.each([
    ['prose before the block', 'Here you go:\n```json\n{"a":1}\n```', /text around a fenced block/],
    ['two blocks', '```json\n{"a":1}\n```\n```json\n{"b":2}\n```', /more than one fenced block|text around/],
    ['cut-off JSON', '{"a":[1,2', /not valid JSON/],
    ['an HTML page', '<!DOCTYPE html><html><body>Gateway</body></html>', /HTML, not JSON/],
    ['prose', 'Sure, the page says hello', /prose, not JSON/],
    ['nothing', '   ', /empty text/],
    ['an empty block', '```json\n\n```', /empty fenced block/],
  ])('refuses %s with a named reason', (_, text, reason) => {
    const result = extractJson(text);
    expect(result).toMatchObject({ ok: false, code: 'invalid_json', reason: expect.stringMatching(reason) });
    // The reason never quotes the answer, which may hold the book's text.
    if (!result.ok) expect(result.reason).not.toMatch(/hello|Gateway/);
  });
});
