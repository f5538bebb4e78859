import { describe, expect, it } from 'vitest';
import { classifyTesseractFailure, imageFormat, notAnImage } from './image-errors.js';

describe('imageFormat', () => {
  it('knows the image formats tesseract reads by their first bytes', () => {
    expect(imageFormat(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a]))).toBe('PNG');
    expect(imageFormat(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('JPEG');
    expect(imageFormat(Uint8Array.from([0x49, 0x49, 0x2a, 0x00]))).toBe('TIFF');
    expect(imageFormat(new TextEncoder().encode('P5\n10 10\n255\n'))).toBe('PNM');
  });

  it('refuses anything else, which tesseract would take for a list of file names', () => {
    expect(imageFormat(new TextEncoder().encode('/etc/passwd\n'))).toBeUndefined();
    expect(imageFormat(new Uint8Array())).toBeUndefined();
    expect(notAnImage(new Uint8Array())).toBe('the file is empty');
    expect(notAnImage(new TextEncoder().encode('hello'))).toBe('unknown format, first bytes 68 65 6c 6c 6f');
  });
});

describe('classifyTesseractFailure', () => {
  it('tells an undecodable image from an engine failure', () => {
    expect(classifyTesseractFailure('Error: Error attempting to read image.')).toBe('unreadable');
    expect(classifyTesseractFailure('exit 1: Error in pixReadStreamPng: internal png error | Error in pixRead: pix not read')).toBe('unreadable');
    expect(classifyTesseractFailure('tesseract.js thread for OCR (eng) exited (code 1)')).toBe('engine');
  });
});
