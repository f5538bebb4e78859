import { describe, expect, it } from 'vitest';
import { configSecrets, hasLlm, loadConfig } from './config.js';
import { BookpipeError, ErrorCode } from './errors.js';

describe('loadConfig', () => {
  it('applies defaults and leaves package-owned defaults unset', () => {
    const config = loadConfig({});
    expect(config.root).toBe('scans');
    expect(config.logLevel).toBe('info');
    expect(config.llm.maxRetries).toBeUndefined();
    expect(config.llm.apiKeys).toEqual({});
    expect(hasLlm(config)).toBe(false);
  });

  it('reads and coerces variables', () => {
    const config = loadConfig({
      BOOKPIPE_ROOT: '/data/scans',
      BOOKPIPE_LLM_MAX_WORKERS: '12',
      BOOKPIPE_LLM_RETRY_JITTER: '0.5',
      BOOKPIPE_PROVIDER: 'anthropic',
      ANTHROPIC_API_KEY: 'sk-ant-xyz',
      OPENAI_API_KEY: '',
    });
    expect(config.root).toBe('/data/scans');
    expect(config.llm.maxWorkers).toBe(12);
    expect(config.llm.retryJitter).toBe(0.5);
    expect(config.llm.apiKeys).toEqual({ anthropic: 'sk-ant-xyz' });
    expect(configSecrets(config)).toEqual(['sk-ant-xyz']);
    expect(hasLlm(config)).toBe(true);
  });

  it('names every bad variable and never echoes a key', () => {
    let error: unknown;
    try {
      loadConfig({ BOOKPIPE_LLM_MAX_WORKERS: 'lots', BOOKPIPE_LOG_LEVEL: 'chatty', BOOKPIPE_BASE_URL: 'not a url' });
    } catch (e) {
      error = e;
    }
    expect(BookpipeError.isInstance(error)).toBe(true);
    const e = error as BookpipeError;
    expect(e.code).toBe(ErrorCode.CONFIG_INVALID);
    expect(e.message).toContain('BOOKPIPE_LLM_MAX_WORKERS="lots"');
    expect(e.message).toContain('BOOKPIPE_LOG_LEVEL');
    expect(e.message).toContain('BOOKPIPE_BASE_URL');
  });

  it('a base URL alone enables the LLM stages (local servers need no key)', () => {
    expect(hasLlm(loadConfig({ BOOKPIPE_BASE_URL: 'http://127.0.0.1:11434/v1' }))).toBe(true);
  });
  it('reads the OCR languages (BOOKPIPE_OCR_LANG) and refuses what is no tesseract code', () => {
    expect(loadConfig({ BOOKPIPE_OCR_LANG: 'deu+lat' }).ocr.languages).toBe('deu+lat');
    expect(loadConfig({}).ocr.languages).toBeUndefined();
    expect(() => loadConfig({ BOOKPIPE_OCR_LANG: '../deu' })).toThrow(/BOOKPIPE_OCR_LANG="..\/deu": tesseract language codes joined by "\+"/);
  });
});
